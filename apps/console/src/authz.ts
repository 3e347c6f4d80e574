/**
 * Who may do what: the role-by-route policy of the console, enforced by the server on every
 * request before any handler runs (not merely hidden in the page). Least privilege (000; 004 §4):
 *
 * - reviewer: compliance staff; every flag, assigns, records outcomes, may reveal a clear value.
 * - investigator: channel staff; only the flags of their own channel; records outcomes.
 * - supervisor: compliance; verifies or sends back outcomes (four eyes, 002 §3.13); may reveal.
 * - manager: the dashboard and the generated reports; no record-level personal data.
 * - auditor: the access-anomaly queue (apps/auditor) and its disposition.
 * - admin: accounts and roles; no customer data at all.
 */
export const ROLES = ['reviewer', 'investigator', 'supervisor', 'manager', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** `public`: anyone; `authenticated`: any signed-in account; else the roles allowed. */
export type Access = 'public' | 'authenticated' | readonly Role[];

const FLAG_READERS = ['reviewer', 'investigator', 'supervisor'] as const;
const COMPLIANCE = ['reviewer', 'supervisor'] as const;

/** Every route of the console by id. A route missing here cannot be registered (see routes/index.ts). */
export const ROUTE_POLICY = {
  static: 'public',
  health: 'public',
  'login.form': 'public',
  'login.submit': 'public',
  logout: 'authenticated',
  home: 'authenticated',
  'password.form': 'authenticated',
  'password.submit': 'authenticated',
  queue: FLAG_READERS,
  'flag.view': FLAG_READERS,
  'flag.assign': COMPLIANCE,
  'flag.resolve': ['reviewer', 'investigator'],
  'flag.verify': ['supervisor'],
  'flag.sendBack': ['supervisor'],
  'flag.reveal': COMPLIANCE,
  dashboard: ['manager', 'supervisor'],
  'report.download': ['manager', 'supervisor'],
  anomalies: ['auditor'],
  'anomaly.view': ['auditor'],
  'anomaly.resolve': ['auditor'],
  'admin.users': ['admin'],
  'admin.userCreate': ['admin'],
  'admin.userUpdate': ['admin'],
} as const satisfies Record<string, Access>;

export type RouteId = keyof typeof ROUTE_POLICY;

export function isRouteId(id: string): id is RouteId {
  return Object.hasOwn(ROUTE_POLICY, id);
}

export type Decision = 'allow' | 'login' | 'forbidden';

/** The policy's verdict for a route and the roles of the current account (none when signed out). */
export function authorize(routeId: RouteId, roles: readonly string[] | null): Decision {
  const access: Access = ROUTE_POLICY[routeId];
  if (access === 'public') return 'allow';
  if (roles === null) return 'login';
  if (access === 'authenticated') return 'allow';
  return roles.some((r) => (access as readonly string[]).includes(r)) ? 'allow' : 'forbidden';
}

/**
 * Row-level scope on flags: an account whose only flag role is investigator sees its own
 * channel's flags and nothing else; compliance roles see every flag. `null` channel with
 * `all: false` means nothing at all (an investigator without a channel is refused by the database).
 */
export interface FlagScope {
  all: boolean;
  channel: string | null;
}

export function flagScopeOf(user: { roles: readonly string[]; channel: string | null }): FlagScope {
  if (user.roles.includes('reviewer') || user.roles.includes('supervisor'))
    return { all: true, channel: null };
  if (user.roles.includes('investigator')) return { all: false, channel: user.channel };
  return { all: false, channel: null };
}

export function canSeeFlag(scope: FlagScope, flag: { channel: string | null }): boolean {
  if (scope.all) return true;
  return scope.channel !== null && flag.channel === scope.channel;
}

/**
 * Role combinations refused at account creation: admin and auditor stand alone (separation of
 * duties: who grants access or audits it does not also work the records), and an investigator's
 * channel scope would be meaningless next to a compliance role. Returns problems as message keys.
 */
export function checkRoleSet(
  roles: readonly string[],
  channel: string | null,
): ('roles.none' | 'roles.unknown' | 'roles.exclusive' | 'roles.channelRequired')[] {
  const problems: ('roles.none' | 'roles.unknown' | 'roles.exclusive' | 'roles.channelRequired')[] = [];
  if (roles.length === 0) problems.push('roles.none');
  if (roles.some((r) => !isRole(r))) problems.push('roles.unknown');
  const alone: Role[] = ['admin', 'auditor', 'investigator'];
  if (roles.length > 1 && roles.some((r) => (alone as string[]).includes(r)))
    problems.push('roles.exclusive');
  if (roles.includes('investigator') && !channel?.trim()) problems.push('roles.channelRequired');
  return problems;
}
