import { once } from 'node:events';
import type { WriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  type CliOutput,
  type CustodianContext,
  echoValue,
  historyLines,
  idArgument,
  integerOption,
  openExportFile,
  reportCliError,
  summaryBesideRows,
  textOption,
  userPath,
  writeOutput,
} from '@custodian/core';
import { COMMON_OPTIONS, usageError } from '../cli-options.js';
import { auditorConfig } from '../config.js';
import { anomalyTable } from '../report/anomaly-table.js';
import {
  type AnomalyFilters,
  getAnomalyDetail,
  iterateAnomalies,
  listAnomalies,
  resolveAnomaly,
  toAnomalyExport,
} from '../store/anomalies-repo.js';

const FILTER_OPTIONS = {
  code: { type: 'string' },
  severity: { type: 'string' },
  status: { type: 'string' },
  operator: { type: 'string' },
  department: { type: 'string' },
  branch: { type: 'string' },
  day: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  'min-score': { type: 'string' },
  limit: { type: 'string' },
  offset: { type: 'string' },
  order: { type: 'string' },
} as const;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function filtersOf(v: Record<string, unknown>): AnomalyFilters {
  const s = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const f: AnomalyFilters = {};
  if (s('code')) f.code = s('code')!;
  if (s('severity')) f.severity = s('severity')!;
  if (s('status')) f.status = s('status')!;
  if (s('operator')) f.operatorId = s('operator')!;
  if (s('department')) f.department = s('department')!;
  if (s('branch')) f.branch = s('branch')!;
  for (const [k, key] of [
    ['day', 'day'],
    ['from', 'dayFrom'],
    ['to', 'dayTo'],
  ] as const) {
    const val = s(k);
    if (val) {
      if (!DATE.test(val)) throw usageError(`--${k} must be YYYY-MM-DD, got ${echoValue(val)}`);
      f[key] = val;
    }
  }
  if (s('min-score')) {
    const n = Number(s('min-score'));
    if (!Number.isFinite(n))
      throw usageError(`--min-score must be a number, got ${echoValue(s('min-score')!)}`);
    f.minScore = n;
  }
  return f;
}

function anomalyId(positionals: string[]): number {
  if (positionals.length > 2) throw usageError(`unexpected argument ${echoValue(positionals[2]!)}`);
  return idArgument(`anomalies ${positionals[0]} needs an anomaly id`, positionals[1]);
}

/** `anomalies export`: JSON Lines to `--out` or stdout, from the `--offset`-th and at most `--limit`. */
async function exportAnomalies(
  db: CustodianContext['storage']['db'],
  values: Record<string, unknown>,
  out: CliOutput,
  positionals: string[],
): Promise<number> {
  if (positionals.length > 1) throw usageError(`unexpected argument ${echoValue(positionals[1]!)}`);
  const typedOut = textOption('out', values.out as string | undefined, 'a file name');
  const outFile = typedOut === undefined ? undefined : userPath(typedOut);
  const filters = filtersOf(values);
  // No upper bound: an export is not a page.
  const limit = integerOption('limit', values.limit as string | undefined, { min: 1 });
  const offset = integerOption('offset', values.offset as string | undefined, { min: 0 });
  const target = outFile ? await openExportFile(outFile) : process.stdout;
  let n = 0;
  for await (const a of iterateAnomalies(db, filters, {
    ...(limit !== undefined ? { limit } : {}),
    ...(offset !== undefined ? { offset } : {}),
  })) {
    // false: the reader of stdout has gone (`| head`): stop reading anomalies for nobody.
    if (!(await writeOutput(target, `${JSON.stringify(toAnomalyExport(a))}\n`))) break;
    n++;
  }
  if (outFile) {
    (target as WriteStream).end();
    await once(target, 'finish');
    out.note(`${n} anomalies written to ${outFile}`);
  }
  out.result({ ok: true, anomalies: n, out: outFile ?? null });
  return 0;
}

export async function runAnomaliesCommand(
  ctx: CustodianContext,
  argv: string[],
  out: CliOutput,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      ...FILTER_OPTIONS,
      out: { type: 'string' },
      disposition: { type: 'string' },
      note: { type: 'string' },
      until: { type: 'string' },
    },
  });
  const sub = positionals[0];
  const db = ctx.storage.db;
  switch (sub) {
    case 'list': {
      const order = values.order as 'score' | 'day' | 'anomaly_id' | undefined;
      if (order && !['score', 'day', 'anomaly_id'].includes(order))
        throw usageError('--order is score, day or anomaly_id');
      const page = await listAnomalies(db, filtersOf(values), {
        limit: integerOption('limit', values.limit, { min: 1, max: 1000 }) ?? 50,
        offset: integerOption('offset', values.offset, { min: 0 }) ?? 0,
        ...(order ? { order } : {}),
      });
      for (const l of anomalyTable(page.anomalies)) out.say(l);
      out.say(`${page.anomalies.length} of ${page.total} anomalies`);
      out.result({ ok: true, total: page.total, anomalies: page.anomalies.map(toAnomalyExport) });
      return 0;
    }
    case 'export': {
      // Without --out the anomalies are stdout: the --json summary (or error) goes to stderr.
      const summaryOut = summaryBesideRows(out, !values.out);
      try {
        return await exportAnomalies(db, values, summaryOut, positionals);
      } catch (err) {
        return reportCliError(err, summaryOut);
      }
    }
    case 'show': {
      const d = await getAnomalyDetail(db, anomalyId(positionals));
      const a = d.anomaly;
      out.say(
        `anomaly #${a.anomaly_id}  ${a.code} [${a.severity}]  status ${a.status}${a.waived_until ? ` until ${a.waived_until}` : ''}  score ${a.score}`,
      );
      out.say(`  ${a.reason_zh}`);
      out.say(`  ${a.reason_en}`);
      out.say(
        `  operator ${a.operator_id} (${d.staff?.name_masked ?? '-'}, ${a.department ?? '-'}, ${a.branch ?? '-'}, clearance ${d.staff?.clearance ?? '-'}, ${d.staff?.status ?? 'not in directory'}), day ${a.day}, risk that day ${d.risk?.score ?? 0}`,
      );
      out.say(`  archives: ${a.archive_nos.join(', ') || '-'}`);
      const ev = a.evidence as { findings?: unknown; facts?: unknown; events?: Record<string, unknown>[] };
      out.say(`  findings: ${JSON.stringify(ev.findings ?? {})}  facts: ${JSON.stringify(ev.facts ?? {})}`);
      out.say('  evidence (first events, masked):');
      for (const e of ev.events ?? [])
        out.say(
          `    ${e['ts']} ${e['action']} ${e['archive_no'] ?? '-'} x${e['record_count']} ${e['approval_id'] ?? ''} ${e['client_ip'] ?? ''} ${e['result']} ${e['finding'] ?? ''} (${e['source']}:${e['line']})`,
        );
      out.say('  history (Beijing time):');
      for (const h of d.history) for (const line of historyLines(h)) out.say(`    ${line}`);
      out.result({
        ok: true,
        anomaly: toAnomalyExport(a),
        history: d.history,
        staff: d.staff ?? null,
        risk: d.risk ?? null,
      });
      return 0;
    }
    case 'resolve': {
      if (!values.disposition)
        throw usageError('anomalies resolve needs --disposition confirmed|false_positive|waived');
      if (values.until && !DATE.test(values.until)) throw usageError('--until must be YYYY-MM-DD');
      const a = await resolveAnomaly(db, anomalyId(positionals), {
        actor: ctx.config.actor,
        disposition: values.disposition,
        note: values.note ?? '',
        ...(values.until ? { waivedUntil: values.until } : {}),
        falsePositiveDays: auditorConfig(ctx).falsePositiveDays,
      });
      out.say(`anomaly #${a.anomaly_id} ${a.status}${a.waived_until ? ` until ${a.waived_until}` : ''}`);
      out.result({ ok: true, anomaly: toAnomalyExport(a) });
      return 0;
    }
    default:
      throw usageError(`unknown anomalies command ${echoValue(sub ?? '')} (list, export, show, resolve)`);
  }
}
