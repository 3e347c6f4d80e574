import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import {
  type Anomaly,
  appendAuditTrail,
  type CustodianContext,
  CustodianError,
  type Storage,
  withAdvisoryLock,
} from '@custodian/core';
import { auditFiles } from './audit-files.js';
import { type AuditorConfig, auditorConfig } from './config.js';
import type { AnomalyCode } from './detect/codes.js';
import { RecordDirectory } from './detect/record-directory.js';
import type { LogFileStats } from './input/log-reader.js';
import { type Rejected, readApprovalsFile, readStaffFile } from './input/master-data.js';
import { loadRecordDirectoryFromFile } from './input/record-file.js';
import { parseTimestamp } from './input/timestamp.js';
import { loadTrailEvents } from './input/trail-events.js';
import { recomputeRisk, saveDrafts, topRisk } from './store/anomalies-repo.js';
import {
  auditedFingerprints,
  fingerprintFile,
  getState,
  loadHistory,
  loadOpenLoans,
  loadRecordDirectory,
  markAudited,
  saveDaily,
  saveLoans,
  setState,
} from './store/audit-state-repo.js';
import {
  addApprovalUsage,
  loadApprovals,
  loadStaff,
  saveApprovals,
  saveStaff,
} from './store/master-data-repo.js';

/**
 * One audit run (`auditor run` and the nightly job), under the `auditor` advisory lock: loads the
 * staff directory and approvals (files given replace the stored rows they name), the record
 * directory (the archive's customers, plus an optional exported list), streams every log file not
 * audited before plus the audit trail's new rows through the detection engine, and stores
 * anomalies, daily counts, loans, quota use and risk scores. Returns undefined when another run
 * holds the lock.
 */
export interface RunAuditInput {
  /** Access logs (JSON Lines or CSV, gzip or not). */
  files: string[];
  staffFile?: string;
  approvalsFile?: string;
  /** Record directory of the archive system (`archive_no, branch, secrecy_level`), beyond Custodian's own customers. */
  recordsFile?: string;
  /** Audit time for loans still open (default: the last event audited). */
  asOf?: string | Date;
  /** Re-audit files already audited (their counts are added again). */
  force?: boolean;
  /** Audit Custodian's own audit trail too (default true). */
  includeTrail?: boolean;
  workers?: number;
  onProgress?: (events: number) => void;
}

export interface RunAuditSummary {
  staff: { loaded: number; rejected: Rejected[] };
  approvals: { loaded: number; rejected: Rejected[] };
  records: number;
  files: (LogFileStats & { status: 'audited' | 'skipped' })[];
  trailEvents: number;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  anomalies: {
    raised: number;
    merged: number;
    suppressed: number;
    byCode: Partial<Record<AnomalyCode, number>>;
  };
  unknownOperators: string[];
  lateEvents: number;
  top: Anomaly[];
  risk: {
    operator_id: string;
    day: string;
    score: number;
    anomaly_count: number;
    department: string | null;
  }[];
}

export const AUDITOR_LOCK = 'auditor';

/**
 * The advisory lock of audit runs over one database schema. PostgreSQL's advisory locks are
 * database-wide while the auditor's state lives in a schema: without the schema in the name, an
 * audit in one schema (each test file has its own) would refuse to run while another schema's ran.
 */
export function auditorLockName(storage: Pick<Storage, 'schema'>): string {
  return storage.schema ? `${AUDITOR_LOCK}:${storage.schema}` : AUDITOR_LOCK;
}
const TRAIL_CURSOR = 'audit_trail_seq';

export async function runAudit(
  ctx: CustodianContext,
  input: RunAuditInput,
): Promise<RunAuditSummary | undefined> {
  for (const f of [...input.files, input.staffFile, input.approvalsFile, input.recordsFile]) {
    if (f && !existsSync(f)) throw new CustodianError('FILE_NOT_FOUND', `file not found: ${f}`, { file: f });
  }
  const locked = await withAdvisoryLock(ctx.storage, auditorLockName(ctx.storage), () =>
    runLocked(ctx, auditorConfig(ctx), input),
  );
  return locked.acquired ? locked.result : undefined;
}

async function runLocked(
  ctx: CustodianContext,
  cfg: AuditorConfig,
  input: RunAuditInput,
): Promise<RunAuditSummary> {
  const started = Date.now();
  const db = ctx.storage.db;
  const staffLoad = input.staffFile ? await readStaffFile(input.staffFile) : { staff: [], rejected: [] };
  if (staffLoad.staff.length) await saveStaff(db, staffLoad.staff);
  const approvalLoad = input.approvalsFile
    ? await readApprovalsFile(input.approvalsFile)
    : { approvals: [], rejected: [] };
  if (approvalLoad.approvals.length) await saveApprovals(db, approvalLoad.approvals);
  const staff = await loadStaff(db);
  const approvals = await loadApprovals(db);

  const fingerprints = await Promise.all(input.files.map(fingerprintFile));
  const done = input.force ? new Set<string>() : await auditedFingerprints(db, fingerprints);
  const toAudit = input.files.filter((_, i) => !done.has(fingerprints[i]!));

  const trail =
    input.includeTrail === false
      ? { events: [], lastSeq: 0 }
      : await loadTrailEvents(db, Number((await getState(db, TRAIL_CURSOR)) ?? 0), cfg.trailActions);

  const withBranches =
    staff.some((s) => s.status === 'transferred') ||
    approvals.some((a) => a.scope.toLowerCase().startsWith('branch:'));
  const records = await loadRecordDirectory(db, withBranches, new RecordDirectory());
  if (input.recordsFile) await loadRecordDirectoryFromFile(input.recordsFile, withBranches, records);

  const asOf =
    input.asOf === undefined
      ? undefined
      : input.asOf instanceof Date
        ? input.asOf.getTime()
        : parseTimestamp(input.asOf);
  const result = await auditFiles({
    config: cfg,
    isWorkingDay: (d) => ctx.calendar.isWorkingDay(d),
    staff,
    approvals,
    records,
    history: await loadHistory(db, cfg.volume.historyDays),
    openLoans: await loadOpenLoans(db),
    files: toAudit,
    ...(trail.events.length ? { extra: { label: 'audit_trail', events: trail.events } } : {}),
    ...(asOf !== undefined && !Number.isNaN(asOf) ? { asOf } : {}),
    workers: input.workers ?? (toAudit.length > 0 ? cfg.workers : 0),
    ...(input.onProgress ? { onProgress: input.onProgress } : {}),
  });

  const staffMap = new Map(staff.map((s) => [s.operator_id, s]));
  const saved = await saveDrafts(db, result.drafts, staffMap, {
    actor: ctx.config.actor,
    weights: cfg.weights,
    evidenceEvents: cfg.evidenceEvents,
    evidenceArchives: cfg.evidenceArchives,
  });
  await saveDaily(db, result.daily);
  await saveLoans(db, result.openLoans, result.closedStoredLoans);
  await addApprovalUsage(db, result.approvalUsage);
  await recomputeRisk(db, saved.days);
  const statsByFile = new Map(result.files.map((f) => [f.file, f]));
  await markAudited(
    db,
    toAudit.map((file) => ({
      fingerprint: fingerprints[input.files.indexOf(file)]!,
      file: basename(file),
      events: statsByFile.get(file)?.events ?? 0,
    })),
  );
  if (trail.lastSeq > 0) await setState(db, TRAIL_CURSOR, String(trail.lastSeq));

  const byCode: Partial<Record<AnomalyCode, number>> = {};
  for (const d of result.drafts) byCode[d.code] = (byCode[d.code] ?? 0) + 1;
  const seconds = (Date.now() - started) / 1000;
  const files = input.files.map((file) => {
    const s = statsByFile.get(file);
    return s
      ? { ...s, status: 'audited' as const }
      : {
          file,
          format: 'jsonl' as const,
          gzip: false,
          lines: 0,
          events: 0,
          bad: 0,
          badSample: [],
          status: 'skipped' as const,
        };
  });
  await appendAuditTrail(db, {
    actor: ctx.config.actor,
    action: 'auditor.run',
    targetType: 'audit',
    detail: {
      files: files.map((f) => ({ file: basename(f.file), status: f.status, events: f.events, bad: f.bad })),
      events: result.stats.events,
      raised: saved.inserted,
      merged: saved.merged,
      suppressed: saved.suppressed,
    },
  });
  const top =
    saved.keys.length === 0
      ? []
      : await db
          .selectFrom('anomalies')
          .selectAll()
          .where('group_key', 'in', saved.keys.slice(0, 5000))
          .where('status', 'in', ['open', 'confirmed'])
          .orderBy('score', 'desc')
          .orderBy('anomaly_id')
          .limit(15)
          .execute();
  return {
    staff: { loaded: staffLoad.staff.length, rejected: staffLoad.rejected },
    approvals: { loaded: approvalLoad.approvals.length, rejected: approvalLoad.rejected },
    records: records.size,
    files,
    trailEvents: trail.events.length,
    events: result.stats.events,
    seconds,
    eventsPerSecond: Math.round(result.stats.events / Math.max(seconds, 0.001)),
    anomalies: { raised: saved.inserted, merged: saved.merged, suppressed: saved.suppressed, byCode },
    unknownOperators: result.stats.unknownOperators,
    lateEvents: result.stats.lateEvents,
    top,
    risk: await topRisk(db, { days: saved.days, limit: 10 }),
  };
}
