import type { Database } from '@custodian/core';
import { type Kysely, sql } from 'kysely';
import { type Period, periodInstants } from '../periods.js';
import { keysetPages } from './keyset.js';

/**
 * Retention (000 "客户管理档案管理制度"; 004 §4.3): records past their retention period
 * (`customers.retention_until`) and not yet destroyed, as of the end of the period, are due for
 * destruction; every destruction done in the period is listed with time, method and person.
 */
export interface RetentionSummary {
  /** Past retention at the end of the period and not destroyed. */
  due: number;
  /** Of those, whose retention ended within the period. */
  newlyDue: number;
  /** Destroyed within the period. */
  destroyed: number;
  destroyedByMethod: { method: string; n: number }[];
  dueByBranch: { branch: string | null; n: number }[];
}

export interface DueRecord {
  customer_id: number;
  record_id: string;
  archive_no: string | null;
  holder_name_masked: string | null;
  channel: string | null;
  branch: string | null;
  sign_date: string | null;
  retention_until: string;
}

export interface DestructionRow {
  destruction_id: number;
  destroyed_at: Date | string;
  method: string;
  actor: string;
  record_id: string;
  archive_no: string | null;
  reason: string | null;
}

export async function loadRetentionSummary(db: Kysely<Database>, p: Period): Promise<RetentionSummary> {
  const { start, end } = periodInstants(p);
  const [due, methods, branches] = await Promise.all([
    sql<{ due: number; newly: number }>`
      select count(*)::int as due, count(*) filter (where retention_until >= ${p.from}::date)::int as newly
      from customers where destroyed_at is null and retention_until <= ${p.to}::date`.execute(db),
    sql<{ method: string; n: number }>`select method, count(*)::int as n from destructions
      where destroyed_at >= ${start}::timestamptz and destroyed_at < ${end}::timestamptz
      group by method order by n desc, method`.execute(db),
    sql<{ branch: string | null; n: number }>`select branch, count(*)::int as n from customers
      where destroyed_at is null and retention_until <= ${p.to}::date
      group by branch order by n desc, branch nulls last limit 20`.execute(db),
  ]);
  return {
    due: due.rows[0]?.due ?? 0,
    newlyDue: due.rows[0]?.newly ?? 0,
    destroyed: methods.rows.reduce((a, m) => a + m.n, 0),
    destroyedByMethod: methods.rows,
    dueByBranch: branches.rows,
  };
}

/** Records due for destruction, oldest retention end first, a keyset page at a time. */
export function iterateDueRecords(
  db: Kysely<Database>,
  p: Period,
  pageSize = 2000,
): AsyncGenerator<DueRecord[]> {
  return keysetPages(
    async (after: { until: string; id: number } | undefined) =>
      (
        await sql<DueRecord>`
          select customer_id, record_id, archive_no, holder_name_masked, channel, branch, sign_date, retention_until
          from customers
          where destroyed_at is null and retention_until <= ${p.to}::date
            and (retention_until, customer_id) > (${after?.until ?? '0001-01-01'}::date, ${after?.id ?? 0}::int)
          order by retention_until, customer_id limit ${pageSize}`.execute(db)
      ).rows,
    (r) => ({ until: r.retention_until, id: r.customer_id }),
    pageSize,
  );
}

export function iterateDestructions(
  db: Kysely<Database>,
  p: Period,
  pageSize = 2000,
): AsyncGenerator<DestructionRow[]> {
  const { start, end } = periodInstants(p);
  return keysetPages(
    async (after: number | undefined) =>
      (
        await sql<DestructionRow>`
          select destruction_id, destroyed_at, method, actor, record_id, archive_no, reason
          from destructions
          where destroyed_at >= ${start}::timestamptz and destroyed_at < ${end}::timestamptz
            and destruction_id > ${after ?? 0}
          order by destruction_id limit ${pageSize}`.execute(db)
      ).rows,
    (r) => r.destruction_id,
    pageSize,
  );
}
