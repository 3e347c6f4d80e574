import type { ConsoleUser, Database } from '@custodian/core';
import { type Kysely, sql } from 'kysely';

/**
 * Lockout after repeated failures (004 §4.4; 等保 login-failure handling): `attempts` consecutive
 * failed passwords lock the account for `minutes`; the counter starts again after the lock. A
 * success resets it. The update is one statement, so parallel guesses cannot slip past the count.
 */
export interface LockoutPolicy {
  attempts: number;
  minutes: number;
}

export function isLocked(user: Pick<ConsoleUser, 'locked_until'>, now: Date): boolean {
  return user.locked_until !== null && new Date(user.locked_until).getTime() > now.getTime();
}

/** Counts a failure; returns whether this failure locked the account. */
export async function recordFailedLogin(
  db: Kysely<Database>,
  userId: number,
  policy: LockoutPolicy,
  now: Date,
): Promise<boolean> {
  const lockUntil = new Date(now.getTime() + policy.minutes * 60_000);
  const row = await db
    .updateTable('console_users')
    .set({
      failed_attempts: sql<number>`case when failed_attempts + 1 >= ${policy.attempts} then 0 else failed_attempts + 1 end`,
      locked_until: sql<Date>`case when failed_attempts + 1 >= ${policy.attempts} then ${lockUntil}::timestamptz else locked_until end`,
    })
    .where('user_id', '=', userId)
    .returning(['failed_attempts', 'locked_until'])
    .executeTakeFirst();
  return row !== undefined && row.failed_attempts === 0 && row.locked_until !== null && isLocked(row, now);
}

export async function recordSuccessfulLogin(db: Kysely<Database>, userId: number, now: Date): Promise<void> {
  await db
    .updateTable('console_users')
    .set({ failed_attempts: 0, locked_until: null, last_login_at: now })
    .where('user_id', '=', userId)
    .execute();
}
