/**
 * Bench of the access-log auditor (issue 4): generates a month of logs for N staff with misuse
 * injected (cached between runs), then audits them and prints events per second, peak memory and
 * detection figures (recall per code on the injected cases, false alarms per 1,000 staff-days).
 * It prints figures; it asserts nothing.
 *
 *   npx tsx --conditions=custodian-source bench/auditor/run.ts [--events N] [--staff N] [--gzip]
 *        [--workers 0|1] [--dir <cache>] [--regen]
 *
 * Generation runs in a child process so that the peak memory printed is the audit's own.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { auditFiles } from '../../apps/auditor/src/audit-files.js';
import { auditorConfigSchema } from '../../apps/auditor/src/config.js';
import { ANOMALY_CODES } from '../../apps/auditor/src/detect/codes.js';
import { readApprovalsFile, readStaffFile } from '../../apps/auditor/src/input/master-data.js';
import { loadRecordDirectoryFromFile } from '../../apps/auditor/src/input/record-file.js';
import { type SampleLogFiles, writeSampleLogs } from '../../apps/auditor/src/sample/write-sample-logs.js';
import { bundledWorkingDays } from '../../apps/auditor/src/working-days.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '10000000' },
    staff: { type: 'string', default: '2000' },
    gzip: { type: 'boolean', default: false },
    workers: { type: 'string', default: '1' },
    dir: { type: 'string' },
    regen: { type: 'boolean', default: false },
    generate: { type: 'boolean', default: false },
  },
});
const events = Number(values.events);
const staff = Number(values.staff);
const dir = values.dir ?? `/tmp/custodian-bench-auditor/${staff}-${events}${values.gzip ? '-gz' : ''}`;
const manifest = join(dir, 'manifest.json');

if (values.generate) {
  const files = await writeSampleLogs(dir, {
    staff,
    events,
    gzip: values.gzip,
    archives: 1_000_000,
    seed: 4,
  });
  writeFileSync(manifest, JSON.stringify(files));
  process.exit(0);
}

if (values.regen || !existsSync(manifest)) {
  if (existsSync(dir)) rmSync(dir, { recursive: true });
  const t = Date.now();
  process.stderr.write(`generating ${events.toLocaleString('en')} events for ${staff} staff into ${dir} …\n`);
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, process.argv[1]!, ...process.argv.slice(2), '--generate', '--dir', dir],
    {
      stdio: 'inherit',
    },
  );
  if (r.status !== 0) process.exit(r.status ?? 1);
  process.stderr.write(`generated in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
}
const files = JSON.parse(readFileSync(manifest, 'utf8')) as SampleLogFiles;

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);
/**
 * CPU seconds of the main (detection) thread, from /proc (Linux): beside the process total it
 * shows how much the parser thread used, which on a machine shared with others says more about
 * the code than the wall clock does.
 */
function mainThreadCpu(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}
const processCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const config = auditorConfigSchema.parse({ workers: Number(values.workers) });
const isWorkingDay = bundledWorkingDays();
const started = Date.now();
const { staff: staffRows } = await readStaffFile(files.staffFile);
const { approvals } = await readApprovalsFile(files.approvalsFile);
const records = await loadRecordDirectoryFromFile(files.recordsFile, true);
const loaded = Date.now();
const cpu0 = processCpu();
const main0 = mainThreadCpu();
const result = await auditFiles({
  config,
  isWorkingDay,
  staff: staffRows,
  approvals,
  records,
  files: files.logFiles,
  onProgress: (n) =>
    process.stderr.write(
      `  ${n.toLocaleString('en')} events, ${((Date.now() - loaded) / 1000).toFixed(1)} s\r`,
    ),
});
const done = Date.now();
const cpuTotal = processCpu() - cpu0;
const cpuMain = mainThreadCpu() - main0;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);

const seconds = (done - loaded) / 1000;
const found = new Set(result.drafts.map((d) => d.key));
const labelled = new Set(files.labels.map((l) => `${l.operator_id}|${l.day}`));
const staffDays = result.daily.length;
console.log(
  `\nauditor bench: ${result.stats.events.toLocaleString('en')} events, ${files.staff} staff, ${files.days.length} days, ${files.archives.toLocaleString('en')} records${values.gzip ? ', gzip' : ''}, workers ${config.workers}`,
);
console.log(
  `  load staff/approvals/records: ${((loaded - started) / 1000).toFixed(1)} s (${staffRows.length} staff, ${approvals.length} approvals, ${records.size.toLocaleString('en')} records)`,
);
console.log(
  `  audit: ${seconds.toFixed(1)} s, ${Math.round(result.stats.events / seconds).toLocaleString('en')} events/s`,
);
console.log(
  `  CPU: ${cpuTotal.toFixed(1)} s in all (main thread ${cpuMain.toFixed(1)} s, other threads ${(cpuTotal - cpuMain).toFixed(1)} s); load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`,
);
console.log(`  peak RSS: ${(peakRss / 1024 / 1024).toFixed(0)} MiB`);
console.log(
  `  bad lines: ${result.files.reduce((a, f) => a + f.bad, 0)}, late events: ${result.stats.lateEvents}, staff-days: ${staffDays.toLocaleString('en')}`,
);
console.log(
  '\n  code                        injected  found  recall   raised  false alarms  per 1,000 staff-days',
);
let allFound = true;
for (const code of ANOMALY_CODES) {
  const inj = files.labels.filter((l) => l.code === code);
  const hit = inj.filter((l) => found.has(`${l.operator_id}|${code}|${l.day}`));
  if (hit.length < inj.length) allFound = false;
  const raised = result.drafts.filter((d) => d.code === code);
  const falseAlarms = raised.filter((d) => !labelled.has(`${d.operatorId}|${d.day}`));
  console.log(
    `  ${code.padEnd(27)} ${String(inj.length).padStart(8)} ${String(hit.length).padStart(6)} ${(inj.length ? ((100 * hit.length) / inj.length).toFixed(0) + '%' : '-').padStart(7)} ${String(raised.length).padStart(8)} ${String(falseAlarms.length).padStart(13)} ${((1000 * falseAlarms.length) / Math.max(1, staffDays)).toFixed(2).padStart(21)}`,
  );
}
const totalFalse = result.drafts.filter((d) => !labelled.has(`${d.operatorId}|${d.day}`)).length;
console.log(
  `\n  every injected case found: ${allFound ? 'yes' : 'NO'}; false alarms: ${totalFalse} (${((1000 * totalFalse) / Math.max(1, staffDays)).toFixed(2)} per 1,000 staff-days)`,
);
const missed = files.labels.filter((l) => !found.has(`${l.operator_id}|${l.code}|${l.day}`));
for (const m of missed.slice(0, 20)) console.log(`  missed: ${m.code} ${m.operator_id} ${m.day} (${m.note})`);
const falseSample = result.drafts.filter((d) => !labelled.has(`${d.operatorId}|${d.day}`)).slice(0, 10);
for (const d of falseSample)
  console.log(
    `  false alarm: ${d.code} ${d.operatorId} ${d.day} events ${d.eventCount} ${JSON.stringify(d.facts).slice(0, 160)}`,
  );
