// What the app and other folders may use of single sign-on.
export { RelyingParty } from './relying-party.ts';
export { ssoRoutes } from './routes.ts';
export { SsoService } from './service.ts';
export { GroupMapping, isLoopbackHttp, type SsoSettings } from './settings.ts';
