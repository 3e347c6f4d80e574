import { createHash, randomBytes } from 'node:crypto';
import type { ConsoleUser, Database } from '@custodian/core';
import type { Kysely } from 'kysely';

/**
 * Server-side sessions in the database. The cookie carries 32 random bytes; the table keeps only
 * their SHA-256. A session ends after `idleMinutes` without use or `maxHours` in all, at logout, at
 * a password change and when the account's rights change. Pre-login sessions (no user) only carry
 * the login form's CSRF token and are replaced by a fresh session at login (no fixation).
 */
export const SESSION_COOKIE = 'custodian_session';

export interface SessionTimes {
  idleMinutes: number;
  maxHours: number;
}

/** Pre-login sessions live long enough to fill in a login form, no longer. */
const ANONYMOUS_LIFETIME_MS = 60 * 60_000;
/** `last_seen_at` is written at most this often: a page view should not always be a write. */
const TOUCH_INTERVAL_MS = 60_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface NewSession {
  token: string;
  csrfToken: string;
}

export async function createSession(
  db: Kysely<Database>,
  input: {
    userId: number | null;
    ip: string | null;
    userAgent: string | null;
    now: Date;
    times: SessionTimes;
  },
): Promise<NewSession> {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const lifetime = input.userId === null ? ANONYMOUS_LIFETIME_MS : input.times.maxHours * 3_600_000;
  await db
    .insertInto('console_sessions')
    .values({
      session_hash: hashToken(token),
      user_id: input.userId,
      csrf_token: csrfToken,
      created_at: input.now,
      last_seen_at: input.now,
      expires_at: new Date(input.now.getTime() + lifetime),
      client_ip: input.ip,
      user_agent: input.userAgent?.slice(0, 300) ?? null,
    })
    .execute();
  return { token, csrfToken };
}

export interface LoadedSession {
  token: string;
  csrfToken: string;
  user: ConsoleUser | null;
}

/** The live session of a cookie value, with its account; undefined when unknown, expired, idle or the account is disabled. */
export async function loadSession(
  db: Kysely<Database>,
  token: string,
  now: Date,
  times: SessionTimes,
): Promise<LoadedSession | undefined> {
  if (!token || token.length > 100) return undefined;
  const hash = hashToken(token);
  // One round trip for the session and its account: every request of the console starts here.
  const row = await db
    .selectFrom('console_sessions as s')
    .leftJoin('console_users as u', 'u.user_id', 's.user_id')
    .select(['s.csrf_token', 's.expires_at', 's.last_seen_at', 's.user_id as session_user'])
    .selectAll('u')
    .where('s.session_hash', '=', hash)
    .executeTakeFirst();
  if (!row) return undefined;
  const lastSeen = new Date(row.last_seen_at).getTime();
  const idleLimit = row.session_user === null ? ANONYMOUS_LIFETIME_MS : times.idleMinutes * 60_000;
  const expired = new Date(row.expires_at).getTime() <= now.getTime() || now.getTime() - lastSeen > idleLimit;
  const accountGone = row.session_user !== null && (row.user_id === null || row.disabled_at !== null);
  if (expired || accountGone) {
    await db.deleteFrom('console_sessions').where('session_hash', '=', hash).execute();
    return undefined;
  }
  let user: ConsoleUser | null = null;
  if (row.session_user !== null) {
    const { csrf_token: _c, expires_at: _e, last_seen_at: _l, session_user: _s, ...account } = row;
    user = account as ConsoleUser;
  }
  if (now.getTime() - lastSeen > TOUCH_INTERVAL_MS) {
    await db
      .updateTable('console_sessions')
      .set({ last_seen_at: now })
      .where('session_hash', '=', hash)
      .execute();
  }
  return { token, csrfToken: row.csrf_token, user };
}

export async function destroySession(db: Kysely<Database>, token: string): Promise<void> {
  await db.deleteFrom('console_sessions').where('session_hash', '=', hashToken(token)).execute();
}

/** Removes sessions past their absolute end (idle ones are removed when next presented). */
export async function purgeExpiredSessions(db: Kysely<Database>, now: Date): Promise<number> {
  const res = await db.deleteFrom('console_sessions').where('expires_at', '<=', now).executeTakeFirst();
  return Number(res.numDeletedRows);
}
