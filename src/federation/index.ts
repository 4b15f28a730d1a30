// What other folders may use of keyless CI (trust policies and the token exchange).
export { TokenExchange } from './exchange.ts';
export { IssuerKeys } from './issuer-keys.ts';
export { tokenExchangeRoute, trustPolicyRoutes } from './routes.ts';
export { TrustPolicies } from './trust-policies.ts';
