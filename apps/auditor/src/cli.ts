import { parseArgs } from 'node:util';
import {
  type CliOutput,
  createOutput,
  echoValue,
  openContextForCli,
  reportCliError,
  splitCommand,
} from '@custodian/core';
import { COMMON_OPTIONS, usageError } from './cli-options.js';
import { runAnomaliesCommand } from './commands/anomalies.js';
import { runAuditCommand } from './commands/run.js';
import { runScheduleCommand } from './commands/schedule.js';

const HELP = `Usage: pnpm auditor <command> [options]

Audits the access logs of the archive system and Custodian's own audit trail (rulebook section 3):
usage against approvals, leavers and transfers, clearance, loans, off-hours, volume spikes,
enumeration, snooping, failed-login bursts, concurrent sessions, deletions. Storage: DATABASE_URL
when set, else the embedded database in CUSTODIAN_DATA_DIR (default ./.custodian/data).

Commands:
  run <log file...>            audit access logs (JSON Lines or CSV, gzip or not, any size)
      --staff <file>           staff directory CSV (loaded first; replaces the rows it names)
      --approvals <file>       approvals CSV (loaded first)
      --records <file>         record directory of the archive system (archive_no, branch, secrecy_level)
      --as-of <timestamp>      audit time for loans still open (default: the last event)
      --force                  audit files again even if already audited
      --no-trail               do not audit Custodian's own audit trail
      --workers 0|1            parse on a worker thread (1, default) or inline (0)
  schedule                     nightly at auditor.nightlyAt (default 02:00 Asia/Shanghai) over the
                               previous day's logs in auditor.logsDir, catching up missed days.
                               Ctrl-C waits for a running audit; another Ctrl-C a second or more
                               later aborts it (exit 130; the next start audits that day again)
      --once                   catch up / run once now and exit
  anomalies list               list, riskiest first: --code --severity --status --operator --department
                               --branch --day --from --to --min-score --order score|day|anomaly_id --limit --offset
  anomalies export [--out f]   JSON Lines (formats.md "Anomalies export"), same filters, in id order;
                               --offset n skips n, --limit n stops after n. Without --out the lines
                               are stdout and the --json summary goes to stderr
  anomalies show <id>          one anomaly: reason, masked evidence, history
  anomalies resolve <id> --disposition confirmed|false_positive|waived --note <text> [--until YYYY-MM-DD]

Options:
  --json            print one JSON summary object as the last line of stdout
  --actor <name>    who is acting, for the history and audit trail (default: CUSTODIAN_ACTOR or "cli")
  --config <file>   JSON configuration file (default: CUSTODIAN_CONFIG or ./custodian.config.json)
  -h, --help        show this help

Exit codes: 0 success, 1 failure, 2 bad usage, 3 another audit holds the lock, 130 / 143 a running
audit aborted by a second SIGINT / SIGTERM.
`;

async function main(argv: string[]): Promise<number> {
  const [command, rest] = splitCommand(argv);
  const out: CliOutput = createOutput(rest.includes('--json'));
  if (
    !command ||
    command === 'help' ||
    command === '--help' ||
    command === '-h' ||
    rest.includes('--help') ||
    rest.includes('-h')
  ) {
    process.stdout.write(HELP);
    return 0;
  }
  try {
    const { values } = parseArgs({
      args: rest,
      options: COMMON_OPTIONS,
      strict: false,
      allowPositionals: true,
    });
    if (!['run', 'schedule', 'anomalies'].includes(command))
      throw usageError(`unknown command ${echoValue(command)}`);
    const ctx = await openContextForCli(
      { config: values.config as string | undefined, actor: values.actor as string | undefined },
      out,
    );
    try {
      if (command === 'run') return await runAuditCommand(ctx, rest, out);
      if (command === 'schedule') return await runScheduleCommand(ctx, rest, out);
      return await runAnomaliesCommand(ctx, rest, out);
    } finally {
      await ctx.close();
    }
  } catch (err) {
    return reportCliError(err, out);
  }
}

process.exitCode = await main(process.argv.slice(2));
