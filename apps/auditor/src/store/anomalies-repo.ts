import {
  type Anomaly,
  type AnomalyEvent,
  appendAuditTrail,
  CustodianError,
  type Database,
  type ExportWindow,
  iterateById,
  pageWindow,
  type StaffRow,
} from '@custodian/core';
import { type Kysely, sql, type Transaction } from 'kysely';
import { FINDING_LABELS } from '../detect/approval-ledger.js';
import { CODE_INFO, isAnomalyCode } from '../detect/codes.js';
import { type AnomalyDraft, scoreOf } from '../detect/drafts.js';
import { dayNumberOf, dayString, shanghaiIso } from '../input/timestamp.js';

/**
 * Anomalies in the database: storing a run's drafts (merged into an existing anomaly of the same
 * operator, code and day; suppressed while a confirmed false positive or a waiver holds), the
 * queries of `anomalies list|export|show` and the console, and dispositions with their
 * append-only history and audit-trail entry (001 §4).
 */
export interface AnomalyFilters {
  code?: string;
  severity?: string;
  status?: string;
  operatorId?: string;
  department?: string;
  branch?: string;
  day?: string;
  dayFrom?: string;
  dayTo?: string;
  minScore?: number;
}

export const DISPOSITIONS = ['confirmed', 'false_positive', 'waived'] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

const EXTRA_FINDINGS: Record<string, { zh: string; en: string }> = {
  left: { zh: '离职后仍有操作', en: 'activity after leaving' },
  transferred: { zh: '调岗后访问新机构以外的档案', en: 'records outside the new unit after a transfer' },
  secrecy_1: { zh: '秘密级档案', en: '秘密 (secret) records' },
  secrecy_2: { zh: '机密级档案', en: '机密 (confidential) records' },
  secrecy_3: { zh: '绝密级档案', en: '绝密 (top secret) records' },
  returned_late: { zh: '逾期归还', en: 'returned late' },
  still_open: { zh: '至今未还', en: 'still not returned' },
};

function findingLabel(f: string): { zh: string; en: string } {
  return (
    (FINDING_LABELS as Record<string, { zh: string; en: string }>)[f] ?? EXTRA_FINDINGS[f] ?? { zh: f, en: f }
  );
}

/** Human reasons in Chinese and English (masked: operator ids and archive numbers only). */
export function reasonsOf(
  code: string,
  operatorId: string,
  day: string,
  eventCount: number,
  findings: Record<string, number>,
  facts: Record<string, unknown>,
): { zh: string; en: string } {
  const info = isAnomalyCode(code) ? CODE_INFO[code] : { zh: code, en: code };
  const parts = Object.entries(findings).map(([f, n]) => ({ l: findingLabel(f), n }));
  const zhF = parts.length ? `（${parts.map((p) => `${p.l.zh} ${p.n}`).join('，')}）` : '';
  const enF = parts.length ? ` (${parts.map((p) => `${p.l.en}: ${p.n}`).join(', ')})` : '';
  let zhX = '';
  let enX = '';
  if (code === 'VOLUME_SPIKE') {
    zhX = `；当日访问 ${facts['records']} 条，阈值 ${facts['threshold']}（${facts['baseline']} 基线）`;
    enX = `; ${facts['records']} records against a threshold of ${facts['threshold']} (${facts['baseline']} baseline)`;
  } else if (code === 'BULK_EXPORT') {
    zhX = `；当日导出/打印 ${facts['exported_records']} 条`;
    enX = `; ${facts['exported_records']} records exported or printed`;
  } else if (code === 'ENUMERATION') {
    zhX = `；最长连续 ${facts['longest_run']} 个档案号`;
    enX = `; longest run ${facts['longest_run']} consecutive archive numbers`;
  }
  return {
    zh: `${info.zh}：操作员 ${operatorId} 于 ${day} 共 ${eventCount} 次相关操作${zhF}${zhX}`,
    en: `${info.en}: operator ${operatorId} on ${day}, ${eventCount} events${enF}${enX}`,
  };
}

export interface SaveResult {
  inserted: number;
  merged: number;
  suppressed: number;
  days: string[];
  keys: string[];
}

/**
 * Stores drafts. An anomaly already stored under the same group key (the same day's logs in a
 * later file) is merged: counts add up, evidence and archive numbers are topped up to their bounds.
 */
export async function saveDrafts(
  db: Kysely<Database>,
  drafts: AnomalyDraft[],
  staff: Map<string, { department: string | null; branch: string | null }>,
  opts: { actor: string; weights: Record<string, number>; evidenceEvents: number; evidenceArchives: number },
): Promise<SaveResult> {
  const result: SaveResult = { inserted: 0, merged: 0, suppressed: 0, days: [], keys: [] };
  const days = new Set<string>();
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < drafts.length; i += 500) {
      const chunk = drafts.slice(i, i + 500);
      const existing = new Map(
        (
          await trx
            .selectFrom('anomalies')
            .selectAll()
            .where(
              'group_key',
              'in',
              chunk.map((d) => d.key),
            )
            .execute()
        ).map((a) => [a.group_key, a]),
      );
      const suppressions = await trx
        .selectFrom('anomaly_suppressions')
        .selectAll()
        .where('operator_id', 'in', [...new Set(chunk.map((d) => d.operatorId))])
        .execute();
      for (const d of chunk) {
        days.add(d.day);
        result.keys.push(d.key);
        const old = existing.get(d.key);
        if (old) {
          await mergeInto(trx, old, d, opts);
          result.merged++;
          continue;
        }
        const sup = suppressions.find((s) => s.code === d.code && s.until >= d.day);
        const s = staff.get(d.operatorId);
        const reasons = reasonsOf(d.code, d.operatorId, d.day, d.eventCount, d.findings, d.facts);
        const row = await trx
          .insertInto('anomalies')
          .values({
            group_key: d.key,
            code: d.code,
            severity: CODE_INFO[d.code].severity,
            operator_id: d.operatorId,
            department: s?.department ?? null,
            branch: s?.branch ?? null,
            day: d.day,
            first_ts: new Date(d.firstTs),
            last_ts: new Date(Math.max(d.lastTs, d.firstTs)),
            event_count: d.eventCount,
            archive_nos: [...d.archives],
            score: scoreOf(d, opts.weights),
            reason_zh: reasons.zh,
            reason_en: reasons.en,
            evidence: JSON.stringify({
              findings: d.findings,
              facts: d.facts,
              archives_total: d.archivesTotal,
              events: d.events,
            }),
            status: sup ? sup.kind : 'open',
            waived_until: sup?.kind === 'waived' ? sup.until : null,
          })
          .returning('anomaly_id')
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('anomaly_events')
          .values({
            anomaly_id: row.anomaly_id,
            actor: opts.actor,
            action: sup ? 'suppressed' : 'raised',
            detail: JSON.stringify(
              sup
                ? { by_anomaly: sup.anomaly_id, kind: sup.kind, until: sup.until, events: d.eventCount }
                : { events: d.eventCount },
            ),
          })
          .execute();
        if (sup) result.suppressed++;
        else result.inserted++;
      }
    }
  });
  result.days = [...days].sort();
  return result;
}

async function mergeInto(
  trx: Transaction<Database>,
  old: Anomaly,
  d: AnomalyDraft,
  opts: { actor: string; weights: Record<string, number>; evidenceEvents: number; evidenceArchives: number },
): Promise<void> {
  const ev = (old.evidence ?? {}) as {
    findings?: Record<string, number>;
    facts?: Record<string, unknown>;
    archives_total?: number;
    events?: unknown[];
  };
  const findings = { ...(ev.findings ?? {}) };
  for (const [k, n] of Object.entries(d.findings)) findings[k] = (findings[k] ?? 0) + n;
  const archives = [...new Set([...old.archive_nos, ...d.archives])].slice(0, opts.evidenceArchives);
  const events = [...(ev.events ?? []), ...d.events].slice(0, opts.evidenceEvents);
  const eventCount = old.event_count + d.eventCount;
  const reasons = reasonsOf(d.code, d.operatorId, d.day, eventCount, findings, { ...ev.facts, ...d.facts });
  await trx
    .updateTable('anomalies')
    .set({
      first_ts: new Date(Math.min(new Date(old.first_ts).getTime(), d.firstTs)),
      last_ts: new Date(Math.max(new Date(old.last_ts).getTime(), d.lastTs)),
      event_count: eventCount,
      archive_nos: archives,
      score: scoreOf({ code: d.code, eventCount, factor: d.factor }, opts.weights),
      reason_zh: reasons.zh,
      reason_en: reasons.en,
      evidence: JSON.stringify({
        findings,
        facts: { ...ev.facts, ...d.facts },
        archives_total: (ev.archives_total ?? 0) + d.archivesTotal,
        events,
      }),
      updated_at: sql`now()`,
    })
    .where('anomaly_id', '=', old.anomaly_id)
    .execute();
  await trx
    .insertInto('anomaly_events')
    .values({
      anomaly_id: old.anomaly_id,
      actor: opts.actor,
      action: 'merged',
      detail: JSON.stringify({ events_added: d.eventCount }),
    })
    .execute();
}

/**
 * Recomputes the daily risk scores of the given days: the sum of the scores of each operator's
 * anomalies that count (open or confirmed; false positives and waivers do not), so that reviewers
 * see the riskiest people first.
 */
export async function recomputeRisk(
  db: Kysely<Database> | Transaction<Database>,
  days: string[],
): Promise<void> {
  if (days.length === 0) return;
  await db.deleteFrom('operator_risk').where('day', 'in', days).execute();
  await sql`insert into operator_risk (operator_id, day, score, anomaly_count)
    select operator_id, day, sum(score), count(*)::int from anomalies
    where day in (${sql.join(days)}) and status in ('open', 'confirmed')
    group by operator_id, day`.execute(db);
}

function applyFilters(db: Kysely<Database>, f: AnomalyFilters) {
  let q = db.selectFrom('anomalies');
  if (f.code) q = q.where('code', '=', f.code);
  if (f.severity) q = q.where('severity', '=', f.severity as Anomaly['severity']);
  if (f.status) q = q.where('status', '=', f.status as Anomaly['status']);
  if (f.operatorId) q = q.where('operator_id', '=', f.operatorId);
  if (f.department) q = q.where('department', '=', f.department);
  if (f.branch) q = q.where('branch', '=', f.branch);
  if (f.day) q = q.where('day', '=', f.day);
  if (f.dayFrom) q = q.where('day', '>=', f.dayFrom);
  if (f.dayTo) q = q.where('day', '<=', f.dayTo);
  if (f.minScore !== undefined) q = q.where('score', '>=', f.minScore);
  return q;
}

export interface AnomalyPage {
  anomalies: Anomaly[];
  total: number;
}

/** One page of anomalies, riskiest first by default, with the filtered total. */
export async function listAnomalies(
  db: Kysely<Database>,
  filters: AnomalyFilters = {},
  page: { limit?: number; offset?: number; order?: 'score' | 'day' | 'anomaly_id' } = {},
): Promise<AnomalyPage> {
  const { limit, offset } = pageWindow(page);
  let q = applyFilters(db, filters).selectAll();
  if (page.order === 'anomaly_id') q = q.orderBy('anomaly_id');
  else if (page.order === 'day') q = q.orderBy('day', 'desc').orderBy('score', 'desc').orderBy('anomaly_id');
  else q = q.orderBy('score', 'desc').orderBy('day', 'desc').orderBy('anomaly_id');
  const [anomalies, count] = await Promise.all([
    q.limit(limit).offset(offset).execute(),
    applyFilters(db, filters)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return { anomalies, total: Number(count.n) };
}

/** Every anomaly matching the filters, in id order, a page at a time (constant memory for exports). */
export function iterateAnomalies(
  db: Kysely<Database>,
  filters: AnomalyFilters = {},
  window: ExportWindow = {},
): AsyncGenerator<Anomaly> {
  return iterateById(
    (after, size, skip) => {
      const q = applyFilters(db, filters)
        .selectAll()
        .where('anomaly_id', '>', after)
        .orderBy('anomaly_id')
        .limit(size);
      return (skip > 0 ? q.offset(skip) : q).execute();
    },
    (a) => a.anomaly_id,
    window,
  );
}

/** The anomalies-export line (formats.md "Anomalies export"): masked values only. */
export function toAnomalyExport(a: Anomaly): Record<string, unknown> {
  return {
    anomaly_id: a.anomaly_id,
    code: a.code,
    severity: a.severity,
    operator_id: a.operator_id,
    department: a.department,
    branch: a.branch,
    day: a.day,
    first_ts: shanghaiIso(new Date(a.first_ts).getTime()),
    last_ts: shanghaiIso(new Date(a.last_ts).getTime()),
    event_count: a.event_count,
    archive_nos: a.archive_nos,
    score: a.score,
    reason_zh: a.reason_zh,
    reason_en: a.reason_en,
    status: a.status,
    waived_until: a.waived_until,
    evidence: a.evidence,
  };
}

export interface AnomalyDetail {
  anomaly: Anomaly;
  history: AnomalyEvent[];
  staff: StaffRow | undefined;
  /** The operator's risk score that day (sum over their counted anomalies). */
  risk: { score: number; anomaly_count: number } | undefined;
}

export async function getAnomalyDetail(db: Kysely<Database>, anomalyId: number): Promise<AnomalyDetail> {
  const anomaly = await db
    .selectFrom('anomalies')
    .selectAll()
    .where('anomaly_id', '=', anomalyId)
    .executeTakeFirst();
  if (!anomaly)
    throw new CustodianError('ANOMALY_NOT_FOUND', `anomaly ${anomalyId} does not exist`, { anomalyId });
  const [history, staff, risk] = await Promise.all([
    db
      .selectFrom('anomaly_events')
      .selectAll()
      .where('anomaly_id', '=', anomalyId)
      .orderBy('event_id')
      .execute(),
    db.selectFrom('staff').selectAll().where('operator_id', '=', anomaly.operator_id).executeTakeFirst(),
    db
      .selectFrom('operator_risk')
      .select(['score', 'anomaly_count'])
      .where('operator_id', '=', anomaly.operator_id)
      .where('day', '=', anomaly.day)
      .executeTakeFirst(),
  ]);
  return { anomaly, history, staff, risk };
}

export interface ResolveInput {
  actor: string;
  disposition: Disposition | string;
  note: string;
  /** For `waived`: the last day the waiver holds (repeats are suppressed until then). */
  waivedUntil?: string;
  /** Days a confirmed false positive suppresses repeats (configuration `falsePositiveDays`). */
  falsePositiveDays?: number;
}

/**
 * Records a disposition. Nothing is overwritten but the current status: the history gets an
 * entry, the audit trail too (both in the same transaction), and a false positive or a waiver
 * suppresses repeats of the operator's code until it expires, or until a later disposition of the
 * same anomaly replaces it. Throws `ANOMALY_NOT_FOUND`,
 * `DISPOSITION_INVALID` (unknown disposition, missing note, waiver without a future end date).
 */
export async function resolveAnomaly(
  db: Kysely<Database>,
  anomalyId: number,
  input: ResolveInput,
): Promise<Anomaly> {
  if (!(DISPOSITIONS as readonly string[]).includes(input.disposition))
    throw new CustodianError(
      'DISPOSITION_INVALID',
      `unknown disposition "${input.disposition}" (${DISPOSITIONS.join(', ')})`,
    );
  if (!input.note || input.note.trim() === '')
    throw new CustodianError('DISPOSITION_INVALID', 'a note is required / 必须填写说明');
  let until: string | null = null;
  if (input.disposition === 'waived') {
    if (!input.waivedUntil || Number.isNaN(dayNumberOf(input.waivedUntil)))
      throw new CustodianError('DISPOSITION_INVALID', 'a waiver needs --until YYYY-MM-DD (豁免须有截止日期)');
    until = input.waivedUntil;
  }
  return db.transaction().execute(async (trx) => {
    const a = await trx
      .selectFrom('anomalies')
      .selectAll()
      .where('anomaly_id', '=', anomalyId)
      .forUpdate()
      .executeTakeFirst();
    if (!a)
      throw new CustodianError('ANOMALY_NOT_FOUND', `anomaly ${anomalyId} does not exist`, { anomalyId });
    if (input.disposition === 'waived' && until! < a.day)
      throw new CustodianError(
        'DISPOSITION_INVALID',
        `a waiver until ${until} ends before the anomaly's day ${a.day}`,
      );
    if (input.disposition === 'false_positive')
      until = dayString(dayNumberOf(a.day) + (input.falsePositiveDays ?? 90));
    const updated = await trx
      .updateTable('anomalies')
      .set({
        status: input.disposition as Anomaly['status'],
        waived_until: input.disposition === 'waived' ? until : null,
        updated_at: sql`now()`,
      })
      .where('anomaly_id', '=', anomalyId)
      .returningAll()
      .executeTakeFirstOrThrow();
    const detail = { from: a.status, to: input.disposition, note: input.note, until };
    await trx
      .insertInto('anomaly_events')
      .values({
        anomaly_id: anomalyId,
        actor: input.actor,
        action: input.disposition,
        detail: JSON.stringify(detail),
      })
      .execute();
    // A disposition replaces the suppression the anomaly's earlier one made (the history above keeps
    // it): a false positive found real after all, or a waiver cut short, must stop hiding repeats.
    await trx.deleteFrom('anomaly_suppressions').where('anomaly_id', '=', anomalyId).execute();
    if (until !== null) {
      await trx
        .insertInto('anomaly_suppressions')
        .values({
          operator_id: a.operator_id,
          code: a.code,
          kind: input.disposition as 'false_positive' | 'waived',
          until,
          anomaly_id: anomalyId,
          actor: input.actor,
          note: input.note,
        })
        .execute();
    }
    await appendAuditTrail(trx, {
      actor: input.actor,
      action: `anomaly.${input.disposition}`,
      targetType: 'anomaly',
      targetId: String(anomalyId),
      detail: { code: a.code, operator_id: a.operator_id, day: a.day, ...detail },
    });
    await recomputeRisk(trx, [a.day]);
    return updated;
  });
}

/** The riskiest operator-days (for `run` output and the console). */
export async function topRisk(
  db: Kysely<Database>,
  opts: { days?: string[]; limit?: number } = {},
): Promise<
  { operator_id: string; day: string; score: number; anomaly_count: number; department: string | null }[]
> {
  let q = db
    .selectFrom('operator_risk as r')
    .leftJoin('staff as s', 's.operator_id', 'r.operator_id')
    .select(['r.operator_id', 'r.day', 'r.score', 'r.anomaly_count', 's.department']);
  if (opts.days && opts.days.length > 0) q = q.where('r.day', 'in', opts.days);
  return q
    .orderBy('r.score', 'desc')
    .orderBy('r.operator_id')
    .limit(opts.limit ?? 10)
    .execute();
}
