import { appendAuditTrail, type ConsoleUser, type Database } from '@custodian/core';
import { type Kysely, sql } from 'kysely';
import { checkRoleSet } from '../authz.js';
import { checkPasswordPolicy, hashPassword, type PasswordProblem, type ScryptCost } from './passwords.js';

/**
 * Accounts of the console (004 §4.4; 000): one per person, created by an admin (the first one from
 * the command line), never deleted (disabled instead, so every name in a history stays a person).
 * Every change is written to the audit trail with the account that made it.
 */
export type AccountProblem =
  | PasswordProblem
  | ReturnType<typeof checkRoleSet>[number]
  | 'username.invalid'
  | 'username.taken'
  | 'displayName.required';

export type AccountResult = { ok: true; user: ConsoleUser } | { ok: false; problems: AccountProblem[] };

const USERNAME = /^[a-z0-9][a-z0-9._-]{1,63}$/;

/** Canonical form of a username: trimmed, lower case. */
export function normalizeUsername(username: string): string {
  return username.normalize('NFKC').trim().toLowerCase();
}

export function isValidUsername(username: string): boolean {
  return USERNAME.test(username);
}

export interface NewAccount {
  username: string;
  displayName: string;
  roles: string[];
  channel: string | null;
  password: string;
  /** True for a password someone else chose or generated: it must be changed at first login. */
  mustChangePassword: boolean;
  /** Who creates it (an admin's username, or the command-line actor), for the audit trail. */
  createdBy: string;
  /** Tests lower the scrypt cost; production uses the default. */
  cost?: ScryptCost;
}

export async function createAccount(db: Kysely<Database>, input: NewAccount): Promise<AccountResult> {
  const username = normalizeUsername(input.username);
  const channel = input.channel?.trim() || null;
  const problems: AccountProblem[] = [];
  if (!isValidUsername(username)) problems.push('username.invalid');
  if (!input.displayName.trim()) problems.push('displayName.required');
  problems.push(...checkRoleSet(input.roles, channel));
  problems.push(...checkPasswordPolicy(input.password, username));
  if (problems.length > 0) return { ok: false, problems };
  const hash = await hashPassword(input.password, input.cost);
  return db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('console_users')
      .select('user_id')
      .where('username', '=', username)
      .executeTakeFirst();
    if (existing) return { ok: false, problems: ['username.taken'] } as AccountResult;
    const user = await trx
      .insertInto('console_users')
      .values({
        username,
        display_name: input.displayName.trim(),
        password_hash: hash,
        roles: input.roles,
        channel: input.roles.includes('investigator') ? channel : null,
        must_change_password: input.mustChangePassword,
        created_by: input.createdBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await appendAuditTrail(trx, {
      actor: input.createdBy,
      action: 'console.account_created',
      targetType: 'account',
      targetId: username,
      detail: { roles: input.roles, channel: user.channel },
    });
    return { ok: true, user } as AccountResult;
  });
}

export function findAccount(db: Kysely<Database>, username: string): Promise<ConsoleUser | undefined> {
  return db
    .selectFrom('console_users')
    .selectAll()
    .where('username', '=', normalizeUsername(username))
    .executeTakeFirst();
}

export function getAccount(db: Kysely<Database>, userId: number): Promise<ConsoleUser | undefined> {
  return db.selectFrom('console_users').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

export function listAccounts(db: Kysely<Database>): Promise<ConsoleUser[]> {
  return db.selectFrom('console_users').selectAll().orderBy('username').execute();
}

/** Active investigators of a channel: whom a flag of that channel can be assigned to. */
export async function listInvestigators(db: Kysely<Database>, channel: string): Promise<string[]> {
  const rows = await db
    .selectFrom('console_users')
    .select('username')
    .where('channel', '=', channel)
    .where(sql<boolean>`'investigator' = any(roles)`)
    .where('disabled_at', 'is', null)
    .orderBy('username')
    .execute();
  return rows.map((r) => r.username);
}

/** Whether the password is older than the allowed age (it must then be changed before anything else). */
export function passwordExpired(
  user: Pick<ConsoleUser, 'password_changed_at'>,
  maxAgeDays: number,
  now: Date,
): boolean {
  return now.getTime() - new Date(user.password_changed_at).getTime() > maxAgeDays * 86_400_000;
}

/**
 * Sets a new password. `mustChange` true for a reset by an admin (a one-time password), false when
 * the person chose it. Audited as password_changed or password_reset.
 */
export async function setPassword(
  db: Kysely<Database>,
  user: Pick<ConsoleUser, 'user_id' | 'username'>,
  password: string,
  opts: { actor: string; mustChange: boolean; now: Date; cost?: ScryptCost },
): Promise<{ ok: true } | { ok: false; problems: AccountProblem[] }> {
  const problems = checkPasswordPolicy(password, user.username);
  if (problems.length > 0) return { ok: false, problems };
  const hash = await hashPassword(password, opts.cost);
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('console_users')
      .set({
        password_hash: hash,
        must_change_password: opts.mustChange,
        password_changed_at: opts.now,
        failed_attempts: 0,
        locked_until: null,
        updated_at: opts.now,
      })
      .where('user_id', '=', user.user_id)
      .execute();
    // A new password ends every other session of the account (a stolen session dies with the old password).
    await trx.deleteFrom('console_sessions').where('user_id', '=', user.user_id).execute();
    await appendAuditTrail(trx, {
      actor: opts.actor,
      action: opts.mustChange ? 'console.password_reset' : 'console.password_changed',
      targetType: 'account',
      targetId: user.username,
      detail: {},
    });
  });
  return { ok: true };
}

export interface AccountUpdate {
  displayName?: string;
  roles?: string[];
  channel?: string | null;
  /** true: disable (sign-in refused, sessions ended); false: enable again. */
  disabled?: boolean;
  unlock?: boolean;
}

/** An admin's change to an account; roles are checked as at creation. Audited with the changes made. */
export async function updateAccount(
  db: Kysely<Database>,
  userId: number,
  change: AccountUpdate,
  opts: { actor: string; now: Date },
): Promise<AccountResult> {
  return db.transaction().execute(async (trx) => {
    const user = await trx
      .selectFrom('console_users')
      .selectAll()
      .where('user_id', '=', userId)
      .forUpdate()
      .executeTakeFirst();
    if (!user) return { ok: false, problems: ['username.invalid'] } as AccountResult;
    const roles = change.roles ?? user.roles;
    const channel = change.channel !== undefined ? change.channel?.trim() || null : user.channel;
    const problems: AccountProblem[] = [...checkRoleSet(roles, channel)];
    if (change.displayName !== undefined && !change.displayName.trim()) problems.push('displayName.required');
    if (problems.length > 0) return { ok: false, problems } as AccountResult;
    const set: Record<string, unknown> = { updated_at: opts.now };
    const detail: Record<string, unknown> = {};
    if (change.displayName !== undefined && change.displayName.trim() !== user.display_name) {
      set.display_name = change.displayName.trim();
      detail.display_name = set.display_name;
    }
    const newChannel = roles.includes('investigator') ? channel : null;
    if (change.roles !== undefined && [...roles].sort().join() !== [...user.roles].sort().join()) {
      set.roles = roles;
      detail.roles = { from: user.roles, to: roles };
    }
    if (newChannel !== user.channel) {
      set.channel = newChannel;
      detail.channel = { from: user.channel, to: newChannel };
    }
    if (change.disabled === true && !user.disabled_at) {
      set.disabled_at = opts.now;
      detail.disabled = true;
    } else if (change.disabled === false && user.disabled_at) {
      set.disabled_at = null;
      detail.disabled = false;
    }
    if (change.unlock) {
      set.locked_until = null;
      set.failed_attempts = 0;
      detail.unlocked = true;
    }
    const updated = await trx
      .updateTable('console_users')
      .set(set)
      .where('user_id', '=', userId)
      .returningAll()
      .executeTakeFirstOrThrow();
    // Changed rights take effect at once: the account signs in again under the new ones.
    if (detail.roles || detail.channel || detail.disabled === true) {
      await trx.deleteFrom('console_sessions').where('user_id', '=', userId).execute();
    }
    if (Object.keys(detail).length > 0) {
      await appendAuditTrail(trx, {
        actor: opts.actor,
        action: 'console.account_updated',
        targetType: 'account',
        targetId: user.username,
        detail,
      });
    }
    return { ok: true, user: updated } as AccountResult;
  });
}
