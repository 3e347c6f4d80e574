import type { Database } from '@custodian/core';
import { type Kysely, sql } from 'kysely';

/**
 * Figures of the managers' dashboard (rulebook §4: problem-item throughput, deadlines kept,
 * trends). Counts only: no record, no name, no value of any customer leaves this module.
 */
export interface DashboardStats {
  today: string;
  open: number;
  overdue: number;
  dueToday: number;
  closed30: number;
  kept90: { closed: number; kept: number };
  daily: { day: string; raised: number; closed: number }[];
  weekly: { week: string; raised: number; closed: number }[];
  channels: { channel: string | null; open: number; overdue: number; closed: number; kept: number }[];
  rules: { rule: string; open: number }[];
}

function addDays(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Monday of the ISO week of `date`. */
function mondayOf(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  const back = (d.getUTCDay() + 6) % 7;
  return addDays(date, -back);
}

export async function loadDashboardStats(db: Kysely<Database>, today: string): Promise<DashboardStats> {
  const from30 = addDays(today, -29);
  const from90 = addDays(today, -89);
  const from12w = mondayOf(addDays(today, -7 * 11));
  // Closing dates are read in Asia/Shanghai, like every deadline (002 §3.13).
  const closedDay = sql`to_char(closed_at at time zone 'Asia/Shanghai', 'YYYY-MM-DD')`;
  // Raised: when the ingest found it (it is listed for review the next working day, 002 §3.7).
  const raisedDay = sql`to_char(raised_at at time zone 'Asia/Shanghai', 'YYYY-MM-DD')`;
  const [totals, raisedDaily, closedDaily, raisedWeekly, closedWeekly, channels, rules] = await Promise.all([
    sql<{
      open: number;
      overdue: number;
      due_today: number;
      closed30: number;
      closed90: number;
      kept90: number;
    }>`
      select
        count(*) filter (where status <> 'closed') as open,
        count(*) filter (where status <> 'closed' and due_on < ${today}) as overdue,
        count(*) filter (where status <> 'closed' and due_on = ${today}) as due_today,
        count(*) filter (where status = 'closed' and ${closedDay} >= ${from30}) as closed30,
        count(*) filter (where status = 'closed' and ${closedDay} >= ${from90}) as closed90,
        count(*) filter (where status = 'closed' and ${closedDay} >= ${from90} and ${closedDay} <= to_char(due_on, 'YYYY-MM-DD')) as kept90
      from flags`.execute(db),
    sql<{ day: string; n: number }>`
      select ${raisedDay} as day, count(*) as n from flags
      where raised_at >= (${from30}::date - 1) group by 1`.execute(db),
    sql<{ day: string; n: number }>`
      select ${closedDay} as day, count(*) as n from flags
      where status = 'closed' and closed_at >= (${from30}::date - 1) group by 1`.execute(db),
    sql<{ day: string; n: number }>`
      select to_char(date_trunc('week', (raised_at at time zone 'Asia/Shanghai')::date), 'YYYY-MM-DD') as day, count(*) as n
      from flags where raised_at >= (${from12w}::date - 1) group by 1`.execute(db),
    sql<{ day: string; n: number }>`
      select to_char(date_trunc('week', (closed_at at time zone 'Asia/Shanghai')::date), 'YYYY-MM-DD') as day, count(*) as n
      from flags where status = 'closed' and closed_at >= (${from12w}::date - 1) group by 1`.execute(db),
    sql<{ channel: string | null; open: number; overdue: number; closed: number; kept: number }>`
      select channel,
        count(*) filter (where status <> 'closed') as open,
        count(*) filter (where status <> 'closed' and due_on < ${today}) as overdue,
        count(*) filter (where status = 'closed' and ${closedDay} >= ${from90}) as closed,
        count(*) filter (where status = 'closed' and ${closedDay} >= ${from90} and ${closedDay} <= to_char(due_on, 'YYYY-MM-DD')) as kept
      from flags group by channel order by channel nulls last`.execute(db),
    sql<{ rule: string; open: number }>`
      select rule, count(*) as open from flags where status <> 'closed' group by rule order by open desc, rule limit 15`.execute(
      db,
    ),
  ]);
  const t = totals.rows[0];
  const byDay = (rows: { day: string; n: number }[]) => new Map(rows.map((r) => [r.day, Number(r.n)]));
  const rd = byDay(raisedDaily.rows);
  const cd = byDay(closedDaily.rows);
  const rw = byDay(raisedWeekly.rows);
  const cw = byDay(closedWeekly.rows);
  const daily = Array.from({ length: 30 }, (_, i) => {
    const day = addDays(from30, i);
    return { day, raised: rd.get(day) ?? 0, closed: cd.get(day) ?? 0 };
  });
  const weekly = Array.from({ length: 12 }, (_, i) => {
    const week = addDays(from12w, 7 * i);
    return { week, raised: rw.get(week) ?? 0, closed: cw.get(week) ?? 0 };
  });
  return {
    today,
    open: Number(t?.open ?? 0),
    overdue: Number(t?.overdue ?? 0),
    dueToday: Number(t?.due_today ?? 0),
    closed30: Number(t?.closed30 ?? 0),
    kept90: { closed: Number(t?.closed90 ?? 0), kept: Number(t?.kept90 ?? 0) },
    daily,
    weekly,
    channels: channels.rows.map((r) => ({
      channel: r.channel,
      open: Number(r.open),
      overdue: Number(r.overdue),
      closed: Number(r.closed),
      kept: Number(r.kept),
    })),
    rules: rules.rows.map((r) => ({ rule: r.rule, open: Number(r.open) })),
  };
}
