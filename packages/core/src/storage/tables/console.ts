import type { ColumnType, Generated, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

/**
 * Accounts of the review console (004 §4.4; 000: one account per person, never shared, never
 * deleted so that the history of every action keeps naming a real person; disabled instead).
 */
export interface ConsoleUserTable {
  user_id: Generated<number>;
  /** Lower case, unique: the name written as `actor` in flag histories and the audit trail. */
  username: string;
  display_name: string;
  /** `scrypt$N$r$p$salt$hash` (base64 parts): a slow, salted hash, never the password. */
  password_hash: string;
  /** reviewer, investigator, supervisor, manager, auditor, admin (least privilege; see the console's authz). */
  roles: ColumnType<string[], string[] | undefined, string[]>;
  /** The sales channel an investigator works for: they see only that channel's flags. */
  channel: string | null;
  must_change_password: Generated<boolean>;
  password_changed_at: Timestamp;
  failed_attempts: Generated<number>;
  locked_until: Timestamp | null;
  disabled_at: Timestamp | null;
  last_login_at: Timestamp | null;
  created_by: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/**
 * Server-side sessions. Only a SHA-256 of the cookie value is stored, so a copy of the table does
 * not let anyone take over a session. A row without `user_id` is a pre-login session that only
 * carries the CSRF token of the login form; login always replaces it with a new one (fixation).
 */
export interface ConsoleSessionTable {
  session_hash: string;
  user_id: number | null;
  csrf_token: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  client_ip: string | null;
  user_agent: string | null;
}

/** Tables of the review console (apps/console): accounts and sessions, created by migration 0003. */
export interface ConsoleTables {
  console_users: ConsoleUserTable;
  console_sessions: ConsoleSessionTable;
}

export type ConsoleUser = Selectable<ConsoleUserTable>;
export type ConsoleSession = Selectable<ConsoleSessionTable>;
