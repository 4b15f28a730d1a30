// The first start: the first Admin, and the demo workspace.
export { bootstrap, DEFAULT_ADMIN_EMAIL, type FirstStart } from './bootstrap.ts';
