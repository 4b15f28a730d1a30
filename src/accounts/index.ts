// What other domains may use of accounts.
export { hashPassword, verifyAgainstNothing, verifyPassword } from './passwords.ts';
export { insertAccount, setAccountTeams, teamsOf } from './queries.ts';
export { accountRoutes } from './routes.ts';
export {
  ACCOUNT_NAME_MAX,
  AccountService,
  BREAK_GLASS_MS,
  EMAIL_MAX,
  EXTERNAL_ID_MAX,
  OWNER_DEACTIVATED_REASON,
  type ProvisionedPerson,
  type SignInGrants,
} from './service.ts';
export type { AccountView } from './views.ts';
