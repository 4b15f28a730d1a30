// The hand-written baseline of issue 26: what a team would write to check a bearer token by hand.
// Fastify with its logger off, one route, `GET /api/me`: SHA-256 of the secret, ONE plain select of the
// token joined to its owner, the checks, then an UPDATE of last_used_at on every request. Unnamed
// statements (`query(text, values)`), a pool of 10 on PostgreSQL. DATABASE_URL picks PostgreSQL; else
// BASELINE_PGLITE_DIR is a copy of an embedded database's `pglite` directory (PGlite cannot share one
// with the tessera process). Listens on HOST:PORT, as tessera does.
import { hash } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import Fastify from 'fastify';
import pg from 'pg';

interface Row {
  id: string;
  kind: string;
  name: string;
  expires_at: Date | null;
  revoked_at: Date | null;
  owner_id: string;
  owner_kind: string;
  owner_email: string | null;
  owner_name: string | null;
  owner_role: string;
  owner_deactivated_at: Date | null;
}

type Query = (text: string, values: unknown[]) => Promise<{ rows: Row[] }>;

let query: Query;
if (process.env.DATABASE_URL) {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  query = (text, values) => pool.query<Row>(text, values);
} else {
  // The settings tessera gives the embedded database (src/platform/database.ts), so both run alike.
  const lite = await PGlite.create(process.env.BASELINE_PGLITE_DIR!, {
    extensions: { pg_trgm },
    startParams: [
      ...PGlite.defaultStartParams,
      '-c',
      'shared_buffers=16MB',
      '-c',
      'maintenance_work_mem=16MB',
    ],
  });
  query = (text, values) => lite.query<Row>(text, values);
}

const SELECT = `select t.id, t.kind, t.name, t.expires_at, t.revoked_at, a.id as owner_id, a.kind as owner_kind,
  a.email as owner_email, a.name as owner_name, a.role as owner_role, a.deactivated_at as owner_deactivated_at
  from tokens t join accounts a on a.id = t.owner_id where t.secret_hash = $1`;

const app = Fastify({ logger: false });
app.get('/api/me', async (request, reply) => {
  const header = request.headers.authorization;
  if (!header?.startsWith('Bearer ')) return reply.code(401).send({ error: 'unauthorized' });
  const secretHash = hash('sha256', header.slice(7), 'hex');
  const { rows } = await query(SELECT, [secretHash]);
  const row = rows[0];
  const now = Date.now();
  if (
    !row ||
    row.revoked_at !== null ||
    (row.expires_at !== null && row.expires_at.getTime() <= now) ||
    row.owner_deactivated_at !== null
  ) {
    return reply.code(401).send({ error: 'unauthorized' });
  }
  await query('update tokens set last_used_at = now() where id = $1', [row.id]);
  return {
    token: { id: row.id, kind: row.kind, name: row.name, expires_at: row.expires_at },
    owner: {
      id: row.owner_id,
      kind: row.owner_kind,
      email: row.owner_email,
      name: row.owner_name,
      role: row.owner_role,
    },
  };
});
await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) });
