import type { Migration } from 'kysely/migration';
import * as initial from './0001-initial.ts';
import * as listIndexes from './0002-list-indexes.ts';
import * as lastUsedMinute from './0003-last-used-minute.ts';
import * as secretHashDomain from './0004-secret-hash-domain.ts';
import * as lastActiveMinute from './0005-last-active-minute.ts';
import * as scim from './0006-scim.ts';
import * as sso from './0007-sso.ts';
import * as rotation from './0008-rotation.ts';
import * as tokenPolicy from './0009-token-policy.ts';
import * as notifications from './0010-notifications.ts';
import * as scopes from './0011-scopes.ts';
import * as tokenUsage from './0012-token-usage.ts';
import * as federation from './0013-federation.ts';
import * as usageInPlace from './0014-usage-in-place.ts';

/** Every migration, in order. Listed by hand so the set is the same wherever the code runs. */
export const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-list-indexes': listIndexes,
  '0003-last-used-minute': lastUsedMinute,
  '0004-secret-hash-domain': secretHashDomain,
  '0005-last-active-minute': lastActiveMinute,
  '0006-scim': scim,
  '0007-sso': sso,
  '0008-rotation': rotation,
  '0009-token-policy': tokenPolicy,
  '0010-notifications': notifications,
  '0011-scopes': scopes,
  '0012-token-usage': tokenUsage,
  '0013-federation': federation,
  '0014-usage-in-place': usageInPlace,
};
