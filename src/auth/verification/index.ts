export {
  type RequestOrigin,
  TOKEN_FAILURE_CODES,
  type TokenAuthentication,
  TokenAuthenticator,
  type TokenFailureCode,
} from './authenticator.ts';
export { type Verification, VerificationCache, type VerificationCacheOptions } from './cache.ts';
export { lookUpVerifications, type VerificationLookup } from './queries.ts';
export { CacheRefresher } from './refresher.ts';
