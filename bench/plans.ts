// The EXPLAIN (ANALYZE) plan of every list query at 100,000 tokens and 10,000 accounts.
// Exits non-zero if a plan scans tokens or accounts sequentially.
// `node bench/plans.ts [postgres|pglite]`.
import { ADMIN_EMAIL, createBenchDatabase } from './support/databases.ts';
import { explainLists, queryRecorder } from './support/list-queries.ts';
import { SCALE, seedScale } from './support/seed.ts';
import { line } from './support/stats.ts';

const engine = process.argv[2] === 'pglite' ? 'pglite' : 'postgres';
const database = await createBenchDatabase(engine);
const recorder = queryRecorder();
const handle = await database.open(recorder.log);
try {
  await seedScale(handle.db, { ...SCALE, adminEmail: ADMIN_EMAIL });
  const admin = await handle.db
    .selectFrom('accounts')
    .select('id')
    .where('email', '=', ADMIN_EMAIL)
    .executeTakeFirstOrThrow();
  const plans = await explainLists(handle.db, recorder, admin.id);
  for (const plan of plans) line(`\n-- ${plan.name}\n${plan.plan}`);
  const bad = plans.filter((p) => p.seqScans.some((t) => t === 'tokens' || t === 'accounts'));
  line(
    `\nsequential scans on tokens or accounts: ${bad.length === 0 ? 'none' : bad.map((p) => p.name).join('; ')}`,
  );
  process.exitCode = bad.length === 0 ? 0 : 1;
} finally {
  await handle.close();
  await database.dispose();
}
process.exit();
