import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { anomalyTable, riskTable, runAudit, writeSampleLogs } from '@custodian/auditor';
import {
  type CliOutput,
  type CustodianContext,
  CustodianError,
  createOutput,
  integerOption,
  loadConfig,
  openCustodian,
  reportCliError,
  shanghaiDate,
} from '@custodian/core';
import { DEMO_PROFILES, type DemoProfile, demoDir, runDemoNight } from './demo-night.js';

const HELP = `Usage: pnpm demo [--customers N] [--seed N] [--profile insurance|telecom] [--json]

Generates a realistic sample (customers with injected, labelled defects, agents, complaints)
into ./.custodian/demo, ingests it into the database (embedded unless DATABASE_URL is set),
and prints what was found next to what was injected. Running it again ingests nothing new
(same files, same SHA-256); use another --seed for another night.

--profile: the kind of data generated and the profile it is checked under: insurance
(policyholder and insured) or telecom (subscriber 机主 and service numbers 服务号码, with
ID_LINE_LIMIT); default ingest.profile of the configuration.
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
        profile: { type: 'string' },
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
    const profile = values.profile ?? config.ingest.profile;
    if (!(DEMO_PROFILES as readonly string[]).includes(profile))
      // Only a profile the sample generator writes data for: the demo checks its answer key.
      throw new CustodianError(
        'USAGE',
        `--profile must be one of ${DEMO_PROFILES.join(', ')}, got ${JSON.stringify(profile)} (see --help)`,
      );
    const demoProfile = profile as DemoProfile;
    out.note(
      `generating ${customers} ${demoProfile} customers (seed ${seed}) into ${demoDir(config.dataDir, demoProfile, seed)} …`,
    );
    const ctx = await openCustodian(config);
    try {
      for (const w of ctx.warnings) out.note(`warning: ${w}`);
      out.note(`database: ${ctx.storage.kind} (${ctx.storage.location})`);
      const started = Date.now();
      const night = await runDemoNight(ctx, {
        customers,
        seed,
        profile: demoProfile,
        today,
        onProgress: (p) =>
          out.progress(`ingesting: ${p.rows.toLocaleString('en')} rows, ${p.quarantined} quarantined`),
      });
      const { files, flags, rules } = night;
      const r = night.result;
      if (!r) {
        out.note('another ingestion is running: try again later');
        return 3;
      }
      if (r.status === 'skipped')
        out.say(
          `customers.csv was already ingested (batch ${r.batchId}): showing that batch. Use --seed 2 for a new night.`,
        );
      if (r.status === 'failed') {
        out.say(`ingestion FAILED: ${r.message}`);
        return 1;
      }
      const batchId = r.batchId!;

      out.say('');
      out.say(
        `Custodian demo — ${r.rowsRead.toLocaleString('en')} rows ingested ${r.seconds.toFixed(1)} s, ${(
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
      const audit = await demoAudit(ctx, join(dirname(files.customersFile), 'access-logs'), out);
      out.say('');
      // One command a line: a `|` between them read as a shell pipe.
      out.say('next:');
      out.say(
        `  pnpm ingest flags list --rule ${demoProfile === 'telecom' ? 'ID_LINE_LIMIT' : 'DUP_PHONE'}   the review list, filtered by rule`,
      );
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
