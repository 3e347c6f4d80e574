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
import { releaseEarlySignals } from './commands/early-signals.js';
import { runFlagsCommand } from './commands/flags.js';
import { runQuarantineCommand } from './commands/quarantine.js';
import { runIngestCommand } from './commands/run.js';
import { runScheduleCommand } from './commands/schedule.js';
import { watchStopSignals } from './commands/stop-signals.js';

const HELP = `Usage: pnpm ingest <command> [options]

Ingests the day's customer records, checks every rule of the rulebook (section 1) and puts every
suspicious record on the review list, with deadlines in working days (listed T+1, due 3 working
days later). Storage: DATABASE_URL when set, else the embedded database in CUSTODIAN_DATA_DIR
(default ./.custodian/data).

Commands:
  run <file...>                 ingest CSV or XLSX customer files (encoding detected: UTF-8, BOM, GB18030;
                                separated by commas, tabs, semicolons or pipes, from the header line);
                                a file that cannot be read fails alone (FAILED, with the reason), the
                                others go on; so does a file whose header line has no column for a
                                field the profile requires (record_id, the holder's name, gender,
                                birth date, ID number, address and phone; telecom: service_number),
                                before anything of it is staged: the message names each such column
                                and the names accepted for it (more names: ingest.headerAliases in
                                the configuration), after the cause when the header line itself is
                                at fault (no header line, bytes that could not be decoded, a
                                separator not split on). A file whose every row is quarantined exits 4
                                (its rows are kept in quarantine); a file with a header line and no
                                data row is done with a warning (exit 0). A file already ingested
                                with the same SHA-256, sheet and profile is skipped. Ctrl-C finishes
                                the file being read and starts no other (exit 130 if files were
                                left); another Ctrl-C a second or more later aborts it (exit 130; the
                                archive is as before the file); --json still ends with a JSON line
      --agents <file>           agent master data to load first (for AGENT_CONTACT_SUBSTITUTION)
      --complaints <file>       complaints to load first (for AGENT_RECHECK)
      --profile <name>          mandatory-field profile: insurance (default) or telecom
      --date <YYYY-MM-DD>       ingestion date (default: today, Asia/Shanghai)
      --workers <n>             encoder threads, 0 to 64 (default: ingest.workers / CUSTODIAN_WORKERS,
                                whose 0 means one per core); --workers 0 encodes on the main thread
      --sheet <name>            XLSX customer files: the sheet to read (default: the first
                                whose header line has a record_id column);
                                a file without that sheet fails alone; another sheet of a workbook
                                already ingested is ingested (ignored for CSV files)
                                (--agents and --complaints files must carry every column of their
                                format, formats.md: else nothing is done, exit 2; a workbook is
                                read from its first sheet with an agent_id / complaint_id column
                                and no customer column)
  schedule                      run the nightly job at ingest.nightlyAt (default 01:00 Asia/Shanghai)
                                over the inbox (ingest.inbox, default ./inbox), catching up a missed run;
                                every agents* / complaints* file first, in name order; each file to
                                done/ or failed/. Ctrl-C waits for the running ingestion; another Ctrl-C
                                a second or more later aborts it (exit 130; the archive is as before
                                the file, the next start catches up).
                                A file whose every row is quarantined goes to done/ with a warning
                                (its rows are kept in quarantine; --once exits 4). Each file is logged
                                as run prints it (rows, quarantined rows, flags raised); files it does
                                not take (not .csv/.txt/.xlsx/.xlsm/.xls; folders; Excel's ~$ lock files
                                and hidden .files) stay in the inbox
                                and are listed with the reason (an .xls goes to failed/, saying why). Takes no file arguments (exit 2:
                                use run <file...>); an inbox that is not a folder is an error (exit 1).
                                A customer file without a column its profile requires goes to failed/
                                (--once exits 1)
                                A file modified less than ingest.inboxSettleSeconds (30) ago may still
                                be being written: the job waits until every file is unchanged that
                                long; one still changing after ingest.inboxSettleMaxWaitSeconds (600)
                                stays in the inbox for the next run, listed with the reason (0: no wait).
                                A run that finds another ingestion holding the lock, or fails (the
                                database), is tried again every ingest.nightlyRetrySeconds (300) until
                                it runs; Ctrl-C during a wait stops at once, nothing taken
      --once                    catch up / run once now and exit (tried once: exit 3 when another
                                ingestion holds the lock)
  quarantine                    the rows of a batch kept in quarantine (a run prints the first ten
                                of a file): file, line, column and reason, in line order, never the
                                row's content; --batch <n> (default: the latest batch that
                                quarantined rows, with the night it was ingested; a number no batch
                                has: exit 1) --limit <1-1000> (default 50) --offset <n>
  flags list                    list flags: --rule <code> --severity error|warning|info --channel
                                --branch --status open|assigned|resolved|closed|all --batch <n> --assignee
                                --due-before <date> (due strictly before that day; the console's
                                "overdue" is --due-before today) --listed-on <date>
                                --limit <1-1000> (default 50) --offset <n>; the last line says which
                                flags of how many, and the --offset of the next page
                                (default: the work list, every flag not yet closed: open, assigned,
                                resolved; --status all: closed ones too). An empty list whose
                                --channel, --branch or --assignee no flag has at all says so on
                                stderr, naming the values that exist; a --batch no batch has: exit 1
  flags export [--out <file>]   write flags as JSON Lines, in flag order: the filters of list,
                                every status without --status; --offset <n> skips the first n,
                                --limit <n> writes at most n (no upper bound). Without --out the
                                flags go to stdout and the --json summary to stderr (its last line)
  flags show <id>               one flag: masked record(s), reason, history
  flags assign <id> --to <channel or person> [--note <text>]
  flags resolve <id> --outcome corrected|genuine|false_info|dismissed --note <text>
                    [--set field=value ...]  (corrected: required, the corrected values, checked
                                              now and held until verified; the record is not yet changed)
                    [--accept-warning <rule> ...]  (corrected only: a warning the reviewer confirmed
                                              on a corrected field, e.g. ID_REGION for an abolished
                                              county code still on issued cards, accepted instead of
                                              refusing the correction; recorded in the history. An
                                              error, an archive-wide rule or the flag's own finding
                                              is never accepted)
                    [--attribute <agent or agency>]  (false_info only: who provided it)
  flags verify <id> [--note <text>]          compliance verifies an outcome (not its author);
                                             a held correction is written to the record now
  flags send-back <id> --note <text>         compliance sends an outcome back (a held correction
                                             is discarded)
  A flag id or --batch is a whole number from 1 to 2147483647. Names and notes (--to, --note,
  --attribute, --assignee, --channel, --branch, --actor) are trimmed; a blank one is refused.

Options:
  --json            print one JSON summary object as the last line of stdout (flags export
                    without --out: of stderr, stdout being the flags)
  --actor <name>    who is acting, for the history and audit trail (default: CUSTODIAN_ACTOR or "cli");
                    trimmed, a blank name is refused
  --config <file>   JSON configuration file (default: CUSTODIAN_CONFIG or ./custodian.config.json)
  -h, --help        show this help

Output piped into a reader that stops early (| head) ends quietly, as for any Unix tool: the
command writes nothing more and exits as it would have (flags export stops reading flags).

Exit codes: 0 success, 1 failure (a file failed, an error), 2 bad usage (options without a command,
an unknown command or option, a missing or blank required argument, a value out of range), 3 another
run holds the lock, 4 no file failed but a file had every row quarantined (nothing of it staged),
130 / 143 stopped or aborted by SIGINT / SIGTERM (with --json: status "stopped" or "aborted" in the
last line).
`;

const COMMANDS = ['run', 'schedule', 'quarantine', 'flags'];

async function main(argv: string[]): Promise<number> {
  const [command, rest] = splitCommand(argv);
  const json = rest.includes('--json');
  const out: CliOutput = createOutput(json);
  // Options without a command (`pnpm ingest --once` in a crontab, `schedule` forgotten) printed the
  // help and exited 0: cron saw a night that succeeded and nothing was ingested.
  const noCommand = !command && rest.some((a) => a !== '--help' && a !== '-h');
  const help =
    (!command && !noCommand) ||
    command === 'help' ||
    command === '--help' ||
    command === '-h' ||
    rest.includes('--help') ||
    rest.includes('-h');
  // A signal while the command line loaded (held by start.ts): `run` and `schedule` answer it below
  // (they start nothing); any other command dies of it, as it would have without the hold.
  const watched = !help && (command === 'run' || command === 'schedule');
  if (!watched) {
    const [early] = releaseEarlySignals();
    if (early) process.kill(process.pid, early.signal);
  }
  if (help) {
    process.stdout.write(HELP);
    return 0;
  }
  try {
    if (noCommand)
      throw usageError(
        `no command given (${COMMANDS.join(', ')}), only options: ${rest.filter((a) => a.startsWith('-')).join(' ')}`,
      );
    // Refused before the database is opened (an unknown command has nothing to do there).
    if (!COMMANDS.includes(command!)) throw usageError(`unknown command ${echoValue(command!)}`);
    const { values } = parseArgs({
      args: rest,
      options: COMMON_OPTIONS,
      strict: false,
      allowPositionals: true,
    });
    // `run` and `schedule` answer SIGINT / SIGTERM from here on: a signal while the command line
    // loaded or while the database opens and migrates stops them before they start anything, with
    // a message and the `--json` line.
    const stop = watched ? watchStopSignals(out, releaseEarlySignals()) : undefined;
    try {
      const ctx = await openContextForCli(
        { config: values.config as string | undefined, actor: values.actor as string | undefined },
        out,
      );
      try {
        switch (command) {
          case 'run':
            return await runIngestCommand(ctx, rest, out, stop);
          case 'schedule':
            return await runScheduleCommand(ctx, rest, out, stop);
          case 'flags':
            return await runFlagsCommand(ctx, rest, out);
          case 'quarantine':
            return await runQuarantineCommand(ctx, rest, out);
          default:
            throw usageError(`unknown command ${echoValue(command!)}`);
        }
      } finally {
        await ctx.close();
      }
    } finally {
      stop?.dispose();
    }
  } catch (err) {
    return reportCliError(err, out);
  }
}

process.exitCode = await main(process.argv.slice(2));
