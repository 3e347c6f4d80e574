import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { anomalyTable, riskTable, runAudit, writeSampleLogs } from '@custodian/auditor';
import {
  type CliOutput,
  type CustodianContext,
  createOutput,
  integerOption,
  loadConfig,
  openCustodian,
  reportCliError,
  shanghaiDate,
} from '@custodian/core';
import { isNegativeLabel, writeSampleFiles } from '@custodian/sample-data';
import { runIngest } from './run-ingest.js';

const HELP = `Usage: pnpm demo [--customers N] [--seed N] [--json]

Generates a realistic sample (customers with injected, labelled defects, agents, complaints)
into ./.custodian/demo, ingests it into the database (embedded unless DATABASE_URL is set),
and prints what was found next to what was injected. Running it again ingests nothing new
(same files, same SHA-256); use another --seed for another night.
`;

/**
 * The demo: one night of the real pipeline on generated data, with the answer key beside the
 * result, so a new user sees in one command what Custodian finds and how well.
 */
async function main(argv: string[]): Promise<number> {
  // Before parsing, so that a bad option is reported as usage (exit 2) in the format asked for.
  const out = createOutput(argv.includes('--json'));
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        customers: { type: 'string' },
        seed: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const config = loadConfig();
    const customers = integerOption('customers', values.customers, { min: 1, max: 10_000_000 }) ?? 5000;
    const seed = integerOption('seed', values.seed, { min: 0, max: 2 ** 31 - 1 }) ?? 1;
    const today = shanghaiDate(new Date());
    const dir = join(config.dataDir, '..', 'demo', `seed-${seed}`);
    out.note(`generating ${customers} customers (seed ${seed}) into ${dir} …`);
    const files = await writeSampleFiles(dir, {
      customers,
      seed,
      defectRate: 0.05,
      idPrefix: `S${seed}-`,
      batchDate: today,
      signDateFrom: '2025-11-01',
      signDateTo: '2026-11-01',
    });
    const ctx = await openCustodian(config);
    try {
      for (const w of ctx.warnings) out.note(`warning: ${w}`);
      out.note(`database: ${ctx.storage.kind} (${ctx.storage.location})`);
      const started = Date.now();
      const summary = await runIngest(ctx, {
        files: [files.customersFile],
        agentsFile: files.agentsFile,
        complaintsFile: files.complaintsFile,
        date: today,
        onProgress: (p) =>
          out.progress(`ingesting: ${p.rows.toLocaleString('en')} rows, ${p.quarantined} quarantined`),
      });
      if (!summary) {
        out.note('another ingestion is running: try again later');
        return 3;
      }
      const r = summary.files[0]!;
      if (r.status === 'skipped')
        out.say(
          `customers.csv was already ingested (batch ${r.batchId}): showing that batch. Use --seed 2 for a new night.`,
        );
      if (r.status === 'failed') {
        out.say(`ingestion FAILED: ${r.message}`);
        return 1;
      }
      const batchId = r.batchId!;
      const flags = await ctx.storage.db
        .selectFrom('flags')
        .select(['record_id', 'rule', 'severity', 'reason_zh', 'flag_id', 'due_on', 'listed_on'])
        .where('batch_id', '=', batchId)
        .execute();
      const found = new Set(flags.map((f) => `${f.record_id}|${f.rule}`));
      const labels = readFileSync(files.labelsFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { recordId: string; rule: string });
      const rules = new Map<
        string,
        { injected: number; found: number; wronglyFlagged: number; flags: number }
      >();
      const entry = (rule: string) => {
        let e = rules.get(rule);
        if (!e) {
          e = { injected: 0, found: 0, wronglyFlagged: 0, flags: 0 };
          rules.set(rule, e);
        }
        return e;
      };
      for (const l of labels) {
        if (isNegativeLabel(l)) {
          // A case built NOT to be flagged (e.g. a minor insured without ID number).
          if (found.has(`${l.recordId}|MISSING_REQUIRED`)) entry('MISSING_REQUIRED').wronglyFlagged++;
          continue;
        }
        const e = entry(l.rule);
        e.injected++;
        if (found.has(`${l.recordId}|${l.rule}`)) e.found++;
      }
      for (const f of flags) entry(f.rule).flags++;

      out.say('');
      out.say(
        `Custodian demo — ${summary.files[0]!.rowsRead.toLocaleString('en')} rows ingested ${r.seconds.toFixed(1)} s, ${(
          await ctx.storage.db
            .selectFrom('customers')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n.toLocaleString('en')} customers in the archive`,
      );
      out.say(
        `flags of batch ${batchId}: ${flags.length} (listed ${r.listedOn ?? flags[0]?.listed_on}, due ${r.dueOn ?? flags[0]?.due_on} — T+1 and 3 working days)`,
      );
      out.say('');
      out.say('rule                           injected  found  flags raised');
      for (const [rule, e] of [...rules.entries()].sort()) {
        out.say(
          `${rule.padEnd(30)} ${String(e.injected).padStart(8)} ${String(e.found).padStart(6)} ${String(e.flags).padStart(13)}${e.wronglyFlagged ? `  (${e.wronglyFlagged} negative cases wrongly flagged)` : ''}`,
        );
      }
      out.say('');
      out.say(
        '(flags raised can exceed injected: a defect can break more than one rule, e.g. a wrong ID also disagrees with the birth date)',
      );
      out.say('');
      out.say('a few flags (masked):');
      for (const f of flags.slice(0, 8)) out.say(`  #${f.flag_id} ${f.rule} ${f.record_id}: ${f.reason_zh}`);
      out.say('');
      const audit = await demoAudit(ctx, join(dir, 'access-logs'), out);
      out.say('');
      // One command a line: a `|` between them read as a shell pipe.
      out.say('next:');
      out.say('  pnpm ingest flags list --rule DUP_PHONE   the review list, filtered by rule');
      out.say('  pnpm ingest flags show <id>               one flag: its records (masked) and history');
      out.say('  pnpm auditor anomalies list               what the access-log audit found');
      out.say('  pnpm ingest --help, pnpm auditor --help   every command and option');
      out.result({
        ok: true,
        batchId,
        files,
        flags: flags.length,
        rules: Object.fromEntries(rules),
        audit,
        seconds: (Date.now() - started) / 1000,
      });
      return 0;
    } finally {
      await ctx.close();
    }
  } catch (err) {
    return reportCliError(err, out);
  }
}

/**
 * A sample month of access logs (200 staff, injected misuse with an answer key), audited: the
 * anomalies found per code next to the cases injected, and the riskiest people first.
 */
async function demoAudit(
  ctx: CustodianContext,
  dir: string,
  out: CliOutput,
): Promise<Record<string, unknown>> {
  out.note(`generating a month of access logs for 200 staff into ${dir} …`);
  // The thirty days up to yesterday: a fixed month showed anomalies dated after today.
  const start = shanghaiDate(new Date(Date.now() - 30 * 86_400_000));
  const logs = await writeSampleLogs(dir, { staff: 200, seed: 20261101, start, days: 30 });
  const summary = await runAudit(ctx, {
    files: logs.logFiles,
    staffFile: logs.staffFile,
    approvalsFile: logs.approvalsFile,
    recordsFile: logs.recordsFile,
    onProgress: (n) => out.progress(`auditing: ${n.toLocaleString('en')} events`),
  });
  if (!summary) {
    out.note('another audit is running: skipped');
    return { skipped: true };
  }
  const injected = new Map<string, number>();
  for (const l of logs.labels) injected.set(l.code, (injected.get(l.code) ?? 0) + 1);
  out.say('');
  out.say(
    `access-log audit: ${summary.events.toLocaleString('en')} events of ${logs.staff} staff over ${logs.days.length} days in ${summary.seconds.toFixed(1)} s` +
      (summary.files.every((f) => f.status === 'skipped')
        ? ' (logs already audited: showing the stored anomalies)'
        : ''),
  );
  out.say('code                         injected cases  anomalies raised');
  const codes = new Set([...injected.keys(), ...Object.keys(summary.anomalies.byCode)]);
  for (const code of [...codes].sort()) {
    const raised = (summary.anomalies.byCode as Record<string, number>)[code] ?? 0;
    out.say(
      `${code.padEnd(30)} ${String(injected.get(code) ?? 0).padStart(12)} ${String(raised).padStart(17)}`,
    );
  }
  out.say('');
  out.say("riskiest operators (a day's anomalies added up):");
  for (const line of riskTable(summary.risk.slice(0, 5))) out.say(`  ${line}`);
  out.say('top anomalies:');
  for (const line of anomalyTable(summary.top.slice(0, 8))) out.say(`  ${line}`);
  return { events: summary.events, byCode: summary.anomalies.byCode, injected: Object.fromEntries(injected) };
}

process.exitCode = await main(process.argv.slice(2));
