import { describe, expect, it } from 'vitest';
import {
  authorize,
  canSeeFlag,
  checkRoleSet,
  flagScopeOf,
  ROLES,
  ROUTE_POLICY,
  type RouteId,
} from './authz.js';
import { ROUTES } from './routes/index.js';

/**
 * The role-by-route matrix, written out by hand from the issue (least privilege): each row is a
 * route, each letter a role allowed (R reviewer, I investigator, S supervisor, M manager,
 * A auditor, D admin), `*` any signed-in account, `public` anyone.
 */
const EXPECTED: Record<RouteId, string> = {
  static: 'public',
  health: 'public',
  'login.form': 'public',
  'login.submit': 'public',
  logout: '*',
  home: '*',
  'password.form': '*',
  'password.submit': '*',
  queue: 'RIS',
  'flag.view': 'RIS',
  'flag.assign': 'RS',
  'flag.resolve': 'RI',
  'flag.verify': 'S',
  'flag.sendBack': 'S',
  'flag.reveal': 'RS',
  dashboard: 'MS',
  'report.download': 'MS',
  anomalies: 'A',
  'anomaly.view': 'A',
  'anomaly.resolve': 'A',
  'admin.users': 'D',
  'admin.userCreate': 'D',
  'admin.userUpdate': 'D',
};
const LETTER: Record<string, string> = {
  reviewer: 'R',
  investigator: 'I',
  supervisor: 'S',
  manager: 'M',
  auditor: 'A',
  admin: 'D',
};

describe('role-by-route policy', () => {
  it('covers every route and nothing else', () => {
    expect(Object.keys(ROUTE_POLICY).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(ROUTES.map((r) => r.id).sort()).toEqual([...new Set(ROUTES.map((r) => r.id))].sort());
    expect(new Set(ROUTES.map((r) => r.id))).toEqual(new Set(Object.keys(ROUTE_POLICY)));
  });

  for (const [route, allowed] of Object.entries(EXPECTED) as [RouteId, string][]) {
    it(`${route}: ${allowed}`, () => {
      expect(authorize(route, null)).toBe(allowed === 'public' ? 'allow' : 'login');
      for (const role of ROLES) {
        const expected =
          allowed === 'public' || allowed === '*' || allowed.includes(LETTER[role]!) ? 'allow' : 'forbidden';
        expect(authorize(route, [role]), `${role} on ${route}`).toBe(expected);
      }
    });
  }

  it('keeps personal data away from manager, auditor and admin', () => {
    for (const role of ['manager', 'auditor', 'admin']) {
      for (const route of ['queue', 'flag.view', 'flag.reveal', 'flag.resolve'] as RouteId[]) {
        expect(authorize(route, [role])).toBe('forbidden');
      }
    }
  });

  it('grants by any role of a combined account', () => {
    expect(authorize('flag.verify', ['reviewer', 'supervisor'])).toBe('allow');
    expect(authorize('dashboard', ['reviewer', 'manager'])).toBe('allow');
    expect(authorize('admin.users', ['reviewer', 'manager'])).toBe('forbidden');
    expect(authorize('queue', [])).toBe('forbidden');
  });
});

describe('flag scope', () => {
  it('limits an investigator to their channel', () => {
    const scope = flagScopeOf({ roles: ['investigator'], channel: '个险渠道' });
    expect(canSeeFlag(scope, { channel: '个险渠道' })).toBe(true);
    expect(canSeeFlag(scope, { channel: '银保渠道' })).toBe(false);
    expect(canSeeFlag(scope, { channel: null })).toBe(false);
  });

  it('lets compliance see every flag and others none', () => {
    expect(canSeeFlag(flagScopeOf({ roles: ['reviewer'], channel: null }), { channel: 'x' })).toBe(true);
    expect(canSeeFlag(flagScopeOf({ roles: ['supervisor'], channel: null }), { channel: null })).toBe(true);
    expect(canSeeFlag(flagScopeOf({ roles: ['manager'], channel: null }), { channel: 'x' })).toBe(false);
    expect(canSeeFlag(flagScopeOf({ roles: ['investigator'], channel: null }), { channel: null })).toBe(
      false,
    );
  });
});

describe('role sets', () => {
  it('accepts a single role and compatible combinations', () => {
    expect(checkRoleSet(['reviewer'], null)).toEqual([]);
    expect(checkRoleSet(['reviewer', 'supervisor', 'manager'], null)).toEqual([]);
    expect(checkRoleSet(['investigator'], '个险渠道')).toEqual([]);
  });

  it('refuses empty, unknown, combined exclusive roles and an investigator without a channel', () => {
    expect(checkRoleSet([], null)).toContain('roles.none');
    expect(checkRoleSet(['root'], null)).toContain('roles.unknown');
    expect(checkRoleSet(['admin', 'reviewer'], null)).toContain('roles.exclusive');
    expect(checkRoleSet(['auditor', 'manager'], null)).toContain('roles.exclusive');
    expect(checkRoleSet(['investigator', 'reviewer'], 'x')).toContain('roles.exclusive');
    expect(checkRoleSet(['investigator'], ' ')).toContain('roles.channelRequired');
  });
});
