import type { Database } from '@custodian/core';
import { type Kysely, sql } from 'kysely';
import { keysetPages } from './keyset.js';

/**
 * The suspicious records listed on one working day (002 §3.7: the list for the next working day
 * after ingestion), by sales channel (002 §3.13: distributed to and investigated by the channel).
 * Only masked values: the flag's own masked values and the record's `*_masked` columns.
 */
export interface ProblemRow {
  flag_id: number;
  rule: string;
  severity: string;
  record_id: string;
  archive_no: string | null;
  related_record_ids: string[];
  reason_zh: string;
  reason_en: string;
  masked_values: Record<string, string | null>;
  branch: string | null;
  agent_id: string | null;
  status: string;
  outcome: string | null;
  listed_on: string;
  due_on: string;
  holder_name_masked: string | null;
  holder_id_masked: string | null;
}

export interface ChannelCount {
  channel: string | null;
  flags: number;
  open: number;
  errors: number;
}

export async function countProblemsByChannel(db: Kysely<Database>, day: string): Promise<ChannelCount[]> {
  const r = await sql<ChannelCount>`
    select channel, count(*)::int as flags,
      count(*) filter (where status <> 'closed')::int as open,
      count(*) filter (where severity = 'error')::int as errors
    from flags where listed_on = ${day}
    group by channel order by channel nulls last`.execute(db);
  return r.rows;
}

/** The channel's flags of the day, in flag order, a keyset page at a time (constant memory). */
export function iterateProblems(
  db: Kysely<Database>,
  day: string,
  channel: string | null,
  pageSize = 2000,
): AsyncGenerator<ProblemRow[]> {
  return keysetPages(
    async (after: number | undefined) =>
      (
        await sql<ProblemRow>`
          select f.flag_id, f.rule, f.severity, f.record_id, f.archive_no, f.related_record_ids,
            f.reason_zh, f.reason_en, f.masked_values, f.branch, f.agent_id, f.status, f.outcome,
            f.listed_on, f.due_on, c.holder_name_masked, c.holder_id_masked
          from flags f left join customers c on c.customer_id = f.customer_id
          where f.listed_on = ${day} and f.channel is not distinct from ${channel} and f.flag_id > ${after ?? 0}
          order by f.flag_id limit ${pageSize}`.execute(db)
      ).rows,
    (r) => r.flag_id,
    pageSize,
  );
}

/** The flags named in a review workbook: what the import checks before recording an outcome. */
export interface FlagState {
  flag_id: number;
  status: string;
  outcome: string | null;
  listed_on: string;
}

export async function loadFlagStates(db: Kysely<Database>, ids: number[]): Promise<Map<number, FlagState>> {
  const out = new Map<number, FlagState>();
  for (let i = 0; i < ids.length; i += 5000) {
    const rows = await db
      .selectFrom('flags')
      .select(['flag_id', 'status', 'outcome', 'listed_on'])
      .where('flag_id', 'in', ids.slice(i, i + 5000))
      .execute();
    for (const r of rows) out.set(r.flag_id, r);
  }
  return out;
}
