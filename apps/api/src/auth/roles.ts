// Roles of api.md and who may read which area. Pure data: the guard, the
// batch endpoint and tests all decide access with `isAllowed`.
export const ROLES = ['underwriter', 'claims', 'pensions', 'fund-admin', 'finance', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const QUERY_AREAS = ['policies', 'claims', 'funds', 'members', 'periods', 'reports', 'audit'] as const;
/** A query area (the decorator of the same idea is `@QueryArea`). */
export type Area = (typeof QUERY_AREAS)[number];

/**
 * api.md: "Every query is allowed to any authenticated actor that holds a role
 * for that area, plus auditor and admin". The roles of each area:
 *   policies  underwriter; claims (a handler reads the policy a claim is on); finance
 *   claims    claims; finance; underwriter (loss experience of the book)
 *   funds     pensions, fund-admin, finance
 *   members   pensions, fund-admin, finance
 *   periods   finance
 *   reports   finance
 *   audit     nobody else: the audit trail is for auditors (and admin)
 * auditor and admin are added to every area below, never listed here.
 */
export const AREA_ROLES: Readonly<Record<Area, readonly Role[]>> = {
  policies: ['underwriter', 'claims', 'finance'],
  claims: ['claims', 'finance', 'underwriter'],
  funds: ['pensions', 'fund-admin', 'finance'],
  members: ['pensions', 'fund-admin', 'finance'],
  periods: ['finance'],
  reports: ['finance'],
  audit: [],
};

/** Who is calling: the `actor` of the tokens file, recorded on every event. */
export interface Actor {
  readonly id: string;
  readonly roles: ReadonlySet<Role>;
}

/** What a route demands. Built once per route, checked per request. */
export type Access =
  | { readonly kind: 'public' }
  | { readonly kind: 'authenticated' }
  | { readonly kind: 'roles'; readonly roles: ReadonlySet<Role>; readonly describe: string };

export const PUBLIC_ACCESS: Access = { kind: 'public' };
export const AUTHENTICATED_ACCESS: Access = { kind: 'authenticated' };

/** A command: one of `roles`; admin always. */
export function commandAccess(...roles: Role[]): Access {
  return { kind: 'roles', roles: new Set<Role>([...roles, 'admin']), describe: `requires role ${roles.join(' or ') || 'admin'}` };
}

/** A query: any role of the area, auditor and admin. */
export function queryAccess(area: Area): Access {
  const roles = new Set<Role>([...AREA_ROLES[area], 'auditor', 'admin']);
  return { kind: 'roles', roles, describe: `requires a role that reads ${area}` };
}

/** A route that declares nothing is admin-only: forgetting a decorator fails closed. */
export const UNDECLARED_ACCESS: Access = { kind: 'roles', roles: new Set<Role>(['admin']), describe: 'requires role admin' };

export function isAllowed(actor: Actor | undefined, access: Access): boolean {
  if (access.kind === 'public') return true;
  if (!actor) return false;
  if (access.kind === 'authenticated') return true;
  for (const role of actor.roles) if (access.roles.has(role)) return true;
  return false;
}

export function describeAccess(access: Access): string {
  return access.kind === 'roles' ? access.describe : access.kind === 'public' ? 'open to all' : 'requires a token';
}
