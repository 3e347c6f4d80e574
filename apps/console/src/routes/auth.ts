import { appendAuditTrail } from '@custodian/core';
import { findAccount, passwordExpired, setPassword } from '../auth/accounts.js';
import { isLocked, recordFailedLogin, recordSuccessfulLogin } from '../auth/lockout.js';
import { dummyPasswordHash, verifyPassword } from '../auth/passwords.js';
import { createSession, destroySession, SESSION_COOKIE } from '../auth/sessions.js';
import { authorize, type RouteId } from '../authz.js';
import { type Reply, type RequestContext, redirect, safeLocalPath, userOf } from '../http/context.js';
import { serializeCookie } from '../http/request.js';
import type { MessageKey } from '../i18n.js';
import { renderLogin, renderPasswordForm } from '../views/auth.js';
import { page } from '../views/layout.js';

function sessionCookie(c: RequestContext, token: string): string {
  return serializeCookie(SESSION_COOKIE, token, { secure: c.deps.settings.secureCookies });
}

function clearSessionCookie(c: RequestContext): string {
  return serializeCookie(SESSION_COOKIE, '', { maxAgeSeconds: 0, secure: c.deps.settings.secureCookies });
}

/** A pre-login session carrying the login form's CSRF token, created when there is none. */
async function ensureAnonymousSession(c: RequestContext): Promise<void> {
  if (c.session) return;
  const s = await createSession(c.deps.ctx.storage.db, {
    userId: null,
    ip: c.ip,
    userAgent: c.req.headers['user-agent'] ?? null,
    now: c.now,
    times: { idleMinutes: c.deps.settings.sessionIdleMinutes, maxHours: c.deps.settings.sessionMaxHours },
  });
  c.session = { token: s.token, csrfToken: s.csrfToken, user: null };
  c.cookies.push(sessionCookie(c, s.token));
}

export async function loginForm(c: RequestContext): Promise<Reply> {
  if (c.user) return redirect('/');
  await ensureAnonymousSession(c);
  const notice = c.query.get('bye') ? c.t('login.loggedOut') : undefined;
  return page(c, c.t('login.title'), renderLogin(c, safeLocalPath(c.query.get('next'))), { notice });
}

/**
 * Sign-in (004 §4.4). Unknown user, wrong password, locked and disabled accounts all get the same
 * answer after the same scrypt work; failures count towards the lockout and are audited. Success
 * replaces whatever session the browser had with a new one (new id, new CSRF token: no fixation).
 */
export async function loginSubmit(c: RequestContext): Promise<Reply> {
  const db = c.deps.ctx.storage.db;
  const username = (c.form.get('username') ?? '').slice(0, 100);
  const password = c.form.get('password') ?? '';
  const next = safeLocalPath(c.form.get('next'));
  const user = username ? await findAccount(db, username) : undefined;
  const passwordOk = await verifyPassword(password, user?.password_hash ?? (await dummyPasswordHash()));
  const refusal = !user
    ? 'unknown_account'
    : user.disabled_at
      ? 'disabled'
      : isLocked(user, c.now)
        ? 'locked'
        : !passwordOk
          ? 'bad_password'
          : null;
  if (refusal || !user) {
    if (user && refusal === 'bad_password') {
      const locked = await recordFailedLogin(
        db,
        user.user_id,
        { attempts: c.deps.settings.lockoutAttempts, minutes: c.deps.settings.lockoutMinutes },
        c.now,
      );
      if (locked) {
        await appendAuditTrail(db, {
          actor: user.username,
          action: 'console.account_locked',
          targetType: 'account',
          targetId: user.username,
          detail: { ip: c.ip, minutes: c.deps.settings.lockoutMinutes },
        });
      }
    }
    // An unknown name is not written down: people type passwords into the username field.
    await appendAuditTrail(db, {
      actor: user ? user.username : '(unknown)',
      action: 'console.login_failed',
      targetType: 'account',
      targetId: user ? user.username : null,
      detail: { reason: refusal ?? 'unknown_account', ip: c.ip },
    });
    return page(c, c.t('login.title'), renderLogin(c, next, username), {
      status: 401,
      error: c.t('login.failed'),
    });
  }
  if (c.session) await destroySession(db, c.session.token);
  const s = await createSession(db, {
    userId: user.user_id,
    ip: c.ip,
    userAgent: c.req.headers['user-agent'] ?? null,
    now: c.now,
    times: { idleMinutes: c.deps.settings.sessionIdleMinutes, maxHours: c.deps.settings.sessionMaxHours },
  });
  c.cookies.push(sessionCookie(c, s.token));
  await recordSuccessfulLogin(db, user.user_id, c.now);
  await appendAuditTrail(db, {
    actor: user.username,
    action: 'console.login',
    targetType: 'account',
    targetId: user.username,
    detail: { ip: c.ip },
  });
  if (user.must_change_password || passwordExpired(user, c.deps.settings.passwordMaxAgeDays, c.now)) {
    return redirect('/password');
  }
  return redirect(next);
}

export async function logout(c: RequestContext): Promise<Reply> {
  const user = userOf(c);
  if (c.session) await destroySession(c.deps.ctx.storage.db, c.session.token);
  c.cookies.push(clearSessionCookie(c));
  await appendAuditTrail(c.deps.ctx.storage.db, {
    actor: user.username,
    action: 'console.logout',
    targetType: 'account',
    targetId: user.username,
    detail: { ip: c.ip },
  });
  return redirect('/login?bye=1');
}

/** Where an account starts: the first page its roles open. */
export async function home(c: RequestContext): Promise<Reply> {
  const user = userOf(c);
  const starts: [RouteId, string][] = [
    ['queue', '/flags'],
    ['dashboard', '/dashboard'],
    ['anomalies', '/anomalies'],
    ['admin.users', '/admin/users'],
  ];
  for (const [route, path] of starts) if (authorize(route, user.roles) === 'allow') return redirect(path);
  return redirect('/password');
}

export async function passwordForm(c: RequestContext): Promise<Reply> {
  const user = userOf(c);
  const forced =
    user.must_change_password || passwordExpired(user, c.deps.settings.passwordMaxAgeDays, c.now);
  return page(c, c.t('password.title'), renderPasswordForm(c), {
    notice: forced ? c.t('password.mustChange') : c.query.get('done') ? c.t('password.changed') : undefined,
  });
}

/** Changes one's own password; the session is renewed (all the account's sessions end with the old password). */
export async function passwordSubmit(c: RequestContext): Promise<Reply> {
  const user = userOf(c);
  const db = c.deps.ctx.storage.db;
  const current = c.form.get('current') ?? '';
  const next = c.form.get('password') ?? '';
  const confirm = c.form.get('confirm') ?? '';
  const fail = (keys: MessageKey[]) =>
    page(c, c.t('password.title'), renderPasswordForm(c), {
      status: 400,
      error: keys.map((k) => c.t(k)).join(' '),
    });
  if (!(await verifyPassword(current, user.password_hash))) return fail(['password.wrongCurrent']);
  if (next !== confirm) return fail(['password.mismatch']);
  if (next === current) return fail(['password.same']);
  const result = await setPassword(db, user, next, {
    actor: user.username,
    mustChange: false,
    now: c.now,
    ...(c.deps.scryptCost ? { cost: c.deps.scryptCost } : {}),
  });
  if (!result.ok) return fail(result.problems as MessageKey[]);
  const s = await createSession(db, {
    userId: user.user_id,
    ip: c.ip,
    userAgent: c.req.headers['user-agent'] ?? null,
    now: c.now,
    times: { idleMinutes: c.deps.settings.sessionIdleMinutes, maxHours: c.deps.settings.sessionMaxHours },
  });
  c.cookies.push(sessionCookie(c, s.token));
  return redirect('/');
}
