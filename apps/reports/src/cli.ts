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
import { runBuildCommand } from './commands/build.js';
import { runImportReviewCommand } from './commands/import-review.js';
import { runScheduleCommand } from './commands/schedule.js';

const HELP = `Usage: pnpm reports <command> [options]

Builds the Excel (XLSX) and PDF reports of rulebook section 4, in Chinese by default. Every page
carries the marking 内部资料 注意保密; personal data is masked everywhere. Files go to
<out>/<kind>/ and are listed with their SHA-256 in <out>/manifest.json. Storage: DATABASE_URL
when set, else the embedded database in CUSTODIAN_DATA_DIR (default ./.custodian/data).

Commands:
  build <kind>                  build one report (XLSX and PDF); kinds:
        problem-list            问题件清单: flags listed on a working day, a sheet per channel, to fill in
        batch                   data quality of one ingestion (--batch <n>; default the latest)
        management              weekly / monthly / quarterly management report with trends and charts
        regulatory              quarterly summary of agents/agencies that gave false information (002 §3.22-23)
        retention               records past retention, due for destruction, and destructions done
      --period <p>              2026-11-21 (day), 2026-W47 (ISO week), 2026-11 (month), 2026-Q4 (quarter);
                                default: the next working day's list, the last month, the last quarter
      --lang zh|en              language (default zh)
      --out <dir>               output folder (default reports.outDir, ./reports)
      --batch <n>               batch report: the batch number
  import-review <xlsx>          apply the outcomes a channel filled into a problem-list workbook;
                                bad rows are reported by sheet and row and change nothing; good rows
                                are applied (exit 1 when any row was bad)
      --strict                  apply nothing when any row is bad
      --dry-run                 validate and report only
  schedule                      every working morning at reports.morningAt (default 07:30 Asia/Shanghai)
                                the problem list; on the first working day after a period its
                                management, regulatory and retention reports; the batch report the
                                morning after each ingestion. Missed runs are caught up at start.
                                Ctrl-C waits for a running report run; another Ctrl-C a second or
                                more later aborts it (exit 130; the next start builds it again)
      --once                    catch up now and exit

Options:
  --json            print one JSON summary object as the last line of stdout
  --actor <name>    who is acting, for the flag history and audit trail (default: CUSTODIAN_ACTOR or "cli")
  --config <file>   JSON configuration file (default: CUSTODIAN_CONFIG or ./custodian.config.json)
  -h, --help        show this help

Exit codes: 0 success, 1 failure (or bad rows on import), 2 bad usage, 3 another scheduler holds the lock,
130 / 143 a running report run aborted by a second SIGINT / SIGTERM.
`;

async function main(argv: string[]): Promise<number> {
  const [command, rest] = splitCommand(argv);
  const json = rest.includes('--json');
  const out: CliOutput = createOutput(json);
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
    if (!['build', 'import-review', 'schedule'].includes(command))
      throw usageError(`unknown command ${echoValue(command)}`);
    const { values } = parseArgs({
      args: rest,
      options: COMMON_OPTIONS,
      strict: false,
      allowPositionals: true,
    });
    const ctx = await openContextForCli(
      { config: values.config as string | undefined, actor: values.actor as string | undefined },
      out,
    );
    try {
      switch (command) {
        case 'build':
          return await runBuildCommand(ctx, rest, out);
        case 'import-review':
          return await runImportReviewCommand(ctx, rest, out);
        default:
          return await runScheduleCommand(ctx, rest, out);
      }
    } finally {
      await ctx.close();
    }
  } catch (err) {
    return reportCliError(err, out);
  }
}

process.exitCode = await main(process.argv.slice(2));
