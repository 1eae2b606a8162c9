/**
 * Roles and what they permit, deny by default. A role is granted per team (or for the
 * whole organisation with team `*`); every role can read what its team can see. Shared
 * standards (endpoints, protocols, gates) are the organisation's: a steward anywhere may
 * write them.
 */
export const ROLES = ['viewer', 'scientist', 'modeler', 'approver', 'steward', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'read',
  'ingest',
  'predict',
  'curate', // dataset snapshots and the feature cache
  'build',
  'monitor',
  'decide',
  'promote',
  'unfreeze',
  'standards',
  'admin',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  viewer: ['read'],
  scientist: ['read', 'ingest', 'predict', 'curate'],
  modeler: ['read', 'predict', 'curate', 'build', 'monitor', 'decide'],
  approver: ['read', 'promote', 'unfreeze'],
  steward: ['read', 'standards'],
  admin: PERMISSIONS,
};

/** The organisation-wide "team" of a grant. */
export const ANY_TEAM = '*';

export interface RoleGrant {
  team: string;
  role: Role;
}

export function isRole(r: string): r is Role {
  return (ROLES as readonly string[]).includes(r);
}

/** Whether the grants allow `permission` on objects of `team`. */
export function allows(grants: readonly RoleGrant[], team: string, permission: Permission): boolean {
  return grants.some((g) => (g.team === team || g.team === ANY_TEAM) && ROLE_PERMISSIONS[g.role].includes(permission));
}

/** Whether the grants allow `permission` somewhere (shared standards belong to no team). */
export function allowsAnywhere(grants: readonly RoleGrant[], permission: Permission): boolean {
  return grants.some((g) => ROLE_PERMISSIONS[g.role].includes(permission));
}
