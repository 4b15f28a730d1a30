// What the app may use of SCIM.
export { SCIM_BASE_PATH, scimRoutes } from './routes.ts';
