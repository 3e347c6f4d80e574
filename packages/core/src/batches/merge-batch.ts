import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import type { CopyBinaryType } from '../storage/bulk-copy.js';
import type { Database } from '../storage/database.js';
import {
  createWorkTables,
  evaluateCrossRecordRules,
  renameGroupMembers,
  VALUE_RULE_COLUMNS,
} from './cross-record-rules.js';
import { withCheapParallelRows } from './parallel-scan.js';

/**
 * The customer columns copied from staging into the archive, in COPY order, with their type in
 * both tables (binary COPY writes them as such; a test compares them with the tables' declarations).
 */
export const CUSTOMER_DATA_TYPES = {
  record_id: 'text',
  archive_no: 'text',
  customer_type: 'text',
  customer_class: 'text',
  channel: 'text',
  branch: 'text',
  agent_id: 'text',
  contract_no: 'text',
  sign_date: 'date',
  consent: 'text',
  secrecy_level: 'text',
  holder_gender: 'text',
  holder_birth_date: 'date',
  holder_id_type: 'text',
  insured_gender: 'text',
  insured_birth_date: 'date',
  pii: 'bytea',
  holder_name_bidx: 'bytea',
  holder_id_bidx: 'bytea',
  holder_phone_bidx: 'bytea',
  holder_address_bidx: 'bytea',
  bank_account_bidx: 'bytea',
  service_number_bidx: 'bytea',
  insured_id_bidx: 'bytea',
  holder_name_masked: 'text',
  holder_id_masked: 'text',
  holder_phone_masked: 'text',
  holder_address_masked: 'text',
  bank_account_masked: 'text',
  service_number_masked: 'text',
  row_hash: 'bytea',
  retention_until: 'date',
  service_number_kind: 'text',
} as const satisfies Record<string, CopyBinaryType>;

export type CustomerDataColumn = keyof typeof CUSTOMER_DATA_TYPES;

/** Customer columns copied from staging into the archive, in COPY order. */
export const CUSTOMER_DATA_COLUMNS = Object.keys(CUSTOMER_DATA_TYPES) as readonly CustomerDataColumn[];

export interface MergeOptions {
  batchId: number;
  /** When the new flags are listed (T+1 working day) and due (3 working days later): 002 §3.7, §3.13. */
  listedOn: string;
  dueOn: string;
  actor: string;
  maxLinesPerId: number;
  recheckComplaints: number;
  /** The year before the batch date, for the complaint count of the re-check rule. */
  recheckFrom: string;
  recheckTo: string;
  /** Agent master data was loaded in this run: compare the whole archive with it. */
  agentsChanged: boolean;
  /**
   * A batch of at least this many rows that is at least half the archive's size rebuilds the
   * archive's lookup indexes instead of updating them row by row (see `rebuildsIndexes`).
   * Unset: never.
   */
  rebuildIndexesFrom?: number;
  /**
   * How long the rebuild waits for readers of `customers` (a report, the console) to finish
   * before it gives up and updates the indexes row by row instead (milliseconds; default 10 s).
   * While it waits, new readers queue behind it.
   */
  rebuildLockWaitMs?: number;
}

/**
 * PostgreSQL's advice for bulk loads ("Populating a Database": remove indexes): building an index
 * sorts its entries once, while inserting a million rows into six b-trees (mostly of random keys) costs a
 * page visit per entry (about 3 µs each on the local server, most of a big night's merge). So a
 * batch that is large against the archive drops the archive's non-unique indexes inside the merge
 * transaction and builds them again after the upsert. The unique ones stay (the upsert needs them).
 * Everything is in the one transaction: a crash leaves the indexes as they were. The price is
 * that readers of `customers` wait for the merge to commit (DROP INDEX locks the table).
 */
export function rebuildsIndexes(staged: number, archive: number, from: number | undefined): boolean {
  return from !== undefined && staged >= from && staged * 2 >= archive;
}

export interface MergeResult {
  recordsInserted: number;
  recordsUpdated: number;
  recordsUnchanged: number;
  flagsRaised: number;
  flagsReopened: number;
  flagsAutoClosed: number;
  recordsFlagged: number;
  findingsByRule: Record<string, number>;
  /** Archive indexes dropped and built again for this batch (0: updated row by row). */
  indexesRebuilt: number;
  /** Indexes and keys of the flags dropped and restored around the insert of this batch's flags (0: none). */
  flagIndexesRebuilt: number;
  /** Why a rebuild the batch's size called for was not done (readers held the archive too long). */
  indexRebuildSkipped?: string;
  /** Segments upserted while the file was still being read (0: staged whole, then merged). */
  segmentsMerged: number;
}

/**
 * Merges a staged batch into the archive in ONE transaction: upsert of the records (a corrected
 * file updates the records it carries; unchanged rows are left alone), single-record findings
 * from staging, archive-wide cross-record rules, then the flags: new fingerprints are raised,
 * returning problems reopened, corrected ones closed, each step written to the flag history.
 * Until it commits, the archive is exactly as it was before the file.
 */
export async function mergeStagedBatch(
  db: Kysely<Database>,
  o: MergeOptions,
  /** Runs inside the merge transaction, so that the batch is marked done exactly when its data lands. */
  finalize?: (trx: Transaction<Database>, result: MergeResult) => Promise<void>,
  /**
   * The file's rows as another connection commits them to staging, segment by segment, while it
   * is still being read: each is upserted as it comes, so that the database works on the archive
   * while the encoder threads read on (see `StagedSegments`). Without it, the whole batch is
   * already staged.
   */
  segments?: StagedSegments,
): Promise<MergeResult> {
  return db.transaction().execute(async (trx) => {
    // Sorts and hashes over a night's rows stay in memory (the server's default is 4 MB).
    await sql`set local work_mem = '128MB'`.execute(trx);
    // No JIT compilation: the merge's statements are dear enough for the server's default to compile
    // them (jit_above_cost), yet their time is in hashing, sorting and writing rows, which JIT does not
    // speed up. With it off the first night's merge took 16.6 s against 18.4-18.8 s (bench/ingest,
    // a million records, PostgreSQL 15, 2026-11-23).
    await sql`set local jit = off`.execute(trx);
    // The records the batch inserted or changed, straight from the upsert (unchanged rows are left alone).
    // With the values the shared-value rules look at, so that they need not be read back from the archive,
    // and the segment that changed them (a record a file carries twice is upserted twice).
    // An unlogged table of this transaction, not a temporary one: PostgreSQL's parallel workers
    // cannot read temporary tables, and the value rules' first pass reads it with two of them
    // (cross-record-rules.ts). Dropped before the commit; rolled back with the transaction, it never
    // existed. One merge runs at a time (the ingest lock; tests each have their own schema).
    await createChangedTable(trx, 'unlogged');
    let records: number;
    let dropped: string[] | undefined;
    let segmentsMerged = 0;
    /** Rows of the archive before the batch, as the planner last counted them. */
    const archive = await archiveSize(trx);
    if (!segments) {
      await analyzeStaging(trx);
      const sizes = await batchSizes(trx, o.batchId);
      records = sizes.records;
      // The last row of a record in the file wins (a file may carry a record twice): the earlier ones leave staging.
      if (sizes.repeats) await dropEarlierRepeats(trx, o.batchId);
      const rebuild = rebuildsIndexes(records, archive, o.rebuildIndexesFrom);
      dropped = rebuild ? await dropLookupIndexes(trx, o.rebuildLockWaitMs ?? 10_000) : [];
      await upsertStaged(trx, o.batchId, sql`staging_customers where batch_id = ${o.batchId}`, 0);
    } else {
      let segment = await segments.next();
      // The batch's size is not known before the file is read: the first segment estimates it.
      const rebuild =
        segment !== null && rebuildsIndexes(segment.estimatedRows, archive, o.rebuildIndexesFrom);
      dropped = rebuild ? await dropLookupIndexes(trx, o.rebuildLockWaitMs ?? 10_000) : [];
      // A segment is read through the staging index on (batch_id, line), whatever staging's
      // statistics (those of another batch while this one is being read) make of its size: a
      // sequential scan per segment would read the growing batch again and again.
      await sql`set local enable_seqscan = off`.execute(trx);
      for (let n = 1; segment !== null; n++) {
        const lines =
          segment.toLine === null
            ? sql`line >= ${segment.fromLine}`
            : sql`line >= ${segment.fromLine} and line < ${segment.toLine}`;
        const rows = sql`staging_customers where batch_id = ${o.batchId} and ${lines}`;
        // A record twice in one segment would be upserted twice by one statement (an error): the last row wins.
        const repeated = await sql<{ repeats: boolean }>`select exists (
            select 1 from ${rows} group by record_id having count(*) > 1) as repeats`.execute(trx);
        await upsertStaged(trx, o.batchId, rows, n, repeated.rows[0]!.repeats);
        segmentsMerged = n;
        segment = await segments.next();
      }
      await sql`set local enable_seqscan = on`.execute(trx);
      await analyzeStaging(trx);
      const sizes = await batchSizes(trx, o.batchId);
      records = sizes.records;
      if (sizes.repeats) {
        // Records in several segments: the last segment's row won in the archive; the earlier
        // rows leave staging (their findings are not this night's) and `changed`. (One case counts
        // differently from a whole-file merge: a record changed by an earlier row and changed back
        // to what the archive held by a later one counts as updated, not unchanged. Its data and
        // findings are the same either way.)
        await dropEarlierRepeats(trx, o.batchId);
        await sql`delete from changed a using changed b
          where a.record_id = b.record_id and a.segment < b.segment`.execute(trx);
      }
    }
    if (dropped && dropped.length > 0) {
      await sql`set local maintenance_work_mem = '256MB'`.execute(trx);
      for (const def of dropped) await sql.raw(def).execute(trx);
    }
    const counts = await sql<{ total: number; inserted: number; changed: number }>`
      select ${records}::int as total,
             (select count(*) from changed where inserted)::int as inserted,
             (select count(*) from changed)::int as changed`.execute(trx);
    const { total, inserted, changed } = counts.rows[0]!;
    // Tables made in this transaction have no statistics until analysed, and rows this transaction added to the
    // archive are not in its statistics either (autovacuum cannot see them): after a first night
    // into an empty archive the planner would think `customers` nearly empty and pick plans that
    // are quadratic in the batch (minutes at 100,000 rows). Analysing costs a sample, not a scan,
    // but a sample of the whole archive (1.3 s at two million rows): a batch that changed less
    // than a tenth of it (autovacuum's own threshold for analysing) leaves its statistics good enough.
    await sql`analyze changed`.execute(trx);
    const largeBatch = changed * 10 >= archive;
    if (largeBatch) await analyzeArchive(trx);

    await createWorkTables(trx);
    // Single-record findings of the changed records (the business columns are the ones just stored).
    await sql`insert into batch_findings
      select f->>'fingerprint', f->>'rule', f->>'severity', ch.customer_id, ch.record_id, b.archive_no, '{}'::text[],
             f->>'reasonZh', f->>'reasonEn', jsonb_build_object(coalesce(f->>'maskedField', f->>'field', 'value'), f->>'maskedValue'),
             b.channel, b.branch, b.agent_id, null::bytea
      from staging_customers b join changed ch on ch.record_id = b.record_id
      cross join lateral jsonb_array_elements(b.findings) f
      where b.batch_id = ${o.batchId} and b.findings <> '[]'::jsonb
      on conflict (fingerprint) do nothing`.execute(trx);
    await evaluateCrossRecordRules(trx, { ...o, largeBatch });

    // A big night's flags go into a table without its lookup indexes and keys (see `dropFlagIndexesAndKeys`).
    const flagRebuild =
      dropped && dropped.length > 0 && (await rebuildsFlagIndexes(trx, (o.rebuildIndexesFrom ?? 0) / 10))
        ? await dropFlagIndexesAndKeys(trx, o.rebuildLockWaitMs ?? 10_000)
        : [];
    const raised = await sql<{ n: number; records: number }>`
      with ins as (
        insert into flags (fingerprint, rule, severity, customer_id, record_id, archive_no, batch_id, related_record_ids,
                           reason_zh, reason_en, masked_values, status, channel, branch, agent_id, subject_bidx, listed_on, due_on)
        select fingerprint, rule, severity, customer_id, record_id, archive_no, ${o.batchId}, related_record_ids,
               reason_zh, reason_en, masked_values, 'open', channel, branch, agent_id, subject_bidx, ${o.listedOn}::date, ${o.dueOn}::date
        from batch_findings
        on conflict (fingerprint) do nothing
        returning flag_id, record_id
      ), ev as (
        insert into flag_events (flag_id, actor, action, detail)
        select flag_id, ${o.actor}, 'raised', jsonb_build_object('batch_id', ${o.batchId}::int) from ins
      )
      select count(*)::int as n, count(distinct record_id)::int as records from ins`.execute(trx);
    for (const statement of flagRebuild ?? []) await sql.raw(statement).execute(trx);

    // A problem that comes back after it was corrected is reopened, back with whoever it was
    // assigned to (as a flag sent back is); a reviewer's decision on the same values (genuine,
    // false information, dismissed) stands and is not raised again.
    const reopened = await sql<{ n: number }>`
      with up as (
        update flags f set status = case when f.assignee is null then 'open' else 'assigned' end, outcome = null, closed_at = null, resolved_at = null, resolved_by = null,
               listed_on = ${o.listedOn}::date, due_on = ${o.dueOn}::date, batch_id = ${o.batchId},
               related_record_ids = b.related_record_ids, reason_zh = b.reason_zh, reason_en = b.reason_en, updated_at = now()
        from batch_findings b
        where f.fingerprint = b.fingerprint and f.status = 'closed' and f.outcome in ('auto_corrected', 'corrected')
        returning f.flag_id
      ), ev as (
        insert into flag_events (flag_id, actor, action, detail)
        select flag_id, ${o.actor}, 'reopened', jsonb_build_object('batch_id', ${o.batchId}::int) from up
      )
      select count(*)::int as n from up`.execute(trx);

    // Groups that grew or shrank: the open flag names the records involved now.
    await renameGroupMembers(trx, { actor: o.actor, detail: { batch_id: o.batchId } });

    // A record the file moved to another channel or branch takes its flags still under review with it.
    await moveFlagsWithRecords(trx, { actor: o.actor, detail: { batch_id: o.batchId } });

    // Candidates: flags of changed records (also those resolved as corrected and awaiting
    // verification: a later file that corrects the record settles them, and the correction held for
    // verification is dropped, as it would be written over newer data; a resolution with another
    // outcome, genuine, false information or dismissed, is a reviewer's decision on the values as
    // they were and waits for its verification: closing it as auto_corrected wiped a false_info
    // attribution, 002 §3.22, before compliance had seen it), and open flags of the values looked at (old ones in
    // `touched`, new ones in `changed`), found by joins on the open flags, not by testing every flag
    // of the archive. Each join hashes the open flags of one rule and reads `changed` once. Not the
    // flags this batch raised or reopened (its batch_id): they come from its findings, so they stay
    // open, and on a big night they are most of the candidates. Only the updated records can have
    // flags of an earlier batch: a record the batch inserted was not in the archive, and a flag's
    // record stays there (its key). On a night of new records the join has nothing to hash (it
    // hashed the night's million rows: 0.5 s on the bench's second night).
    const thisBatch = sql`f.batch_id is distinct from ${o.batchId}`;
    const byValue = Object.entries(VALUE_RULE_COLUMNS).map(
      ([
        rule,
        col,
      ]) => sql`select f.flag_id from flags f join changed ch on ch.${sql.ref(col)} = f.subject_bidx
        where f.rule = ${rule}::text and f.status in ('open', 'assigned') and f.subject_bidx is not null and ${thisBatch}`,
    );
    const closed = await sql<{ n: number }>`
      with candidates as (
        select f.flag_id from changed ch join flags f on f.record_id = ch.record_id
        where not ch.inserted and (f.status in ('open', 'assigned') or (f.status = 'resolved' and f.outcome = 'corrected'))
          and ${thisBatch}
        union
        select f.flag_id from touched t
        join flags f on f.rule = t.rule and f.subject_bidx = t.v and f.status in ('open', 'assigned') and f.subject_bidx is not null
        where ${thisBatch}
        union
        ${sql.join(byValue, sql` union `)}
        ${
          // Agent master data loaded: every record was compared with the agents, so every open
          // agent-contact flag is decided by this batch's findings.
          o.agentsChanged
            ? sql`union select f.flag_id from flags f
                where f.rule = 'AGENT_CONTACT_SUBSTITUTION' and f.status in ('open', 'assigned') and ${thisBatch}`
            : sql``
        }
      ), up as (
        update flags f set status = 'closed', outcome = 'auto_corrected', closed_at = now(), updated_at = now(),
               pending_correction = null
        from candidates c
        where f.flag_id = c.flag_id
          and f.status in ('open', 'assigned', 'resolved')
          and f.rule <> 'AGENT_RECHECK'
          and not exists (select 1 from batch_findings b where b.fingerprint = f.fingerprint)
        returning f.flag_id
      ), ev as (
        insert into flag_events (flag_id, actor, action, detail)
        select flag_id, ${o.actor}, 'auto_closed', jsonb_build_object('batch_id', ${o.batchId}::int, 'reason', 'a later file corrected the record') from up
      )
      select count(*)::int as n from up`.execute(trx);

    const byRule = await sql<{
      rule: string;
      n: number;
    }>`select rule, count(*)::int as n from batch_findings group by rule order by rule`.execute(trx);
    // One batch is staged at a time (the ingest lock): emptying the table is instant.
    await sql`truncate staging_customers`.execute(trx);
    await sql`drop table changed`.execute(trx);

    const result: MergeResult = {
      recordsInserted: inserted,
      recordsUpdated: changed - inserted,
      recordsUnchanged: total - changed,
      flagsRaised: raised.rows[0]!.n,
      flagsReopened: reopened.rows[0]!.n,
      flagsAutoClosed: closed.rows[0]!.n,
      recordsFlagged: raised.rows[0]!.records,
      findingsByRule: Object.fromEntries(byRule.rows.map((r) => [r.rule, r.n])),
      indexesRebuilt: dropped?.length ?? 0,
      flagIndexesRebuilt: flagRebuild?.length ?? 0,
      segmentsMerged,
      ...(dropped === undefined
        ? {
            indexRebuildSkipped: `readers of the archive held it for more than ${(o.rebuildLockWaitMs ?? 10_000) / 1000} s: indexes updated row by row`,
          }
        : {}),
    };
    if (finalize) await finalize(trx, result);
    return result;
  });
}

/**
 * The table of the records a merge inserted or changed, with the values the value rules group by
 * (cross-record-rules.ts reads it). `temp`: a verified correction's one record (a temporary table of
 * its transaction, no parallel scan needed; it shadows no merge's table, those live in another
 * session and schema).
 */
export async function createChangedTable(
  trx: Transaction<Database>,
  kind: 'unlogged' | 'temp',
): Promise<void> {
  await sql`create ${sql.raw(kind === 'temp' ? 'temp' : 'unlogged')} table changed (customer_id integer not null, record_id text not null, inserted boolean not null,
      holder_phone_bidx bytea, bank_account_bidx bytea, holder_id_bidx bytea, segment integer not null)
      ${sql.raw(kind === 'temp' ? 'on commit drop' : '')}`.execute(trx);
}

/**
 * The flags still under review (open, assigned, resolved) of the records in `changed` (not those
 * just inserted) take their record's channel and branch as stored now, each with a `moved` event
 * (`detail` and the channel and branch before and now): the list is distributed, and the console
 * scoped, by the flag's channel (002 §3.13), so a flag left under the old one went to an
 * investigator no longer responsible for the record and was hidden from the new one. Closed flags
 * keep the channel their review was done under, and so does `except` (a flag being closed: the
 * verified one). Called by the nightly merge and by a verified correction (settle-correction.ts),
 * each after writing the records.
 */
export async function moveFlagsWithRecords(
  trx: Transaction<Database>,
  by: { actor: string; detail: Record<string, number>; except?: number },
): Promise<void> {
  await sql`
    with up as (
      update flags f set channel = c.channel, branch = c.branch, updated_at = now()
      from changed ch, customers c, flags o
      where not ch.inserted and f.record_id = ch.record_id and c.customer_id = ch.customer_id
        and o.flag_id = f.flag_id and f.status in ('open', 'assigned', 'resolved')
        and f.flag_id is distinct from ${by.except ?? null}::int
        and (f.channel is distinct from c.channel or f.branch is distinct from c.branch)
      returning f.flag_id, o.channel as channel_before, o.branch as branch_before, f.channel, f.branch
    )
    insert into flag_events (flag_id, actor, action, detail)
    select flag_id, ${by.actor}, 'moved', ${JSON.stringify(by.detail)}::jsonb || jsonb_build_object(
      'channel_before', channel_before, 'branch_before', branch_before, 'channel_now', channel, 'branch_now', branch)
    from up`.execute(trx);
}

/**
 * The file's rows, staged by another connection while the merge runs (server only: the embedded
 * database has one connection). Segments come in line order and cover the file.
 */
export interface StagedSegments {
  /**
   * The next segment committed to staging, or null once the file is read; rejects when reading
   * failed (the merge then rolls back).
   */
  next(): Promise<StagedSegment | null>;
}

export interface StagedSegment {
  /** Lines [fromLine, toLine) of the file; toLine null: to the end. */
  fromLine: number;
  toLine: number | null;
  /** Rows the whole file holds, estimated from its size and what was read (exact once it is read). */
  estimatedRows: number;
}

/**
 * The columns of `customers` that the merge's joins and filters use: the only ones whose
 * statistics it refreshes. ANALYZE of every column spends most of its time sorting the sample of
 * each text column (0.9-1.3 s against 0.4 s at 400,000 rows); autovacuum analyses the rest later.
 */
const PLANNED_CUSTOMER_COLUMNS = [
  'customer_id',
  'record_id',
  'agent_id',
  'destroyed_at',
  'holder_name_bidx',
  'holder_id_bidx',
  'holder_phone_bidx',
  'holder_address_bidx',
  'bank_account_bidx',
  'service_number_bidx',
  'insured_id_bidx',
  'sign_date',
  'retention_until',
] as const satisfies readonly (keyof Database['customers'])[];

async function analyzeArchive(trx: Transaction<Database>): Promise<void> {
  await sql`analyze customers (${sql.join(PLANNED_CUSTOMER_COLUMNS.map((c) => sql.ref(c)))})`.execute(trx);
}

/**
 * Staging's statistics are those of the last batch (another batch id): without fresh ones the
 * planner expects no rows and picks nested loops that are quadratic in the batch. Only the
 * columns the merge selects, groups and joins by.
 */
async function analyzeStaging(trx: Transaction<Database>): Promise<void> {
  await sql`analyze staging_customers (batch_id, record_id, line)`.execute(trx);
}

/**
 * Records the batch carries (repeats counted once), and whether any is repeated, in one grouping.
 * Staging is scanned by two workers (`withCheapParallelRows`): 0.88-0.90 s against 1.13-1.25 s on
 * one core for a million staged rows (psql, 2026-11-23).
 */
async function batchSizes(
  trx: Transaction<Database>,
  batchId: number,
): Promise<{ records: number; repeats: boolean }> {
  const sizes = await withCheapParallelRows(trx, () =>
    sql<{ records: number; repeats: boolean }>`
      select count(*)::int as records, coalesce(bool_or(n > 1), false) as repeats
      from (select count(*) as n from staging_customers where batch_id = ${batchId} group by record_id) g`.execute(
      trx,
    ),
  );
  return sizes.rows[0]!;
}

/** Rows of the archive, as the planner last counted them (0 before it ever did). */
async function archiveSize(trx: Transaction<Database>): Promise<number> {
  const r = await sql<{ archive: number }>`
    select greatest(reltuples, 0)::float8 as archive from pg_class where oid = 'customers'::regclass`.execute(
    trx,
  );
  return r.rows[0]!.archive;
}

/** The last row of a record in the file wins: the earlier ones leave staging. */
async function dropEarlierRepeats(trx: Transaction<Database>, batchId: number): Promise<void> {
  await sql`delete from staging_customers s using (
      select record_id, max(line) as keep from staging_customers where batch_id = ${batchId}
      group by record_id having count(*) > 1
    ) d
    where s.batch_id = ${batchId} and s.record_id = d.record_id and s.line <> d.keep`.execute(trx);
}

/**
 * Upserts staged rows into the archive (a corrected file updates the records it carries;
 * unchanged rows are left alone) and notes the records inserted or changed in `changed`.
 * `lastWins`: the rows may carry a record more than once; its last line is taken.
 */
async function upsertStaged(
  trx: Transaction<Database>,
  batchId: number,
  rows: RawBuilder<unknown>,
  segment: number,
  lastWins = false,
): Promise<void> {
  const cols = sql.join(CUSTOMER_DATA_COLUMNS.map((c) => sql.ref(c)));
  const updates = sql.join(
    CUSTOMER_DATA_COLUMNS.filter((c) => c !== 'record_id').map(
      (c) => sql`${sql.ref(c)} = excluded.${sql.ref(c)}`,
    ),
  );
  const source = lastWins
    ? sql`select distinct on (record_id) ${cols}, ${batchId}, ${batchId} from ${rows} order by record_id, line desc`
    : sql`select ${cols}, ${batchId}, ${batchId} from ${rows}`;
  await sql`with up as (
      insert into customers (${cols}, first_batch_id, last_batch_id)
      ${source}
      on conflict (record_id) do update set ${updates}, last_batch_id = excluded.last_batch_id, updated_at = now(), destroyed_at = null
      where customers.row_hash is distinct from excluded.row_hash or customers.destroyed_at is not null
      returning customer_id, record_id, first_batch_id = ${batchId} as inserted,
        holder_phone_bidx, bank_account_bidx, holder_id_bidx
    )
    insert into changed select up.*, ${segment}::int from up`.execute(trx);
}

/**
 * Takes `tables` for a rebuild (ACCESS EXCLUSIVE, as DROP INDEX would), waiting at most `waitMs`
 * for their readers; false when they did not let go in time (nothing taken, the transaction goes on).
 */
async function lockForRebuild(
  trx: Transaction<Database>,
  tables: string[],
  waitMs: number,
): Promise<boolean> {
  await sql`savepoint lock_for_rebuild`.execute(trx);
  await sql.raw(`set local lock_timeout = ${Math.max(1, Math.round(waitMs))}`).execute(trx);
  try {
    await sql`lock table ${sql.join(tables.map((t) => sql.table(t)))} in access exclusive mode`.execute(trx);
  } catch (err) {
    // 55P03 lock_not_available: the wait ran out. Anything else is a real failure.
    if ((err as { code?: string }).code !== '55P03') throw err;
    await sql`rollback to savepoint lock_for_rebuild`.execute(trx);
    return false;
  }
  await sql`set local lock_timeout to default`.execute(trx);
  await sql`release savepoint lock_for_rebuild`.execute(trx);
  return true;
}

/** Drops the non-unique indexes of `table` (locked) and returns the statements that build them again. */
async function dropNonUniqueIndexes(trx: Transaction<Database>, table: string): Promise<string[]> {
  const found = await sql<{ name: string; def: string }>`
    select c.relname as name, pg_get_indexdef(i.indexrelid) as def
    from pg_index i join pg_class c on c.oid = i.indexrelid
    where i.indrelid = ${table}::regclass and not i.indisunique and not i.indisprimary
    order by c.relname`.execute(trx);
  for (const ix of found.rows) await sql`drop index ${sql.ref(ix.name)}`.execute(trx);
  return found.rows.map((ix) => ix.def);
}

/**
 * Drops the non-unique indexes of `customers` and returns the statements that build them again;
 * undefined when readers of the table did not let go within `waitMs` (nothing dropped, and the
 * transaction goes on as if no rebuild had been asked for).
 */
async function dropLookupIndexes(trx: Transaction<Database>, waitMs: number): Promise<string[] | undefined> {
  if (!(await lockForRebuild(trx, ['customers'], waitMs))) return undefined;
  return dropNonUniqueIndexes(trx, 'customers');
}

/**
 * The same advice for the flags of a big night ("Populating a Database": remove indexes and
 * foreign-key constraints): each flag inserted visits nine non-unique indexes, and each flag and
 * its history event runs a foreign-key check, a query of its own. In a rolled-back experiment on
 * 56,742 flags the insert took 3.8 s with them all, 1.9 s without the non-unique indexes and
 * 0.6 s without the key to `customers` either. So a merge that rebuilt the archive's indexes
 * (`customers` is already locked) and raises at least half as many findings as there are flags
 * (and at least a tenth of `rebuildIndexesFrom`: about one record in ten is flagged, so 10,000 by
 * default) drops the flags' non-unique indexes and the keys to and from `flags`, inserts, then builds the
 * indexes and adds the keys back, which checks every row in one join: integrity is checked as
 * before, once. Returns the statements that restore them; undefined when readers of the flags did
 * not let go within `waitMs` (nothing dropped).
 */
async function dropFlagIndexesAndKeys(
  trx: Transaction<Database>,
  waitMs: number,
): Promise<string[] | undefined> {
  if (!(await lockForRebuild(trx, ['flags', 'flag_events'], waitMs))) return undefined;
  const keys = await sql<{ dropKey: string; addKey: string }>`
    select format('alter table %s drop constraint %I', conrelid::regclass, conname) as "dropKey",
           format('alter table %s add constraint %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid)) as "addKey"
    from pg_constraint
    where contype = 'f' and (conrelid = 'flags'::regclass or confrelid = 'flags'::regclass)
    order by conname`.execute(trx);
  for (const k of keys.rows) await sql.raw(k.dropKey).execute(trx);
  const indexes = await dropNonUniqueIndexes(trx, 'flags');
  return [...indexes, ...keys.rows.map((k) => k.addKey)];
}

/** Whether the merge rebuilds the flags' indexes and keys around its insert (see `dropFlagIndexesAndKeys`). */
async function rebuildsFlagIndexes(trx: Transaction<Database>, from: number): Promise<boolean> {
  const r = await sql<{ findings: number; flags: number }>`
    select (select count(*) from batch_findings)::float8 as findings,
           (select greatest(reltuples, 0) from pg_class where oid = 'flags'::regclass)::float8 as flags`.execute(
    trx,
  );
  const { findings, flags } = r.rows[0]!;
  return findings >= from && findings * 2 >= flags;
}
