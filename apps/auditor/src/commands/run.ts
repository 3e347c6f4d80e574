import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { type CliOutput, type CustodianContext, userPath } from '@custodian/core';
import { COMMON_OPTIONS, usageError } from '../cli-options.js';
import { anomalyTable, riskTable } from '../report/anomaly-table.js';
import { type RunAuditSummary, runAudit } from '../run-audit.js';

export async function runAuditCommand(
  ctx: CustodianContext,
  argv: string[],
  out: CliOutput,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      staff: { type: 'string' },
      approvals: { type: 'string' },
      records: { type: 'string' },
      'as-of': { type: 'string' },
      force: { type: 'boolean' },
      'no-trail': { type: 'boolean' },
      workers: { type: 'string' },
    },
  });
  // Paths as typed, from the folder they were typed in (see `userPath`).
  const files = positionals.map((f) => userPath(f));
  if (files.length === 0 && !values.staff)
    throw usageError('run needs log files (and --staff/--approvals the first time)');
  if (values.workers !== undefined && !['0', '1'].includes(values.workers))
    throw usageError('--workers is 0 or 1');
  const started = Date.now();
  const summary = await runAudit(ctx, {
    files,
    ...(values.staff ? { staffFile: userPath(values.staff) } : {}),
    ...(values.approvals ? { approvalsFile: userPath(values.approvals) } : {}),
    ...(values.records ? { recordsFile: userPath(values.records) } : {}),
    ...(values['as-of'] ? { asOf: values['as-of'] } : {}),
    ...(values.force ? { force: true } : {}),
    ...(values['no-trail'] ? { includeTrail: false } : {}),
    ...(values.workers !== undefined ? { workers: Number(values.workers) } : {}),
    onProgress: (n) => {
      const secs = (Date.now() - started) / 1000;
      out.progress(
        `${n.toLocaleString('en')} events audited (${Math.round(n / Math.max(secs, 0.001)).toLocaleString('en')} events/s)`,
      );
    },
  });
  if (!summary) {
    out.note('another audit is running (advisory lock held): nothing done');
    out.result({ ok: false, locked: true });
    return 3;
  }
  printSummary(summary, out);
  out.result({
    ok: true,
    ...summary,
    top: summary.top.map((a) => ({
      anomaly_id: a.anomaly_id,
      code: a.code,
      operator_id: a.operator_id,
      day: a.day,
      score: a.score,
    })),
  });
  return 0;
}

export function printSummary(s: RunAuditSummary, out: CliOutput): void {
  if (s.staff.loaded || s.staff.rejected.length)
    out.say(`staff: ${s.staff.loaded} loaded, ${s.staff.rejected.length} rejected`);
  for (const r of s.staff.rejected.slice(0, 10)) out.say(`  staff line ${r.line}: ${r.reason}`);
  if (s.approvals.loaded || s.approvals.rejected.length)
    out.say(`approvals: ${s.approvals.loaded} loaded, ${s.approvals.rejected.length} rejected`);
  for (const r of s.approvals.rejected.slice(0, 10)) out.say(`  approvals line ${r.line}: ${r.reason}`);
  for (const f of s.files) {
    if (f.status === 'skipped')
      out.say(`${basename(f.file)}: skipped, already audited (--force to audit again)`);
    else
      out.say(
        `${basename(f.file)}: ${f.events.toLocaleString('en')} events (${f.format}${f.gzip ? ', gzip' : ''}), ${f.bad} bad line(s)`,
      );
    for (const b of f.badSample.slice(0, 5)) out.say(`  line ${b.line}: ${b.reason}`);
  }
  if (s.trailEvents) out.say(`audit trail: ${s.trailEvents} reveal event(s) audited as views`);
  if (s.unknownOperators.length)
    out.say(
      `operators not in the staff directory: ${s.unknownOperators.slice(0, 10).join(', ')}${s.unknownOperators.length > 10 ? ' …' : ''}`,
    );
  const codes = Object.entries(s.anomalies.byCode)
    .sort((a, b) => b[1] - a[1])
    .map(([c, n]) => `${c} ${n}`)
    .join(', ');
  out.say(
    `total: ${s.events.toLocaleString('en')} events in ${s.seconds.toFixed(1)} s (${s.eventsPerSecond.toLocaleString('en')} events/s); ` +
      `anomalies ${s.anomalies.raised} new, ${s.anomalies.merged} merged, ${s.anomalies.suppressed} suppressed`,
  );
  if (codes) out.say(`  by code: ${codes}`);
  if (s.top.length) {
    out.say('\ntop anomalies:');
    for (const l of anomalyTable(s.top)) out.say(`  ${l}`);
  }
  if (s.risk.length) {
    out.say("\nriskiest operators (sum of the day's anomaly scores):");
    for (const l of riskTable(s.risk)) out.say(`  ${l}`);
  }
}
