import { type Kysely, sql } from 'kysely';

/**
 * Accounts and sessions of the review console (004 §4.4: a unique account per person, access by
 * role), and the index behind the console's review queue.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('console_users')
    .addColumn('user_id', 'serial', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('roles', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('channel', 'text')
    .addColumn('must_change_password', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('password_changed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', 'timestamptz')
    .addColumn('disabled_at', 'timestamptz')
    .addColumn('last_login_at', 'timestamptz')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // The database refuses what the console's checks refuse: an unknown role, an investigator
    // without a channel, a username that is not in its canonical lower-case form.
    .addCheckConstraint(
      'console_users_roles_known',
      sql`roles <@ array['reviewer','investigator','supervisor','manager','auditor','admin']::text[]`,
    )
    .addCheckConstraint(
      'console_users_investigator_channel',
      sql`not ('investigator' = any(roles)) or channel is not null`,
    )
    .addCheckConstraint('console_users_username_lower', sql`username = lower(username)`)
    .execute();

  await db.schema
    .createTable('console_sessions')
    .addColumn('session_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.references('console_users.user_id').onDelete('cascade'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('client_ip', 'text')
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema
    .createIndex('console_sessions_expires')
    .on('console_sessions')
    .column('expires_at')
    .execute();
  await db.schema.createIndex('console_sessions_user').on('console_sessions').column('user_id').execute();

  // The console's default queue: every not-yet-closed flag, oldest due first. `flags_queue` leads
  // with status, which serves one status but not the three open ones in due order; this partial
  // index makes the first page an index scan however many flags are open (100k in the load test).
  await sql`create index flags_open_due on flags (due_on, flag_id) where status <> 'closed'`.execute(db);
  // An investigator's default queue (their channel, by due date) and the channel filter of the others.
  await sql`create index flags_open_channel_due on flags (channel, due_on, flag_id) where status <> 'closed'`.execute(
    db,
  );
  // Severity first (error, warning, info), then due date: the console's "sort by severity".
  await sql`create index flags_open_severity on flags ((case severity when 'error' then 0 when 'warning' then 1 else 2 end), due_on, flag_id) where status <> 'closed'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists flags_open_severity`.execute(db);
  await sql`drop index if exists flags_open_channel_due`.execute(db);
  await sql`drop index if exists flags_open_due`.execute(db);
  await db.schema.dropTable('console_sessions').ifExists().execute();
  await db.schema.dropTable('console_users').ifExists().execute();
}
