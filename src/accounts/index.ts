// What other domains may use of accounts.
export { hashPassword, verifyAgainstNothing, verifyPassword } from './passwords.ts';
export { insertAccount, setAccountTeams, teamsOf } from './queries.ts';
export { accountRoutes } from './routes.ts';
export { AccountService, BREAK_GLASS_MS, OWNER_DEACTIVATED_REASON, type SignInGrants } from './service.ts';
export type { AccountView } from './views.ts';
