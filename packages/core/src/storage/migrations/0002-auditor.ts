import { type Kysely, sql } from 'kysely';

/**
 * The access-log auditor (rulebook section 3): staff directory, approval ledger, anomalies with
 * their append-only history (001 §4), suppressions, per-operator daily counts (baselines), open
 * loans (003 §19), daily risk scores, audited input files and a little state. Events themselves
 * are never stored.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('staff')
    .addColumn('operator_id', 'text', (c) => c.primaryKey())
    .addColumn('name_masked', 'text')
    .addColumn('department', 'text')
    .addColumn('branch', 'text')
    .addColumn('role', 'text')
    .addColumn('clearance', 'text', (c) => c.notNull().defaultTo('普通'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('status_since', 'date')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('approvals')
    .addColumn('approval_id', 'text', (c) => c.primaryKey())
    .addColumn('operator_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text')
    .addColumn('approved_by', 'text')
    .addColumn('valid_from', 'date', (c) => c.notNull())
    .addColumn('valid_to', 'date', (c) => c.notNull())
    .addColumn('max_records', 'integer')
    .addColumn('used_records', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('approvals_operator').on('approvals').column('operator_id').execute();

  await db.schema
    .createTable('anomalies')
    .addColumn('anomaly_id', 'serial', (c) => c.primaryKey())
    .addColumn('group_key', 'text', (c) => c.notNull().unique())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('operator_id', 'text', (c) => c.notNull())
    .addColumn('department', 'text')
    .addColumn('branch', 'text')
    .addColumn('day', 'date', (c) => c.notNull())
    .addColumn('first_ts', 'timestamptz', (c) => c.notNull())
    .addColumn('last_ts', 'timestamptz', (c) => c.notNull())
    .addColumn('event_count', 'integer', (c) => c.notNull())
    .addColumn('archive_nos', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('score', 'double precision', (c) => c.notNull())
    .addColumn('reason_zh', 'text', (c) => c.notNull())
    .addColumn('reason_en', 'text', (c) => c.notNull())
    .addColumn('evidence', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open'))
    .addColumn('waived_until', 'date')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('anomalies_day').on('anomalies').columns(['day', 'score']).execute();
  await db.schema.createIndex('anomalies_operator').on('anomalies').columns(['operator_id', 'day']).execute();
  await db.schema.createIndex('anomalies_status').on('anomalies').columns(['status', 'code']).execute();

  await db.schema
    .createTable('anomaly_events')
    .addColumn('event_id', 'serial', (c) => c.primaryKey())
    .addColumn('anomaly_id', 'integer', (c) => c.notNull().references('anomalies.anomaly_id'))
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('detail', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.createIndex('anomaly_events_anomaly').on('anomaly_events').column('anomaly_id').execute();
  // Append-only like flag_events (001 §4): the function comes from migration 0001.
  await sql`create trigger anomaly_events_append_only before update or delete on anomaly_events
    for each row execute function custodian_append_only()`.execute(db);

  await db.schema
    .createTable('anomaly_suppressions')
    .addColumn('suppression_id', 'serial', (c) => c.primaryKey())
    .addColumn('operator_id', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('until', 'date', (c) => c.notNull())
    .addColumn('anomaly_id', 'integer', (c) => c.notNull().references('anomalies.anomaly_id'))
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('anomaly_suppressions_key')
    .on('anomaly_suppressions')
    .columns(['operator_id', 'code', 'until'])
    .execute();

  await db.schema
    .createTable('operator_daily')
    .addColumn('operator_id', 'text', (c) => c.notNull())
    .addColumn('day', 'date', (c) => c.notNull())
    .addColumn('events', 'integer', (c) => c.notNull())
    .addColumn('records', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('operator_daily_pk', ['operator_id', 'day'])
    .execute();
  await db.schema.createIndex('operator_daily_day').on('operator_daily').column('day').execute();

  await db.schema
    .createTable('open_loans')
    .addColumn('loan_id', 'serial', (c) => c.primaryKey())
    .addColumn('operator_id', 'text', (c) => c.notNull())
    .addColumn('archive_no', 'text', (c) => c.notNull())
    .addColumn('borrowed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('approval_id', 'text')
    .addColumn('overdue_raised', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema
    .createIndex('open_loans_key')
    .on('open_loans')
    .columns(['operator_id', 'archive_no', 'borrowed_at'])
    .unique()
    .execute();

  await db.schema
    .createTable('operator_risk')
    .addColumn('operator_id', 'text', (c) => c.notNull())
    .addColumn('day', 'date', (c) => c.notNull())
    .addColumn('score', 'double precision', (c) => c.notNull())
    .addColumn('anomaly_count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('operator_risk_pk', ['operator_id', 'day'])
    .execute();
  await db.schema.createIndex('operator_risk_day').on('operator_risk').columns(['day', 'score']).execute();

  await db.schema
    .createTable('audited_inputs')
    .addColumn('fingerprint', 'text', (c) => c.primaryKey())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('events', 'integer', (c) => c.notNull())
    .addColumn('audited_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('auditor_state')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'auditor_state',
    'audited_inputs',
    'operator_risk',
    'open_loans',
    'operator_daily',
    'anomaly_suppressions',
    'anomaly_events',
    'anomalies',
    'approvals',
    'staff',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
