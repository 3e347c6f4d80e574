import type { Database } from '@custodian/core';
import { type Kysely, sql } from 'kysely';
import type { Period } from '../periods.js';

/**
 * Access anomalies of a period (rulebook §3; 000 "客户管理档案管理制度" §7.3, 004 §7), by code and
 * by department, from the auditor's `anomalies` table (migration 0002: code, severity,
 * operator_id, department, branch, day, score, status, event_count). Returns `undefined` when the
 * table does not exist yet, so the report says "no access-audit data" instead of failing.
 * Anomalies the auditor's reviewers marked `false_positive` are not counted; `open` ones await
 * review, `confirmed` ones were upheld (`waived` ones count, neither open nor confirmed).
 */
export interface AnomalyData {
  byCode: {
    code: string;
    severity: string | null;
    anomalies: number;
    events: number;
    open: number;
    confirmed: number;
  }[];
  byDepartment: { department: string | null; anomalies: number; events: number; operators: number }[];
  total: number;
}

export async function anomaliesTableExists(db: Kysely<Database>): Promise<boolean> {
  const r = await sql<{ t: string | null }>`select to_regclass('anomalies')::text as t`.execute(db);
  return Boolean(r.rows[0]?.t);
}

export async function loadAnomalies(db: Kysely<Database>, period: Period): Promise<AnomalyData | undefined> {
  if (!(await anomaliesTableExists(db))) return undefined;
  const [byCode, byDepartment] = await Promise.all([
    sql<AnomalyData['byCode'][number]>`
      select code, max(severity) as severity, count(*)::int as anomalies,
        coalesce(sum(event_count), 0)::int as events,
        count(*) filter (where status = 'open')::int as open,
        count(*) filter (where status = 'confirmed')::int as confirmed
      from anomalies where day between ${period.from}::date and ${period.to}::date and status <> 'false_positive'
      group by code order by anomalies desc, code`.execute(db),
    sql<AnomalyData['byDepartment'][number]>`
      select department, count(*)::int as anomalies, coalesce(sum(event_count), 0)::int as events,
        count(distinct operator_id)::int as operators
      from anomalies where day between ${period.from}::date and ${period.to}::date and status <> 'false_positive'
      group by department order by anomalies desc, department nulls last`.execute(db),
  ]);
  return {
    byCode: byCode.rows,
    byDepartment: byDepartment.rows,
    total: byCode.rows.reduce((a, r) => a + r.anomalies, 0),
  };
}
