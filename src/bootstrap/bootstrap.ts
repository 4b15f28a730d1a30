import { type Kysely, sql } from 'kysely';
import { hashPassword, insertAccount, setAccountTeams } from '../accounts/index.ts';
import type { Clock } from '../platform/clock.ts';
import { randomUrlSafe } from '../platform/hashing.ts';
import type { Database } from '../platform/schema.ts';
import { seedDemoWorkspace } from './demo-workspace.ts';

export const DEFAULT_ADMIN_EMAIL = 'admin@example.com';

export type FirstStart =
  | { firstStart: false }
  | { firstStart: true; adminEmail: string; generatedPassword: string | undefined; demo: boolean };

/**
 * On an empty database: the first Admin (from TESSERA_ADMIN_EMAIL / TESSERA_ADMIN_PASSWORD, or a
 * generated password printed once) and, when asked, the demo workspace. An advisory lock makes
 * several nodes starting at once on one PostgreSQL seed it exactly once.
 */
export async function bootstrap(
  db: Kysely<Database>,
  clock: Clock,
  options: { adminEmail?: string | undefined; adminPassword?: string | undefined; demo: boolean },
): Promise<FirstStart> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(7265730)`.execute(trx);
    const existing = await trx.selectFrom('accounts').select('id').limit(1).executeTakeFirst();
    if (existing) return { firstStart: false };
    const adminEmail = options.adminEmail ?? DEFAULT_ADMIN_EMAIL;
    const generatedPassword = options.adminPassword ? undefined : randomUrlSafe(12);
    const passwordHash = await hashPassword(options.adminPassword ?? generatedPassword!);
    if (options.demo) {
      await seedDemoWorkspace(trx, clock.now(), { adminEmail, passwordHash });
    } else {
      const admin = await insertAccount(trx, {
        kind: 'human',
        email: adminEmail,
        name: 'Admin',
        role: 'admin',
        password_hash: passwordHash,
        created_at: clock.now(),
      });
      await setAccountTeams(trx, admin.id, []);
    }
    return { firstStart: true, adminEmail, generatedPassword, demo: options.demo };
  });
}
