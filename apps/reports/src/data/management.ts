import type { Database } from '@custodian/core';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { type Period, periodInstants } from '../periods.js';

/**
 * Figures of the periodic management report (rulebook §4: data quality, problem-item throughput
 * and deadlines kept, trends). Every figure is computed in SQL from timestamps, as of the end of
 * its period, so a report of a past period comes out the same whenever it is rebuilt.
 *
 * A flag's deadline (002 §3.13: three working days after listing) is kept when it was resolved
 * (or closed by a corrected file) before the end of its due day in Asia/Shanghai; missed when
 * that moment has passed without it; pending while it has not yet come.
 */
export interface PeriodFigures {
  key: string;
  raised: number;
  closed: number;
  resolved: number;
  openAtEnd: number;
  overdueAtEnd: number;
  due: number;
  kept: number;
  missed: number;
  pending: number;
  batches: number;
  rowsRead: number;
  rowsQuarantined: number;
}

export interface ChannelDeadlines {
  channel: string | null;
  raised: number;
  closed: number;
  due: number;
  kept: number;
  missed: number;
  pending: number;
  openAtEnd: number;
}

export interface Ranked {
  key: string | null;
  label?: string | null;
  n: number;
}

export interface ManagementData {
  periods: PeriodFigures[];
  channels: ChannelDeadlines[];
  topRules: Ranked[];
  topBranches: Ranked[];
  topAgents: (Ranked & { channel: string | null })[];
  outcomes: Ranked[];
  archiveAtEnd: number;
}

/** The end of a flag's due day (Shanghai, UTC+8 without daylight saving). */
const DEADLINE = sql`(((f.due_on + 1)::text || 'T00:00:00+08:00')::timestamptz)`;
const DONE_AT = sql`coalesce(f.resolved_at, f.closed_at)`;

function bounds(p: Period, now: Date): { s: string; e: string; asOf: string } {
  const { start, end } = periodInstants(p);
  const asOf = new Date(Math.min(now.getTime(), new Date(end).getTime())).toISOString();
  return { s: start, e: end, asOf };
}

function periodValues(periods: Period[], now: Date): RawBuilder<unknown> {
  return sql.join(
    periods.map((p, i) => {
      const b = bounds(p, now);
      return sql`(${i}::int, ${b.s}::timestamptz, ${b.e}::timestamptz, ${b.asOf}::timestamptz, ${p.from}::date, ${p.to}::date)`;
    }),
  );
}

/** Figures of each period (oldest first), one round trip. */
export async function loadPeriodFigures(
  db: Kysely<Database>,
  periods: Period[],
  now: Date,
): Promise<PeriodFigures[]> {
  const r = await sql<Omit<PeriodFigures, 'key'> & { idx: number }>`
    with p(idx, s, e, as_of, d0, d1) as (values ${periodValues(periods, now)})
    select p.idx,
      (select count(*) from flags f where f.raised_at >= p.s and f.raised_at < p.e)::int as raised,
      (select count(*) from flags f where f.closed_at >= p.s and f.closed_at < p.e)::int as closed,
      (select count(*) from flags f where f.resolved_at >= p.s and f.resolved_at < p.e)::int as resolved,
      (select count(*) from flags f where f.raised_at < p.e and (f.closed_at is null or f.closed_at >= p.e))::int as "openAtEnd",
      (select count(*) from flags f where f.raised_at < p.as_of and ${DEADLINE} <= p.as_of
          and (${DONE_AT} is null or ${DONE_AT} >= p.as_of))::int as "overdueAtEnd",
      d.due, d.kept, d.missed, d.pending,
      (select count(*) from batches b where b.status = 'done' and b.ingested_on between p.d0 and p.d1)::int as batches,
      (select coalesce(sum(b.rows_read), 0) from batches b where b.status = 'done' and b.ingested_on between p.d0 and p.d1)::int as "rowsRead",
      (select coalesce(sum(b.rows_quarantined), 0) from batches b where b.status = 'done' and b.ingested_on between p.d0 and p.d1)::int as "rowsQuarantined"
    from p cross join lateral (
      select count(*)::int as due,
        count(*) filter (where ${DONE_AT} < ${DEADLINE})::int as kept,
        count(*) filter (where (${DONE_AT} is null or ${DONE_AT} >= ${DEADLINE}) and ${DEADLINE} <= p.as_of)::int as missed,
        count(*) filter (where (${DONE_AT} is null or ${DONE_AT} >= ${DEADLINE}) and ${DEADLINE} > p.as_of)::int as pending
      from flags f where f.due_on between p.d0 and p.d1) d
    order by p.idx`.execute(db);
  return r.rows.map((row) => {
    const { idx, ...rest } = row;
    return { key: periods[idx]!.key, ...rest };
  });
}

export async function loadManagementData(
  db: Kysely<Database>,
  periods: Period[],
  now: Date,
): Promise<ManagementData> {
  const current = periods[periods.length - 1]!;
  const b = bounds(current, now);
  const [figures, channels, rules, branches, agents, outcomes, archive] = await Promise.all([
    loadPeriodFigures(db, periods, now),
    sql<ChannelDeadlines>`
      select ch.channel,
        (select count(*) from flags f where f.channel is not distinct from ch.channel and f.raised_at >= ${b.s}::timestamptz and f.raised_at < ${b.e}::timestamptz)::int as raised,
        (select count(*) from flags f where f.channel is not distinct from ch.channel and f.closed_at >= ${b.s}::timestamptz and f.closed_at < ${b.e}::timestamptz)::int as closed,
        (select count(*) from flags f where f.channel is not distinct from ch.channel and f.raised_at < ${b.e}::timestamptz and (f.closed_at is null or f.closed_at >= ${b.e}::timestamptz))::int as "openAtEnd",
        d.due, d.kept, d.missed, d.pending
      from (select distinct channel from flags where raised_at < ${b.e}::timestamptz
              and (closed_at is null or closed_at >= ${b.s}::timestamptz or due_on between ${current.from}::date and ${current.to}::date)) ch
      cross join lateral (
        select count(*)::int as due,
          count(*) filter (where ${DONE_AT} < ${DEADLINE})::int as kept,
          count(*) filter (where (${DONE_AT} is null or ${DONE_AT} >= ${DEADLINE}) and ${DEADLINE} <= ${b.asOf}::timestamptz)::int as missed,
          count(*) filter (where (${DONE_AT} is null or ${DONE_AT} >= ${DEADLINE}) and ${DEADLINE} > ${b.asOf}::timestamptz)::int as pending
        from flags f where f.channel is not distinct from ch.channel and f.due_on between ${current.from}::date and ${current.to}::date) d
      order by ch.channel nulls last`.execute(db),
    sql<Ranked>`select rule as key, count(*)::int as n from flags
      where raised_at >= ${b.s}::timestamptz and raised_at < ${b.e}::timestamptz
      group by rule order by n desc, rule limit 10`.execute(db),
    sql<Ranked>`select branch as key, count(*)::int as n from flags
      where raised_at >= ${b.s}::timestamptz and raised_at < ${b.e}::timestamptz
      group by branch order by n desc, branch nulls last limit 10`.execute(db),
    sql<Ranked & { channel: string | null }>`
      select f.agent_id as key, a.name_masked as label, max(f.channel) as channel, count(*)::int as n
      from flags f left join agents a on a.agent_id = f.agent_id
      where f.raised_at >= ${b.s}::timestamptz and f.raised_at < ${b.e}::timestamptz and f.agent_id is not null
      group by f.agent_id, a.name_masked order by n desc, f.agent_id limit 10`.execute(db),
    sql<Ranked>`select outcome as key, count(*)::int as n from flags
      where coalesce(resolved_at, closed_at) >= ${b.s}::timestamptz and coalesce(resolved_at, closed_at) < ${b.e}::timestamptz
        and outcome is not null
      group by outcome order by n desc, outcome`.execute(db),
    sql<{ n: number }>`select count(*)::int as n from customers
      where created_at < ${b.e}::timestamptz and (destroyed_at is null or destroyed_at >= ${b.e}::timestamptz)`.execute(
      db,
    ),
  ]);
  return {
    periods: figures,
    channels: channels.rows,
    topRules: rules.rows,
    topBranches: branches.rows,
    topAgents: agents.rows,
    outcomes: outcomes.rows,
    archiveAtEnd: archive.rows[0]?.n ?? 0,
  };
}
