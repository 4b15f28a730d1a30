// What the app and other domains may use of authentication.
export { AttemptLimiter, type AttemptLimits } from './attempt-limiter.ts';
export { registerAuthentication } from './hook.ts';
export { meRoutes } from './me-routes.ts';
export { type CookieSettings, clearSessionCookie, setSessionCookie } from './session-cookie.ts';
export { sessionRoutes } from './session-routes.ts';
export { SessionService, type SignedIn, type SignInOrigin } from './sessions.ts';
export { tokenCheckRoutes } from './token-checks.ts';
export {
  CacheRefresher,
  lookUpVerifications,
  TokenAuthenticator,
  VerificationCache,
} from './verification/index.ts';
