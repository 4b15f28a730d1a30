// What other domains may use of tokens.
export { keptUserAgent, LastUsedRecorder } from './last-used.ts';
export { leakedSecretRoutes } from './leaked-routes.ts';
export { LEAKED_REASON, LeakedSecrets, REVOKED_BY_VALUE_REASON } from './leaked-secrets.ts';
export { checkLifetime, TokenPolicies, type TokenPolicyView, unusedReason } from './policy.ts';
export { lockKindPolicy, readTokenPolicy } from './policy-queries.ts';
export { tokenPolicyRoutes } from './policy-routes.ts';
export {
  activeTokenCounts,
  countActiveTokensOf,
  insertToken,
  type LastUse,
  revokeActiveTokensOf,
  selectTokenRows,
  type TokenWithOwner,
} from './queries.ts';
export { tokenRoutes } from './routes.ts';
export { Owner, Token } from './schemas.ts';
export { ScopeCatalog, type ScopeView } from './scope-catalog.ts';
export { insertCatalogScope } from './scope-queries.ts';
export { scopeRoutes } from './scope-routes.ts';
export { checkScopeList, checkUpstreamScopes } from './scope-rules.ts';
export { TokenService } from './service.ts';
export { TokenUsage } from './usage.ts';
export { type HourTally, type OriginTally, writeUsage } from './usage-queries.ts';
export { tokenUsageRoutes } from './usage-routes.ts';
export { type OwnerView, type TokenUse, type TokenView, tokenUse, tokenView } from './views.ts';
