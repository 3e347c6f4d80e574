import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type CustodianContext, CustodianError, echoValue, shanghaiDate } from '@custodian/core';
import { loadAnomalies } from './data/anomalies.js';
import { findBatch, loadBatchData } from './data/batch.js';
import { loadManagementData } from './data/management.js';
import { loadRegulatoryData } from './data/regulatory.js';
import { loadRetentionSummary } from './data/retention.js';
import { periodLabel, shanghaiInstant } from './format.js';
import type { Lang } from './i18n.js';
import type { ReportDoc } from './model.js';
import { type ManifestEntry, relativePath, sha256File, updateManifest } from './output/manifest.js';
import {
  addDays,
  type Period,
  parsePeriod,
  periodContaining,
  periodSeries,
  previousPeriod,
} from './periods.js';
import { renderPdf } from './render/pdf-report.js';
import { renderProblemListXlsx } from './render/xlsx-problem-list.js';
import { renderXlsx } from './render/xlsx-report.js';
import { buildBatchDoc } from './reports/batch.js';
import { buildManagementDoc } from './reports/management.js';
import { buildProblemListDoc, loadProblemList } from './reports/problem-list.js';
import { buildRegulatoryDoc } from './reports/regulatory.js';
import { buildRetentionDoc } from './reports/retention.js';

/**
 * Builds one report as XLSX and PDF into `outDir/<kind>/`, records both in `outDir/manifest.json`
 * with their SHA-256, and returns what it wrote. The same data gives the same bytes: nothing in
 * either file depends on the wall clock (the generation time is the period's scheduled time).
 */
export const REPORT_KINDS = ['problem-list', 'batch', 'management', 'regulatory', 'retention'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export interface BuildReportOptions {
  kind: ReportKind | string;
  /** A period (`2026-11-21`, `2026-W47`, `2026-11`, `2026-Q4`); default depends on the kind (see `defaultPeriod`). */
  period?: string | Period | undefined;
  lang?: Lang | undefined;
  /** Default: config reports.outDir. */
  outDir?: string | undefined;
  /** `batch` only: the batch; default the latest finished one (of the period's day, when a day is given). */
  batchId?: number | undefined;
  /** The clock, for defaults and for "as of" of a period still running (tests pass a fixed one). */
  now?: Date | undefined;
  formats?: readonly ('xlsx' | 'pdf')[] | undefined;
}

export interface BuiltFile extends ManifestEntry {
  absolutePath: string;
}

export interface BuildReportResult {
  kind: ReportKind;
  period: string;
  lang: Lang;
  generatedAt: string;
  files: BuiltFile[];
  /** Data rows written to the workbook's main table(s), where counted (problem list). */
  rows?: number;
  seconds: number;
}

/** Trends compare the period with this many periods in all (itself and the five before). */
const TREND_PERIODS = 6;

function usage(message: string): CustodianError {
  return new CustodianError('USAGE', `${message} (see pnpm reports --help)`);
}

export function isReportKind(kind: string): kind is ReportKind {
  return (REPORT_KINDS as readonly string[]).includes(kind);
}

/**
 * Default period of a kind at `now`: the problem list of today (or the next working day); the
 * last complete month for management and retention; the last complete quarter for the regulator.
 */
export function defaultPeriod(ctx: CustodianContext, kind: ReportKind, now: Date): Period {
  const today = shanghaiDate(now);
  switch (kind) {
    case 'problem-list':
    case 'batch':
      return periodContaining('day', ctx.calendar.firstWorkingDayOnOrAfter(today));
    case 'regulatory':
      return previousPeriod(periodContaining('quarter', today));
    default:
      return previousPeriod(periodContaining('month', today));
  }
}

/** When the scheduler builds the report of a period: its first working day's morning, or the morning after it. */
export function scheduledTime(ctx: CustodianContext, kind: ReportKind, period: Period): Date {
  const day =
    kind === 'problem-list' ? period.from : ctx.calendar.firstWorkingDayOnOrAfter(addDays(period.to, 1));
  return shanghaiInstant(day, ctx.config.reports.morningAt);
}

function checkPeriodKind(kind: ReportKind, period: Period): void {
  const allowed: Record<ReportKind, Period['kind'][]> = {
    'problem-list': ['day'],
    batch: ['day'],
    management: ['week', 'month', 'quarter'],
    regulatory: ['quarter'],
    retention: ['day', 'week', 'month', 'quarter'],
  };
  if (!allowed[kind].includes(period.kind)) {
    const kinds = allowed[kind];
    const list =
      kinds.length > 1 ? `${kinds.slice(0, -1).join(', ')} or ${kinds[kinds.length - 1]}` : kinds[0];
    throw usage(`${kind} takes a period of a ${list}, not "${period.key}"`);
  }
}

export async function buildReport(
  ctx: CustodianContext,
  opts: BuildReportOptions,
): Promise<BuildReportResult> {
  const started = performance.now();
  if (!isReportKind(opts.kind))
    throw usage(`unknown report kind ${echoValue(opts.kind)} (${REPORT_KINDS.join(', ')})`);
  const kind = opts.kind;
  const lang: Lang = opts.lang ?? 'zh';
  if (lang !== 'zh' && lang !== 'en') throw usage(`--lang must be zh or en, not ${echoValue(String(lang))}`);
  const now = opts.now ?? new Date();
  const db = ctx.storage.db;
  let period =
    opts.period === undefined
      ? defaultPeriod(ctx, kind, now)
      : typeof opts.period === 'string'
        ? parsePeriod(opts.period)
        : opts.period;
  checkPeriodKind(kind, period);
  const outDir = resolve(opts.outDir ?? ctx.config.reports.outDir);
  const formats = opts.formats ?? ['xlsx', 'pdf'];

  let doc: ReportDoc;
  let stem: string;
  let writeXlsx: ((file: string) => Promise<number | undefined>) | undefined;
  let layout: 'portrait' | 'landscape' = 'portrait';
  const base = (p: Period, generatedAt: Date) => ({
    lang,
    period: p,
    periodLabel: periodLabel(p, lang),
    generatedAt,
  });

  switch (kind) {
    case 'problem-list': {
      const data = await loadProblemList(db, period);
      doc = buildProblemListDoc(db, data, base(period, scheduledTime(ctx, kind, period)));
      stem = `problem-list_${period.key}_${lang}`;
      layout = 'landscape';
      const d = doc;
      writeXlsx = async (file) => (await renderProblemListXlsx(db, ctx.keyring, data, d, file)).rows;
      break;
    }
    case 'batch': {
      let batchId = opts.batchId;
      if (batchId === undefined && opts.period !== undefined) {
        const b = await db
          .selectFrom('batches')
          .select('batch_id')
          .where('ingested_on', '=', period.from)
          .where('status', '=', 'done')
          .orderBy('batch_id', 'desc')
          .executeTakeFirst();
        if (!b) throw new CustodianError('NOT_FOUND', `no finished batch was ingested on ${period.from}`);
        batchId = b.batch_id;
      }
      const batch = await findBatch(db, batchId);
      period = periodContaining('day', batch.ingested_on);
      const data = await loadBatchData(db, batch);
      doc = buildBatchDoc(data, base(period, scheduledTime(ctx, kind, period)));
      stem = `batch_${batch.batch_id}_${lang}`;
      break;
    }
    case 'management': {
      const periods = periodSeries(period, TREND_PERIODS);
      const [data, anomalies] = await Promise.all([
        loadManagementData(db, periods, now),
        loadAnomalies(db, period),
      ]);
      doc = buildManagementDoc(data, anomalies, base(period, scheduledTime(ctx, kind, period)));
      stem = `management_${period.key}_${lang}`;
      break;
    }
    case 'regulatory': {
      const data = await loadRegulatoryData(db, period);
      doc = buildRegulatoryDoc(db, data, base(period, scheduledTime(ctx, kind, period)));
      stem = `regulatory_${period.key}_${lang}`;
      break;
    }
    case 'retention': {
      const data = await loadRetentionSummary(db, period);
      doc = buildRetentionDoc(db, data, base(period, scheduledTime(ctx, kind, period)));
      stem = `retention_${period.key}_${lang}`;
      break;
    }
  }

  const folder = join(outDir, kind);
  mkdirSync(folder, { recursive: true });
  const files: BuiltFile[] = [];
  let rows: number | undefined;
  for (const format of formats) {
    const target = join(folder, `${stem}.${format}`);
    // Written beside the target and renamed when complete: a reader never sees half a report.
    const partial = `${target}.partial`;
    try {
      if (format === 'xlsx') {
        if (writeXlsx) rows = await writeXlsx(partial);
        else await renderXlsx(doc, partial);
      } else {
        await renderPdf(doc, partial, layout);
      }
      renameSync(partial, target);
    } catch (err) {
      rmSync(partial, { force: true });
      throw err;
    }
    const { sha256, bytes } = await sha256File(target);
    files.push({
      absolutePath: target,
      path: relativePath(outDir, target),
      kind,
      period: period.key,
      lang,
      format,
      bytes,
      sha256,
      generatedAt: doc.generatedAt.toISOString(),
    });
  }
  updateManifest(
    outDir,
    files.map(({ absolutePath: _a, ...entry }) => entry),
  );
  return {
    kind,
    period: period.key,
    lang,
    generatedAt: doc.generatedAt.toISOString(),
    files,
    ...(rows !== undefined ? { rows } : {}),
    seconds: (performance.now() - started) / 1000,
  };
}
