export const ROLES = ['member', 'manager', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Admin ⊃ Manager ⊃ Member: each role may do everything the roles below it may. */
export function roleAtLeast(role: Role, minimum: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(minimum);
}

export const ROLE_LABELS: Record<Role, string> = { member: 'Member', manager: 'Manager', admin: 'Admin' };
