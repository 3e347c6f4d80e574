import { CustodianError, type Database } from '@custodian/core';
import { profiles } from '@custodian/validators';
import { type Kysely, sql } from 'kysely';

/**
 * The data quality of one ingestion (rulebook §1): what was read, quarantined and flagged, how
 * complete each mandatory field of the batch's profile is (002 §3.5), and the findings the batch
 * raised by rule, severity, branch and channel. Aggregated in SQL.
 */
export interface BatchInfo {
  batch_id: number;
  file_name: string;
  status: string;
  profile: string;
  ingested_on: string;
  rows_read: number;
  rows_quarantined: number;
  rows_flagged: number;
  started_at: Date | string;
  finished_at: Date | string | null;
}

export interface Count {
  key: string | null;
  n: number;
}

export interface BatchData {
  batch: BatchInfo;
  /** Rows of the batch that reached the archive (read less quarantined). */
  accepted: number;
  flagsRaised: number;
  completeness: { field: string; missing: number }[];
  byRule: (Count & { severity: string })[];
  bySeverity: Count[];
  byBranch: Count[];
  byChannel: Count[];
  quarantineReasons: Count[];
}

/** The batch with this id, or the latest finished one. Throws NOT_FOUND when there is none. */
export async function findBatch(db: Kysely<Database>, batchId?: number): Promise<BatchInfo> {
  let q = db
    .selectFrom('batches')
    .select([
      'batch_id',
      'file_name',
      'status',
      'profile',
      'ingested_on',
      'rows_read',
      'rows_quarantined',
      'rows_flagged',
      'started_at',
      'finished_at',
    ]);
  q =
    batchId === undefined
      ? q.where('status', '=', 'done').orderBy('batch_id', 'desc').limit(1)
      : q.where('batch_id', '=', batchId);
  const b = await q.executeTakeFirst();
  if (!b) {
    throw new CustodianError(
      'NOT_FOUND',
      batchId === undefined ? 'no finished ingestion batch yet' : `batch ${batchId} does not exist`,
      { batchId },
    );
  }
  return b;
}

/** Mandatory fields of a profile (002 §3.5 for `insurance`), in profile order. */
export function mandatoryFields(profileName: string): string[] {
  const profile = (
    profiles as Record<string, { parties: readonly { fields: readonly { field: string }[] }[] }>
  )[profileName];
  if (!profile) return [];
  return profile.parties.flatMap((p) => p.fields.map((f) => f.field));
}

/**
 * Quarantine reasons grouped by their kind: the text before the first colon, with quoted parts
 * removed, because a parser's message may quote the offending value (which may be personal data).
 */
function reasonKind(reason: string): string {
  return reason
    .replace(/"[^"]*"/g, '"…"')
    .split(':')[0]!
    .trim();
}

export async function loadBatchData(db: Kysely<Database>, batch: BatchInfo): Promise<BatchData> {
  const id = batch.batch_id;
  const [rules, branches, channels, missing, quarantine] = await Promise.all([
    sql<Count & { severity: string }>`select rule as key, min(severity) as severity, count(*)::int as n
      from flags where batch_id = ${id} group by rule order by n desc, rule`.execute(db),
    sql<Count>`select branch as key, count(*)::int as n from flags where batch_id = ${id}
      group by branch order by n desc, branch nulls last`.execute(db),
    sql<Count>`select channel as key, count(*)::int as n from flags where batch_id = ${id}
      group by channel order by n desc, channel nulls last`.execute(db),
    // A missing mandatory field is a MISSING_REQUIRED flag whose masked values name the field.
    sql<{ field: string; n: number }>`select k.field, count(distinct f.customer_id)::int as n
      from flags f cross join lateral jsonb_object_keys(f.masked_values) as k(field)
      where f.batch_id = ${id} and f.rule = 'MISSING_REQUIRED' group by k.field`.execute(db),
    sql<{
      reason: string;
      column_name: string | null;
      n: number;
    }>`select reason, column_name, count(*)::int as n
      from quarantine where batch_id = ${id} group by reason, column_name`.execute(db),
  ]);
  const missingBy = new Map(missing.rows.map((r) => [r.field, r.n]));
  const fields = mandatoryFields(batch.profile);
  for (const f of missingBy.keys()) if (!fields.includes(f)) fields.push(f);
  const reasons = new Map<string, number>();
  for (const q of quarantine.rows) {
    const k = reasonKind(q.reason);
    reasons.set(k, (reasons.get(k) ?? 0) + q.n);
  }
  const severities = new Map<string, number>();
  for (const r of rules.rows) severities.set(r.severity, (severities.get(r.severity) ?? 0) + r.n);
  return {
    batch,
    accepted: batch.rows_read - batch.rows_quarantined,
    flagsRaised: rules.rows.reduce((a, r) => a + r.n, 0),
    completeness: fields.map((field) => ({ field, missing: missingBy.get(field) ?? 0 })),
    byRule: rules.rows,
    bySeverity: ['error', 'warning', 'info'].map((key) => ({ key, n: severities.get(key) ?? 0 })),
    byBranch: branches.rows,
    byChannel: channels.rows,
    quarantineReasons: [...reasons.entries()]
      .map(([key, n]) => ({ key, n }))
      .sort((a, b) => b.n - a.n || a.key.localeCompare(b.key)),
  };
}
