import type { Database } from '@custodian/core';
import { type Kysely, sql } from 'kysely';
import { type Period, periodInstants, shanghaiDayStart } from '../periods.js';
import { keysetPages } from './keyset.js';

/**
 * The quarterly summary for the regulator (002 §3.22-23): agents and agencies to whom confirmed
 * false customer information is attributed. "Confirmed" means the outcome `false_info` was
 * verified by compliance (flag closed, four eyes) within the quarter; outcomes still awaiting
 * verification are counted apart and reported the quarter they are verified in.
 */
export interface Provider {
  attributed_to: string;
  /** True when the name is an agent of the master data; else an agency (or an agent unknown there). */
  is_agent: boolean;
  name_masked: string | null;
  channel: string | null;
  branch: string | null;
  flags: number;
  records: number;
  year_to_date: number;
}

export interface FalseInfoRecord {
  flag_id: number;
  attributed_to: string;
  record_id: string;
  archive_no: string | null;
  holder_name_masked: string | null;
  holder_id_masked: string | null;
  rule: string;
  reason_zh: string;
  reason_en: string;
  channel: string | null;
  branch: string | null;
  resolved_at: Date | string | null;
  closed_at: Date | string;
}

export interface RegulatoryData {
  providers: Provider[];
  pendingVerification: number;
  totalFlags: number;
  totalRecords: number;
}

export async function loadRegulatoryData(db: Kysely<Database>, quarter: Period): Promise<RegulatoryData> {
  const { start, end } = periodInstants(quarter);
  const yearStart = shanghaiDayStart(`${quarter.from.slice(0, 4)}-01-01`);
  const [providers, pending] = await Promise.all([
    sql<Provider>`
      select f.attributed_to, (a.agent_id is not null) as is_agent, a.name_masked,
        coalesce(a.channel, max(f.channel)) as channel, coalesce(a.branch, max(f.branch)) as branch,
        count(*) filter (where f.closed_at >= ${start}::timestamptz)::int as flags,
        count(distinct f.customer_id) filter (where f.closed_at >= ${start}::timestamptz)::int as records,
        count(*)::int as year_to_date
      from flags f left join agents a on a.agent_id = f.attributed_to
      where f.outcome = 'false_info' and f.status = 'closed' and f.attributed_to is not null
        and f.closed_at >= ${yearStart}::timestamptz and f.closed_at < ${end}::timestamptz
      group by f.attributed_to, a.agent_id, a.name_masked, a.channel, a.branch
      having count(*) filter (where f.closed_at >= ${start}::timestamptz) > 0
      order by flags desc, f.attributed_to`.execute(db),
    sql<{ n: number }>`select count(*)::int as n from flags
      where outcome = 'false_info' and status = 'resolved' and resolved_at < ${end}::timestamptz`.execute(db),
  ]);
  return {
    providers: providers.rows,
    pendingVerification: pending.rows[0]?.n ?? 0,
    totalFlags: providers.rows.reduce((a, p) => a + p.flags, 0),
    totalRecords: providers.rows.reduce((a, p) => a + p.records, 0),
  };
}

/** The records concerned, by provider then flag, a keyset page at a time. */
export function iterateFalseInfoRecords(
  db: Kysely<Database>,
  quarter: Period,
  pageSize = 2000,
): AsyncGenerator<FalseInfoRecord[]> {
  const { start, end } = periodInstants(quarter);
  return keysetPages(
    async (after: { who: string; id: number } | undefined) =>
      (
        await sql<FalseInfoRecord>`
          select f.flag_id, f.attributed_to, f.record_id, f.archive_no, c.holder_name_masked, c.holder_id_masked,
            f.rule, f.reason_zh, f.reason_en, f.channel, f.branch, f.resolved_at, f.closed_at
          from flags f left join customers c on c.customer_id = f.customer_id
          where f.outcome = 'false_info' and f.status = 'closed' and f.attributed_to is not null
            and f.closed_at >= ${start}::timestamptz and f.closed_at < ${end}::timestamptz
            and (f.attributed_to, f.flag_id) > (${after?.who ?? ''}, ${after?.id ?? 0}::int)
          order by f.attributed_to, f.flag_id limit ${pageSize}`.execute(db)
      ).rows,
    (r) => ({ who: r.attributed_to, id: r.flag_id }),
    pageSize,
  );
}
