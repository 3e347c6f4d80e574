import { type Kysely, sql } from 'kysely';

/**
 * The foundation: batches, the encrypted customer archive with its blind indexes, quarantine,
 * flags with their append-only history, agents, complaints, Custodian's own hash-chained audit
 * trail (001 §4), job runs for catch-up, key checks, and destruction records (004 §4.3).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('batches')
    .addColumn('batch_id', 'serial', (c) => c.primaryKey())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('file_sha256', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('profile', 'text', (c) => c.notNull())
    .addColumn('ingested_on', 'date', (c) => c.notNull())
    .addColumn('rows_read', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rows_quarantined', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rows_flagged', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('summary', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('error', 'text')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .execute();
  // One successful batch per file content: re-running the same file is a no-op (formats: same SHA-256).
  await sql`create unique index batches_done_sha on batches (file_sha256) where status = 'done'`.execute(db);

  await db.schema
    .createTable('customers')
    .addColumn('customer_id', 'serial', (c) => c.primaryKey())
    .addColumn('record_id', 'text', (c) => c.notNull().unique())
    .addColumn('archive_no', 'text')
    .addColumn('customer_type', 'text')
    .addColumn('customer_class', 'text')
    .addColumn('channel', 'text')
    .addColumn('branch', 'text')
    .addColumn('agent_id', 'text')
    .addColumn('contract_no', 'text')
    .addColumn('sign_date', 'date')
    .addColumn('consent', 'text')
    .addColumn('secrecy_level', 'text', (c) => c.notNull().defaultTo('普通'))
    .addColumn('holder_gender', 'text')
    .addColumn('holder_birth_date', 'date')
    .addColumn('holder_id_type', 'text')
    .addColumn('insured_gender', 'text')
    .addColumn('insured_birth_date', 'date')
    .addColumn('pii', 'bytea', (c) => c.notNull())
    .addColumn('holder_name_bidx', 'bytea')
    .addColumn('holder_id_bidx', 'bytea')
    .addColumn('holder_phone_bidx', 'bytea')
    .addColumn('holder_address_bidx', 'bytea')
    .addColumn('bank_account_bidx', 'bytea')
    .addColumn('service_number_bidx', 'bytea')
    .addColumn('insured_id_bidx', 'bytea')
    .addColumn('holder_name_masked', 'text')
    .addColumn('holder_id_masked', 'text')
    .addColumn('holder_phone_masked', 'text')
    .addColumn('holder_address_masked', 'text')
    .addColumn('bank_account_masked', 'text')
    .addColumn('service_number_masked', 'text')
    .addColumn('row_hash', 'bytea', (c) => c.notNull())
    .addColumn('first_batch_id', 'integer', (c) => c.notNull())
    .addColumn('last_batch_id', 'integer', (c) => c.notNull())
    .addColumn('retention_until', 'date')
    .addColumn('destroyed_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // Archive-wide cross-record rules look up by blind index: these keep them independent of archive size.
  for (const col of [
    'holder_id_bidx',
    'holder_phone_bidx',
    'bank_account_bidx',
    'service_number_bidx',
    'holder_address_bidx',
  ]) {
    await db.schema.createIndex(`customers_${col}`).on('customers').column(col).execute();
  }
  await db.schema.createIndex('customers_agent').on('customers').column('agent_id').execute();
  await db.schema.createIndex('customers_archive_no').on('customers').column('archive_no').execute();
  // The retention report lists records due for destruction (000; 004 §4.3) without scanning the archive.
  await sql`create index customers_retention on customers (retention_until) where destroyed_at is null`.execute(
    db,
  );

  // Rows of a file being ingested: loaded by COPY outside the archive, merged in one transaction,
  // so that a crash mid-file leaves the archive exactly as it was before that file. Unlogged: its
  // rows are scratch (a crash loses them, and the file is simply ingested again), so no WAL.
  await sql`create unlogged table staging_customers (like customers excluding constraints excluding defaults)`.execute(
    db,
  );
  await sql`alter table staging_customers drop column customer_id, drop column created_at, drop column updated_at,
    drop column destroyed_at, drop column first_batch_id, drop column last_batch_id, add column batch_id integer not null, add column line integer not null,
    add column findings jsonb not null default '[]'::jsonb`.execute(db);

  await db.schema
    .createTable('quarantine')
    .addColumn('quarantine_id', 'serial', (c) => c.primaryKey())
    .addColumn('batch_id', 'integer', (c) => c.notNull().references('batches.batch_id').onDelete('cascade'))
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('column_name', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('raw', 'bytea')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('flags')
    .addColumn('flag_id', 'serial', (c) => c.primaryKey())
    .addColumn('fingerprint', 'text', (c) => c.notNull().unique())
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'integer', (c) => c.notNull().references('customers.customer_id'))
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('archive_no', 'text')
    .addColumn('batch_id', 'integer', (c) => c.notNull())
    .addColumn('related_record_ids', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('reason_zh', 'text', (c) => c.notNull())
    .addColumn('reason_en', 'text', (c) => c.notNull())
    .addColumn('masked_values', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text')
    .addColumn('channel', 'text')
    .addColumn('branch', 'text')
    .addColumn('agent_id', 'text')
    .addColumn('assignee', 'text')
    .addColumn('subject_bidx', 'bytea')
    .addColumn('attributed_to', 'text')
    .addColumn('resolved_by', 'text')
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('listed_on', 'date', (c) => c.notNull())
    .addColumn('due_on', 'date', (c) => c.notNull())
    .addColumn('raised_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('closed_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('flags_customer').on('flags').column('customer_id').execute();
  await db.schema.createIndex('flags_queue').on('flags').columns(['status', 'due_on', 'flag_id']).execute();
  await db.schema.createIndex('flags_channel').on('flags').columns(['channel', 'status']).execute();
  await db.schema.createIndex('flags_listed').on('flags').column('listed_on').execute();

  await db.schema
    .createTable('flag_events')
    .addColumn('event_id', 'serial', (c) => c.primaryKey())
    .addColumn('flag_id', 'integer', (c) => c.notNull().references('flags.flag_id'))
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('detail', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.createIndex('flag_events_flag').on('flag_events').column('flag_id').execute();

  await db.schema
    .createTable('agents')
    .addColumn('agent_id', 'text', (c) => c.primaryKey())
    .addColumn('name_masked', 'text')
    .addColumn('pii', 'bytea', (c) => c.notNull())
    .addColumn('phone_bidx', 'bytea')
    .addColumn('address_bidx', 'bytea')
    .addColumn('channel', 'text')
    .addColumn('branch', 'text')
    .addColumn('status', 'text')
    .addColumn('hired_on', 'date')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('complaints')
    .addColumn('complaint_id', 'text', (c) => c.primaryKey())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('received_on', 'date', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('verified', 'boolean', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('complaints_agent').on('complaints').column('agent_id').execute();

  await db.schema
    .createTable('audit_trail')
    .addColumn('seq', 'serial', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text')
    .addColumn('detail', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();

  // Append-only (001 §4): the database itself refuses to change or remove a trail entry or a flag's history.
  await sql`create function custodian_append_only() returns trigger language plpgsql as $$
    begin raise exception 'table % is append-only', tg_table_name; end $$`.execute(db);
  for (const t of ['audit_trail', 'flag_events']) {
    await sql`create trigger ${sql.raw(`${t}_append_only`)} before update or delete on ${sql.table(t)}
      for each row execute function custodian_append_only()`.execute(db);
  }

  await db.schema
    .createTable('job_runs')
    .addColumn('job', 'text', (c) => c.notNull())
    .addColumn('run_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .addColumn('detail', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addPrimaryKeyConstraint('job_runs_pk', ['job', 'run_key'])
    .execute();

  await db.schema
    .createTable('key_checks')
    .addColumn('key_id', 'text', (c) => c.primaryKey())
    .addColumn('check_value', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('destructions')
    .addColumn('destruction_id', 'serial', (c) => c.primaryKey())
    .addColumn('customer_id', 'integer', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('archive_no', 'text')
    .addColumn('destroyed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'destructions',
    'key_checks',
    'job_runs',
    'audit_trail',
    'complaints',
    'agents',
    'flag_events',
    'flags',
    'quarantine',
    'staging_customers',
    'customers',
    'batches',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
  await sql`drop function if exists custodian_append_only()`.execute(db);
}
