import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { loadConfig } from './config/load.js';
import { type CustodianContext, openCustodian } from './context.js';
import { CustodianError, isCustodianError } from './errors.js';

/**
 * Shared edges of the command-line apps: opening the context from flags, the `--json` contract
 * (formats.md: one JSON object on stdout as the last line; human messages on stderr), progress
 * lines, and turning errors into a clear message and exit code.
 */
export interface CliOutput {
  json: boolean;
  /** Human-readable result: stdout normally, stderr under --json. */
  say(line: string): void;
  /** Progress and warnings: always stderr. */
  note(line: string): void;
  /** A progress line that rewrites itself on a terminal. */
  progress(line: string): void;
  /** The machine-readable summary: the last line of stdout under --json. */
  result(obj: unknown): void;
}

let watchingPipes = false;
let stdoutGone = false;

/** An error that says the reader of a pipe has gone: `… | head -1` read what it wanted and left. */
function isPipeGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  // After EPIPE the stream is destroyed; a write racing it fails as ERR_STREAM_DESTROYED.
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

/**
 * A reader of stdout or stderr that leaves early (`flags list | head -1`) ends the output, as it
 * does for Unix tools, instead of an unhandled EPIPE with a stack: nothing more is written to that
 * stream, the command finishes what it was doing and exits as it would have. Node ignores SIGPIPE,
 * so the write fails with EPIPE, emitted as an 'error' event that nothing handled. Called by
 * `createOutput` and `writeOutput`; once is enough.
 */
export function watchOutputPipes(): void {
  if (watchingPipes) return;
  watchingPipes = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err) => {
      if (!isPipeGone(err)) throw err;
      if (stream === process.stdout) stdoutGone = true;
    });
  }
}

/** Whether the reader of stdout has gone (EPIPE): a command writing a stream to it should stop. */
export function isStdoutGone(): boolean {
  return stdoutGone;
}

/**
 * Writes text to stdout or a file, waiting when the stream is full (constant memory for an
 * export). Returns false, having written nothing, once the reader of stdout has gone: the caller
 * stops (`flags export | head -c 100` does not read the whole table for nobody).
 */
export async function writeOutput(stream: NodeJS.WritableStream, text: string): Promise<boolean> {
  const toStdout = stream === process.stdout;
  if (toStdout) {
    watchOutputPipes();
    if (stdoutGone) return false;
  }
  if (!stream.write(text)) {
    // EPIPE destroys the stream: it emits 'error' (which rejects `once`) and 'close', never 'drain'.
    const stop = new AbortController();
    try {
      await Promise.race([
        once(stream, 'drain', { signal: stop.signal }),
        once(stream, 'close', { signal: stop.signal }),
      ]);
    } catch (err) {
      if (!(toStdout && isPipeGone(err))) throw err;
    } finally {
      stop.abort();
    }
  }
  return !(toStdout && stdoutGone);
}

export function createOutput(json: boolean): CliOutput {
  watchOutputPipes();
  const tty = Boolean(process.stderr.isTTY);
  let lastProgress = 0;
  let progressShown = false;
  const clear = () => {
    if (progressShown && tty) process.stderr.write('\r\x1b[K');
    progressShown = false;
  };
  return {
    json,
    say(line) {
      clear();
      if (json) process.stderr.write(`${line}\n`);
      else if (!stdoutGone) process.stdout.write(`${line}\n`);
    },
    note(line) {
      clear();
      process.stderr.write(`${line}\n`);
    },
    progress(line) {
      const now = Date.now();
      if (tty) {
        process.stderr.write(`\r\x1b[K${line}`);
        progressShown = true;
      } else if (now - lastProgress >= 5000) {
        // Not a terminal (a log file, cron): a line every 5 s, not a flood.
        lastProgress = now;
        process.stderr.write(`${line}\n`);
      }
    },
    result(obj) {
      clear();
      if (json && !stdoutGone) process.stdout.write(`${JSON.stringify(obj)}\n`);
    },
  };
}

/**
 * A path typed on the command line, as the user meant it: relative to the folder they typed the
 * command in. `pnpm ingest …` runs the script from the repository's root whatever folder it was
 * typed in, and says where that was in `INIT_CWD` (npm and pnpm both set it); without it (the
 * built command run directly), the process's own folder. Unchanged when the two are the same, so
 * that messages name the file as it was typed.
 */
export function userPath(p: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const typedIn = env.INIT_CWD;
  if (!typedIn || isAbsolute(p) || resolve(typedIn) === resolve(cwd)) return p;
  return resolve(typedIn, p);
}

/**
 * The output of an export whose rows may go to stdout: when they do (`toStdout`), the `--json`
 * summary goes to stderr, as its last line, instead of ending the JSON Lines stream with a line
 * that is not a row. Messages and progress are on stderr already.
 */
export function summaryBesideRows(out: CliOutput, toStdout: boolean): CliOutput {
  if (!toStdout) return out;
  return { ...out, result: (o) => (out.json ? out.note(JSON.stringify(o)) : undefined) };
}

/**
 * The command of a command line and the rest of its arguments, with the options typed before the
 * command (`pnpm ingest --actor 王小明 flags verify 7`) moved after it, where each command reads
 * them: `--json`, `--help`, and `--actor` / `--config` with their values.
 */
export function splitCommand(
  argv: readonly string[],
  takesValue: readonly string[] = ['--actor', '--config'],
): [string | undefined, string[]] {
  const before: string[] = [];
  let i = 0;
  while (i < argv.length && argv[i]!.startsWith('-')) {
    const option = argv[i++]!;
    before.push(option);
    if (takesValue.includes(option) && i < argv.length) before.push(argv[i++]!);
  }
  return [argv[i], [...argv.slice(i + 1), ...before]];
}

/** An export's file, opened before any row is read: a bad path is one clear error, not a crash. */
export async function openExportFile(path: string): Promise<WriteStream> {
  const stream = createWriteStream(path);
  try {
    await once(stream, 'open');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new CustodianError('OUTPUT_UNWRITABLE', `cannot write the export to ${path} (${code})`);
  }
  return stream;
}

export async function openContextForCli(
  flags: { config?: string | undefined; actor?: string | undefined },
  out: CliOutput,
): Promise<CustodianContext> {
  const actor = textOption('actor', flags.actor, 'a name (who is acting)');
  const config = loadConfig({
    ...(flags.config ? { file: userPath(flags.config) } : {}),
    overrides: actor ? { actor } : {},
  });
  // CUSTODIAN_ACTOR or the configuration file: the history must say who acted.
  config.actor = config.actor.trim();
  if (!config.actor)
    throw new CustodianError(
      'USAGE',
      'the actor is blank (CUSTODIAN_ACTOR or "actor" in the configuration): give a name or --actor <name>',
    );
  const ctx = await openCustodian(config);
  for (const w of ctx.warnings) out.note(`warning: ${w}`);
  return ctx;
}

/** Prints an error as one clear line (code and message; never a stack for expected failures). */
export function reportCliError(err: unknown, out: CliOutput): number {
  const usage = parseArgsUsageError(err);
  if (usage) return reportCliError(usage, out);
  if (isCustodianError(err)) {
    out.note(`error [${err.code}]: ${err.message}`);
    out.result({ ok: false, error: { code: err.code, message: err.message } });
    // 3: another run holds the ingest lock, or another process has the embedded database open.
    return err.code === 'USAGE' ? 2 : err.code === 'DB_BUSY' ? 3 : 1;
  }
  const e = err as Error;
  out.note(`error: ${e?.stack ?? String(err)}`);
  out.result({ ok: false, error: { code: 'INTERNAL', message: e?.message ?? String(err) } });
  return 1;
}

/**
 * Node's parseArgs refusals (an unknown option, a missing or dash-led option value, a stray
 * argument) as `USAGE` errors worded like the others; undefined for any other error. Its own
 * messages run over lines and, for an unknown option, end in an unbalanced quote (`as in
 * '-- "--bogus"`). A stray argument is not repeated: it may be a phone number typed in the wrong
 * place.
 */
export function parseArgsUsageError(err: unknown): CustodianError | undefined {
  const code = String((err as { code?: unknown } | undefined)?.code);
  if (!code.startsWith('ERR_PARSE_ARGS_')) return undefined;
  const message = String((err as Error).message);
  // The option as typed: '--to <value>' or '-h, --help' in Node's wording.
  const option = /^(?:Unknown option|Option) '(?:-\w, )?(-[^' ]+)/.exec(message)?.[1];
  let text: string;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') text = `unknown option ${option ?? ''}`.trimEnd();
  else if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL')
    text = 'unexpected argument: this command takes options only';
  else if (/argument missing/.test(message)) text = `${option} needs a value`;
  else if (/ambiguous/.test(message))
    text = `${option} needs a value (a value starting with "-" is written ${option}=-…)`;
  else if (/does not take an argument/.test(message)) text = `${option} takes no value`;
  else text = (message.split('\n')[0] ?? message).replace(/\.$/, '');
  return new CustodianError('USAGE', `${text} (see --help)`);
}

/** Digits in a row, across single spaces and hyphens: `138 1234 5678`, `6222-0212-3456-5678`. */
const DIGIT_RUN = /\d(?:[ -]?\d)*/g;
/** A date (`2026-11-30`, `2026-1-5`): eight digits that say nothing about anyone. */
const DATE_SHAPE = /^\d{4}-\d{1,2}-\d{1,2}$/;
/** Seven digits make a landline without its area code; fewer are counts, ids and years. */
const PERSONAL_DIGITS = 7;
/** No option value is written in Chinese: one that is may be a name or an address. */
const HAN = /\p{Script=Han}/u;
/** Longer than any option value the commands take (the longest rule code has 28 characters). */
const LONG_VALUE = 40;

function isPersonal(raw: string): boolean {
  if (HAN.test(raw)) return true;
  return (raw.match(DIGIT_RUN) ?? []).some(
    (run) => !DATE_SHAPE.test(run) && run.replace(/\D/g, '').length >= PERSONAL_DIGITS,
  );
}

/**
 * A value the user typed, quoted for a usage message. A value typed in the wrong place may be
 * personal data (`flags show 610425198809050918`, `--batch 13812345678`), and usage messages go
 * to terminals, cron mail and log files, where rulebook §5 allows masked data only. So a value
 * with 7 digits or more in a row (an ID number, a phone, a bank account; a date YYYY-MM-DD is not
 * counted) or with Chinese characters (a name, an address) is quoted masked: its length kept, its
 * first and last character shown, two of each from 10 characters (`"13*******78"`, `"张*明"`,
 * `"张*"`). A value longer than 40 characters, which no option takes, is quoted by its ends and
 * length (`"Ro…en" (54 characters)`). Anything else is quoted as typed: `"abc"`, `"2026-13-01"`.
 * Characters are code points, so none is cut in half.
 */
export function echoValue(raw: string): string {
  const chars = Array.from(raw);
  const n = chars.length;
  if (n > LONG_VALUE) return `"${chars.slice(0, 2).join('')}…${chars.slice(-2).join('')}" (${n} characters)`;
  if (!isPersonal(raw)) return `"${raw}"`;
  const head = n >= 10 ? 2 : n >= 2 ? 1 : 0;
  const tail = n >= 10 ? 2 : n >= 3 ? 1 : 0;
  return `"${chars.slice(0, head).join('')}${'*'.repeat(n - head - tail)}${chars.slice(n - tail).join('')}"`;
}

/**
 * A whole-number option (`--limit 20`): undefined when not given, a `USAGE` error naming the
 * option and the value when it is not a whole number within [min, max]. `Number('abc')` would be
 * NaN, and a NaN limit reached the database as no limit at all.
 */
export function integerOption(
  name: string,
  raw: string | boolean | undefined,
  range: { min: number; max?: number },
): number | undefined {
  if (raw === undefined) return undefined;
  const text = typeof raw === 'string' ? raw.trim() : '';
  const n = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(n) || n < range.min || n > max) {
    const bounds = range.max === undefined ? `at least ${range.min}` : `${range.min} to ${range.max}`;
    throw new CustodianError(
      'USAGE',
      `--${name} must be a whole number (${bounds}), got ${echoValue(typeof raw === 'string' ? raw : '')} (see --help)`,
    );
  }
  return n;
}

/** The largest id the database's `integer` columns hold (flags, batches, anomalies). */
export const MAX_ID = 2_147_483_647;

/**
 * An id given as an argument (`flags show 12`): a whole number from 1 to MAX_ID, else a `USAGE`
 * error starting with `needs` (`flags show needs a flag id`) and saying what is expected. Beyond
 * MAX_ID the database refused the query with a stack ("out of range for type integer");
 * `Number()` read `0x2` as 2 and `1e1` as 10.
 */
export function idArgument(needs: string, raw: string | undefined): number {
  const text = raw?.trim() ?? '';
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 1 && n <= MAX_ID)) {
    const got = raw === undefined ? 'none given' : `got ${echoValue(raw)}`;
    throw new CustodianError('USAGE', `${needs}: a whole number from 1 to ${MAX_ID}, ${got} (see --help)`);
  }
  return n;
}

/**
 * A text option (`--to Bob`, `--note "…"`, `--actor alice`): undefined when not given, else the
 * text trimmed (" Bob " stored as given was not found by `--assignee Bob`), or a `USAGE` error
 * when nothing is left: a blank name or note would be recorded as if it said something.
 */
export function textOption(
  name: string,
  raw: string | boolean | undefined,
  what: string,
): string | undefined {
  if (raw === undefined) return undefined;
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (!text) throw new CustodianError('USAGE', `--${name} needs ${what}, got a blank value (see --help)`);
  return text;
}

/**
 * A date option (`--due-before 2026-11-30`): undefined when not given, a `USAGE` error unless it is
 * a real calendar date written YYYY-MM-DD (`2026-02-30` would reach the database as an error with
 * a stack, or as a different day).
 */
export function dateOption(name: string, raw: string | boolean | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const text = typeof raw === 'string' ? raw.trim() : '';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!d || d.toISOString().slice(0, 10) !== text)
    throw new CustodianError(
      'USAGE',
      `--${name} must be a date written YYYY-MM-DD, got ${echoValue(typeof raw === 'string' ? raw : '')} (see --help)`,
    );
  return text;
}

/**
 * An option with a fixed set of values (`--severity warning`), compared without regard to case:
 * undefined when not given, the value as listed, or a `USAGE` error listing the values. An unknown
 * rule or status used to list nothing at all, which reads as "no such flags".
 */
export function choiceOption<T extends string>(
  name: string,
  raw: string | boolean | undefined,
  choices: readonly T[],
): T | undefined {
  if (raw === undefined) return undefined;
  const text = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  const found = choices.find((c) => c.toLowerCase() === text);
  if (found === undefined)
    throw new CustodianError(
      'USAGE',
      `--${name} must be one of ${choices.join(', ')}; got ${echoValue(typeof raw === 'string' ? raw : '')} (see --help)`,
    );
  return found;
}
