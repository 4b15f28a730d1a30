// What other domains may use of teams.
export { findTeamsByIds, findTeamsByNames, insertTeam } from './queries.ts';
export { teamRoutes } from './routes.ts';
export { type MemberChange, type ProvisionedTeam, type TeamChange, TeamService } from './service.ts';
