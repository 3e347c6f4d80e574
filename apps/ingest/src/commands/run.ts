import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type CliOutput,
  type CustodianContext,
  dateOption,
  echoValue,
  integerOption,
  userPath,
} from '@custodian/core';
import { COMMON_OPTIONS, usageError } from '../cli-options.js';
import { describeFileError } from '../pipeline/file-error.js';
import type { FileResult } from '../pipeline/ingest-file.js';
import { checkMasterDataFile } from '../pipeline/master-data.js';
import { runExitCode, runIngest } from '../run-ingest.js';
import { fileSummaryLines, masterDataSummaryLines } from './file-summary.js';
import { RunTracker, type StopWatch, signalExitCode, underStopWatch } from './stop-signals.js';

/**
 * `ingest run`. `stop` watches SIGINT / SIGTERM from before the database opened (cli.ts); without
 * it (a test calling the command), the command watches them itself.
 */
export async function runIngestCommand(
  ctx: CustodianContext,
  argv: string[],
  out: CliOutput,
  stop?: StopWatch,
): Promise<number> {
  return underStopWatch(out, stop, (s) => runWatched(ctx, argv, out, s));
}

async function runWatched(ctx: CustodianContext, argv: string[], out: CliOutput, stop: StopWatch) {
  const parsed = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      agents: { type: 'string' },
      complaints: { type: 'string' },
      profile: { type: 'string' },
      date: { type: 'string' },
      workers: { type: 'string' },
      sheet: { type: 'string' },
    },
  });
  // Paths as typed, from the folder they were typed in (see `userPath`).
  const positionals = parsed.positionals.map((f) => userPath(f));
  const values = {
    ...parsed.values,
    agents: parsed.values.agents === undefined ? undefined : userPath(parsed.values.agents),
    complaints: parsed.values.complaints === undefined ? undefined : userPath(parsed.values.complaints),
  };
  if (positionals.length === 0) throw usageError('run needs at least one customer file');
  // A name that is not a file is a typing mistake: refused before anything is done (a file that
  // exists but cannot be read fails alone, in the summary, and the others go on).
  for (const f of [...positionals, values.agents, values.complaints]) {
    if (f === undefined) continue;
    const st = statSync(f, { throwIfNoEntry: false });
    if (!st) throw usageError(`file not found: ${f}`);
    if (!st.isFile()) throw usageError(`not a file: ${f}${st.isDirectory() ? ' is a directory' : ''}`);
  }
  // A real day (2026-02-30 failed later, inside the calendar, with exit 1).
  dateOption('date', values.date);
  if (values.profile && !['insurance', 'telecom'].includes(values.profile))
    throw usageError(`unknown --profile ${echoValue(values.profile)}`);
  const workers = integerOption('workers', values.workers, { min: 0, max: 64 });
  // A customer file given as --agents would overwrite every agent it names with empty contacts:
  // the header lines are checked before anything is loaded.
  for (const [kind, file] of [
    ['agents', values.agents],
    ['complaints', values.complaints],
  ] as const) {
    if (!file) continue;
    const problem = await checkMasterDataFile(ctx, kind, file).catch((err: unknown) =>
      describeFileError(file, err),
    );
    if (problem) throw usageError(`--${kind} ${problem}`);
  }
  const started = Date.now();
  const tracker = new RunTracker();
  stop.describe({
    waitingMessage: 'the file being ingested finishes, the files after it are not started',
    abortWarning:
      'the file being merged is rolled back, the archive stays as before it, and the next run ' +
      'recovers the interrupted batch',
    idleMessage: 'no file is started',
    abortedMessage:
      'the file being merged is rolled back; the next run recovers the interrupted batch ' +
      '(run the same files again: those finished are skipped as already ingested)',
    abortedSummary: () => ({
      finished: tracker.finished,
      interrupted: tracker.current ?? null,
      notStarted: positionals.filter(
        (f) => f !== tracker.current && !tracker.finished.some((d) => d.file === f),
      ),
    }),
  });
  // A signal before anything was started (while the database opened, or during the checks
  // above): nothing is started; the caller closes the database.
  if (stop.requested) {
    out.say(
      `stopped by ${stop.requested} before any file was started: ${positionals.length} file(s) not started: ${positionals.map((f) => basename(f)).join(', ')}`,
    );
    const exitCode = signalExitCode(stop.requested);
    stop.result({
      ok: false,
      status: 'stopped',
      signal: stop.requested,
      exitCode,
      files: [],
      notStarted: positionals,
    });
    return exitCode;
  }
  return ingestFiles(ctx, out, { files: positionals, values, workers, started, tracker, stop });
}

/** The command's options, checked, and its watch over stop signals. */
interface IngestFilesInput {
  files: string[];
  values: { agents?: string; complaints?: string; profile?: string; date?: string; sheet?: string };
  workers: number | undefined;
  started: number;
  tracker: RunTracker;
  stop: StopWatch;
}

/** Runs the ingestion, prints the summary and returns the exit status. */
async function ingestFiles(ctx: CustodianContext, out: CliOutput, input: IngestFilesInput): Promise<number> {
  const { values, workers, started, tracker, stop } = input;
  const summary = await stop.track(
    runIngest(ctx, {
      files: input.files,
      ...(values.agents ? { agentsFile: values.agents } : {}),
      ...(values.complaints ? { complaintsFile: values.complaints } : {}),
      ...(values.profile ? { profile: values.profile } : {}),
      ...(values.date ? { date: values.date } : {}),
      ...(workers !== undefined ? { workers } : {}),
      ...(values.sheet ? { sheet: values.sheet } : {}),
      onProgress: (p) => {
        const secs = (Date.now() - started) / 1000;
        out.progress(
          `${basename(p.file)}: ${p.rows.toLocaleString('en')} rows read, ${p.quarantined} quarantined (${Math.round(p.rows / Math.max(secs, 0.001)).toLocaleString('en')} rows/s)`,
        );
      },
      onFileStart: (file) => tracker.started(file),
      onFileDone: (r) => {
        tracker.done(r);
        printFile(r, out);
      },
      onMasterDataDone: (m) => tracker.done(m),
      stopRequested: () => stop.requested !== undefined,
    }),
  );
  if (!summary) {
    out.note('another ingestion is running (advisory lock held): nothing done');
    stop.result({ ok: false, locked: true });
    return 3;
  }
  // Left running by a crash, a kill or an aborting second Ctrl-C alike: the words fit each.
  if (summary.recoveredBatches > 0)
    out.note(
      `recovered ${summary.recoveredBatches} batch(es) interrupted by an earlier run that stopped before it finished (a crash, a kill or Ctrl-C; archive unchanged by them)`,
    );
  for (const m of summary.masterData) for (const line of masterDataSummaryLines(m)) out.say(line);
  const t = summary.totals;
  out.say(
    `total: ${t.rowsRead.toLocaleString('en')} rows, ${t.rowsQuarantined} quarantined, ${t.flagsRaised} flags raised, ` +
      `${t.flagsReopened} reopened, ${t.flagsAutoClosed} closed by corrections, ${t.filesFailed} file(s) failed, ` +
      `${t.filesAllQuarantined} file(s) with every row quarantined (none staged), ${summary.seconds.toFixed(1)} s`,
  );
  if (summary.notStarted.length > 0)
    out.say(
      `stopped by ${stop.requested}: ${summary.notStarted.length} file(s) not started: ${summary.notStarted.map((f) => basename(f)).join(', ')}`,
    );
  // Peak resident memory of this process, worker threads included (they share the process).
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  out.note(`peak memory: ${peakRssMb} MB`);
  const stoppedEarly = summary.notStarted.length > 0 && stop.requested !== undefined;
  stop.result({
    ok: runExitCode(t) === 0 && !stoppedEarly,
    status: stoppedEarly ? 'stopped' : 'done',
    ...summary,
    peakRssMb,
  });
  // A run stopped by a first Ctrl-C before every file was started exits as a shell reports the signal.
  if (stoppedEarly && stop.requested) return signalExitCode(stop.requested);
  return runExitCode(t);
}

function printFile(r: FileResult, out: CliOutput): void {
  const lines = fileSummaryLines(
    r,
    (f) =>
      `all ${f.rowsRead.toLocaleString('en')} rows quarantined, none staged: nothing of the file reached the archive (the run exits 4 if no file failed); its rows are kept in quarantine (pnpm ingest quarantine --batch ${f.batchId})`,
  );
  for (const line of lines) out.say(line);
}
