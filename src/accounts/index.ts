// What other domains may use of accounts.
export { hashPassword, verifyAgainstNothing, verifyPassword } from './passwords.ts';
export { insertAccount, setAccountTeams, teamsOf } from './queries.ts';
export { accountRoutes } from './routes.ts';
export { AccountService, OWNER_DEACTIVATED_REASON } from './service.ts';
export type { AccountView } from './views.ts';
