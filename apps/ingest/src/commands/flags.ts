import { once } from 'node:events';
import type { WriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  assignFlag,
  type CliOutput,
  type CustodianContext,
  CustodianError,
  choiceOption,
  dateOption,
  echoValue,
  FLAG_STATUSES,
  type FlagFilters,
  getFlagDetail,
  historyLines,
  idArgument,
  integerOption,
  iterateFlags,
  listFlags,
  MAX_ID,
  OPEN_STATUSES,
  openExportFile,
  REVIEW_OUTCOMES,
  reportCliError,
  resolveFlag,
  sendBackFlag,
  summaryBesideRows,
  textOption,
  toFlagExport,
  unmatchedFilters,
  userPath,
  verifyFlag,
  writeOutput,
} from '@custodian/core';
import { RULE_CODES, SEVERITIES } from '@custodian/validators';
import { COMMON_OPTIONS, usageError } from '../cli-options.js';
import { correctionCodec } from '../review/apply-correction.js';

const FILTER_OPTIONS = {
  rule: { type: 'string' },
  severity: { type: 'string' },
  channel: { type: 'string' },
  branch: { type: 'string' },
  status: { type: 'string' },
  batch: { type: 'string' },
  'due-before': { type: 'string' },
  'listed-on': { type: 'string' },
  assignee: { type: 'string' },
  limit: { type: 'string' },
  offset: { type: 'string' },
} as const;

/** The options each subcommand reads, beside the common ones: any other is a mistake, refused. */
const FILTERS = Object.keys(FILTER_OPTIONS);
const SUBCOMMAND_OPTIONS: Record<string, readonly string[]> = {
  list: FILTERS,
  export: [...FILTERS, 'out'],
  show: [],
  assign: ['to', 'note'],
  resolve: ['outcome', 'note', 'set', 'accept-warning', 'attribute'],
  verify: ['note'],
  'send-back': ['note'],
};

/**
 * Refuses an option the subcommand does not read (`flags list --out f.jsonl` printed to the
 * screen and wrote no file, with exit 0; `flags show 1 --rule X` looked filtered and was not).
 */
function onlyOptionsOf(sub: string, values: Record<string, unknown>): void {
  const takes = SUBCOMMAND_OPTIONS[sub];
  if (!takes) return;
  const stray = Object.keys(values).filter(
    (k) => values[k] !== undefined && !Object.hasOwn(COMMON_OPTIONS, k) && !takes.includes(k),
  );
  if (stray.length > 0)
    throw usageError(
      `flags ${sub} does not take ${stray.map((k) => `--${k}`).join(', ')}` +
        (takes.length > 0 ? ` (it takes ${takes.map((k) => `--${k}`).join(', ')})` : ' (it takes no option)'),
    );
}

/**
 * The filters of `list` and `export`. `--status` picks one status, `--status all` every one;
 * without it `list` shows the work list (open, assigned, resolved: OPEN_STATUSES) and `export`
 * every flag.
 */
function filtersOf(
  v: Record<string, string | boolean | (string | boolean)[] | undefined>,
  defaultStatus: readonly string[] | undefined,
): FlagFilters {
  const f: FlagFilters = {};
  const s = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  // Values the flags can hold are checked here: a misspelt rule or status would list nothing at all.
  const rule = choiceOption('rule', s('rule'), RULE_CODES);
  if (rule) f.rule = rule;
  const severity = choiceOption('severity', s('severity'), SEVERITIES);
  if (severity) f.severity = severity;
  const channel = textOption('channel', s('channel'), 'a channel');
  if (channel) f.channel = channel;
  const branch = textOption('branch', s('branch'), 'a branch');
  if (branch) f.branch = branch;
  const status = choiceOption('status', s('status'), [...FLAG_STATUSES, 'all'] as const);
  if (status && status !== 'all') f.status = status;
  else if (!status && defaultStatus) f.status = defaultStatus;
  const batch = integerOption('batch', s('batch'), { min: 1, max: MAX_ID });
  if (batch !== undefined) f.batchId = batch;
  const dueBefore = dateOption('due-before', s('due-before'));
  if (dueBefore) f.dueBefore = dueBefore;
  const listedOn = dateOption('listed-on', s('listed-on'));
  if (listedOn) f.listedOn = listedOn;
  // Trimmed as `assign --to` stores it: " Bob " finds Bob.
  const assignee = textOption('assignee', s('assignee'), 'a channel or person');
  if (assignee) f.assignee = assignee;
  return f;
}

/**
 * A `--batch` that no batch has is `BATCH_NOT_FOUND` (exit 1), as `flags show` for an id no flag
 * has and `quarantine --batch`: listed as `0 flags`, a mistyped batch read as a night without flags.
 */
async function batchMustExist(db: CustodianContext['storage']['db'], filters: FlagFilters): Promise<void> {
  if (filters.batchId === undefined) return;
  const batch = await db
    .selectFrom('batches')
    .select('batch_id')
    .where('batch_id', '=', filters.batchId)
    .executeTakeFirst();
  if (!batch) throw new CustodianError('BATCH_NOT_FOUND', `batch ${filters.batchId} does not exist`);
}

const PLURALS = { channel: 'channels', branch: 'branches', assignee: 'assignees' } as const;

/**
 * After an empty list or export, a hint on stderr for each free-text filter (--channel, --branch,
 * --assignee) whose value no flag holds at all, naming the values that exist (at most 20): a typo
 * read as an empty list. An empty result of values that exist (nothing open under a channel) is no
 * mistake and has none; the exit stays 0 either way.
 */
async function hintUnmatched(
  db: CustodianContext['storage']['db'],
  filters: FlagFilters,
  out: CliOutput,
): Promise<void> {
  for (const u of await unmatchedFilters(db, filters)) {
    const known =
      u.known.length === 0 ? 'none' : `${u.known.join(', ')}${u.more > 0 ? `, … (${u.more} more)` : ''}`;
    out.note(`no flag has ${u.filter} ${echoValue(u.value)}; ${PLURALS[u.filter]}: ${known}`);
  }
}

/** The flag id of `show`, `assign`, … : one whole number within the database's integer range. */
function flagId(positionals: string[]): number {
  if (positionals.length > 2) throw usageError(`flags ${positionals[0]} takes one flag id`);
  return idArgument(`flags ${positionals[0]} needs a flag id`, positionals[1]);
}

/** `list` and `export` take options only: a stray word is a typing mistake, not a filter. */
function noArguments(positionals: string[]): void {
  if (positionals.length > 1) throw usageError(`flags ${positionals[0]} takes options only, no arguments`);
}

/** The `list` footer: which flags of how many, and the offset of the next page when there is one. */
export function pageFooter(
  offset: number,
  shown: number,
  total: number,
  [one, many]: readonly [string, string] = ['flag', 'flags'],
): string {
  if (total === 0) return `0 ${many}`;
  if (shown === 0) return `no ${many} at --offset ${offset}: ${total} in all`;
  const next = offset + shown;
  const range = shown === 1 ? `${one} ${next}` : `${many} ${offset + 1}-${next}`;
  return `${range} of ${total}${next < total ? `; --offset ${next} for more` : ''}`;
}

/** `flags export`: the filters of `list` (every status without --status), in flag order, from --offset, at most --limit. */
async function exportFlags(
  db: CustodianContext['storage']['db'],
  values: Record<string, string | boolean | (string | boolean)[] | undefined>,
  out: CliOutput,
  positionals: string[],
): Promise<number> {
  noArguments(positionals);
  const typedOut = textOption('out', values.out as string | undefined, 'a file name');
  const outFile = typedOut === undefined ? undefined : userPath(typedOut);
  const filters = filtersOf(values, undefined);
  await batchMustExist(db, filters);
  // No upper bound: an export is not a page.
  const limit = integerOption('limit', values.limit as string | undefined, { min: 1 });
  const offset = integerOption('offset', values.offset as string | undefined, { min: 0 });
  const target = outFile ? await openExportFile(outFile) : process.stdout;
  let n = 0;
  for await (const f of iterateFlags(db, filters, {
    ...(limit !== undefined ? { limit } : {}),
    ...(offset !== undefined ? { offset } : {}),
  })) {
    // false: the reader of stdout has gone (`| head`): stop reading flags for nobody.
    if (!(await writeOutput(target, `${JSON.stringify(toFlagExport(f))}\n`))) break;
    n++;
  }
  if (outFile) {
    (target as WriteStream).end();
    await once(target, 'finish');
    out.note(`${n} flags written to ${outFile}`);
  }
  // After what was written, before the --json summary (stderr's last line without --out).
  if (n === 0) await hintUnmatched(db, filters, out);
  out.result({ ok: true, flags: n, out: outFile ?? null });
  return 0;
}

/** The detail of a flag's latest history entry (what the step just taken did). */
async function lastEventDetail(
  db: CustodianContext['storage']['db'],
  id: number,
): Promise<Record<string, unknown>> {
  const { history } = await getFlagDetail(db, id);
  return (history.at(-1)?.detail ?? {}) as Record<string, unknown>;
}

export async function runFlagsCommand(
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
      to: { type: 'string' },
      note: { type: 'string' },
      outcome: { type: 'string' },
      set: { type: 'string', multiple: true },
      'accept-warning': { type: 'string', multiple: true },
      attribute: { type: 'string' },
    },
  });
  const sub = positionals[0];
  if (sub) onlyOptionsOf(sub, values);
  const db = ctx.storage.db;
  const actor = ctx.config.actor;
  // Free text and names: trimmed, and refused when blank (they would be recorded saying nothing).
  const note = textOption('note', values.note, 'a text');
  const to = textOption('to', values.to, 'a channel or person');
  const attribute = textOption('attribute', values.attribute, 'an agent or agency');
  switch (sub) {
    case 'list': {
      noArguments(positionals);
      const offset = integerOption('offset', values.offset, { min: 0 }) ?? 0;
      const filters = filtersOf(values, OPEN_STATUSES);
      await batchMustExist(db, filters);
      const page = await listFlags(db, filters, {
        limit: integerOption('limit', values.limit, { min: 1, max: 1000 }) ?? 50,
        offset,
      });
      for (const f of page.flags) {
        out.say(
          `#${f.flag_id} ${f.rule} [${f.severity}] ${f.status} record ${f.record_id} ${f.channel ?? '-'}/${f.branch ?? '-'} due ${f.due_on}  ${f.reason_zh}`,
        );
      }
      out.say(pageFooter(offset, page.flags.length, page.total));
      if (page.total === 0) await hintUnmatched(db, filters, out);
      const next = offset + page.flags.length;
      out.result({
        ok: true,
        total: page.total,
        offset,
        next_offset: page.flags.length > 0 && next < page.total ? next : null,
        flags: page.flags.map(toFlagExport),
      });
      return 0;
    }
    case 'export': {
      // Without --out the flags are stdout: the --json summary (or error) goes to stderr.
      const summaryOut = summaryBesideRows(out, !values.out);
      try {
        return await exportFlags(db, values, summaryOut, positionals);
      } catch (err) {
        return reportCliError(err, summaryOut);
      }
    }
    case 'show': {
      const d = await getFlagDetail(db, flagId(positionals));
      const f = d.flag;
      out.say(
        `flag #${f.flag_id}  ${f.rule} [${f.severity}]  status ${f.status}${f.outcome ? ` (${f.outcome})` : ''}`,
      );
      out.say(`  ${f.reason_zh}`);
      out.say(`  ${f.reason_en}`);
      out.say(
        `  batch ${f.batch_id}, listed ${f.listed_on}, due ${f.due_on}, channel ${f.channel ?? '-'}, branch ${f.branch ?? '-'}, agent ${f.agent_id ?? '-'}, assignee ${f.assignee ?? '-'}`,
      );
      if (d.pendingCorrection) {
        out.say(
          `  correction pending verification (not yet in the record): ${Object.entries(d.pendingCorrection)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')}`,
        );
      }
      out.say('  records (masked):');
      // A telecom record's line (service number), when any record of the flag has one: the lines an
      // ID_LINE_LIMIT flag counts are what its reviewer must see. Insurance records have none.
      const lines = d.records.some((r) => r.service_number);
      for (const r of d.records) {
        // Labelled: an absent value is a dash, so that the columns of two records read alike.
        const fields: [string, string | null | undefined][] = [
          ['archive', r.archive_no],
          ['name', r.holder_name],
          ['ID', r.holder_id],
          ['phone', r.holder_phone],
          ...(lines ? [['service', r.service_number] as [string, string | null]] : []),
          ['account', r.bank_account],
          ['address', r.holder_address],
        ];
        out.say(`    ${r.record_id}  ${fields.map(([k, v]) => `${k} ${v || '-'}`).join(', ')}`);
      }
      out.say('  history (Beijing time):');
      for (const e of d.history) for (const line of historyLines(e)) out.say(`    ${line}`);
      out.result({
        ok: true,
        flag: toFlagExport(f),
        pending_correction: d.pendingCorrection,
        records: d.records,
        history: d.history,
      });
      return 0;
    }
    case 'assign': {
      const id = flagId(positionals);
      if (!to) throw usageError('flags assign needs --to <channel or person>');
      const f = await assignFlag(db, id, { actor, to, ...(note ? { note } : {}) });
      out.say(`flag #${f.flag_id} assigned to ${f.assignee}`);
      out.result({ ok: true, flag: toFlagExport(f) });
      return 0;
    }
    case 'resolve': {
      const id = flagId(positionals);
      const outcome = choiceOption('outcome', values.outcome, REVIEW_OUTCOMES);
      if (!outcome) throw usageError(`flags resolve needs --outcome ${REVIEW_OUTCOMES.join('|')}`);
      // Checked here, before the flag is read: a missing argument is bad usage (exit 2), not a
      // refused resolution (exit 1).
      if (!note) throw usageError('flags resolve needs --note <text> saying why');
      if (values.set?.length && outcome !== 'corrected')
        throw usageError('--set gives corrected values: it goes with --outcome corrected');
      if (outcome === 'corrected' && !values.set?.length)
        throw usageError('--outcome corrected needs the corrected values: --set field=value');
      if (values['accept-warning']?.length && outcome !== 'corrected')
        throw usageError(
          '--accept-warning accepts a warning on corrected values: it goes with --outcome corrected',
        );
      // Rule codes, checked here (a misspelt one is bad usage); whether each is a warning of the
      // corrected fields is the correction's check (an error is never accepted).
      const acceptedWarnings = [
        ...new Set(
          (values['accept-warning'] ?? []).map((r) => choiceOption('accept-warning', r, RULE_CODES)!),
        ),
      ];
      if (attribute && outcome !== 'false_info')
        throw usageError(
          '--attribute names who provided false information: it goes with --outcome false_info',
        );
      const corrected: Record<string, string> = {};
      for (const [i, s] of (values.set ?? []).entries()) {
        const eq = s.indexOf('=');
        // The value may be personal data: the message names the argument, not its text.
        if (eq < 0) throw usageError(`--set takes field=value; set number ${i + 1} has no "="`);
        if (eq === 0)
          throw usageError(`--set takes field=value; set number ${i + 1} has no field name before "="`);
        const field = s.slice(0, eq).trim();
        if (!field)
          throw usageError(`--set takes field=value; set number ${i + 1} has no field name before "="`);
        if (Object.hasOwn(corrected, field))
          throw usageError(`--set gives ${echoValue(field)} twice: give each field once`);
        corrected[field] = s.slice(eq + 1);
      }
      const f = await resolveFlag(
        db,
        id,
        {
          actor,
          outcome,
          note,
          ...(Object.keys(corrected).length ? { corrected } : {}),
          ...(attribute ? { attributedTo: attribute } : {}),
          ...(acceptedWarnings.length > 0 ? { acceptedWarnings } : {}),
        },
        { keyring: ctx.keyring, codec: correctionCodec(ctx) },
      );
      out.say(
        f.pending_correction
          ? `flag #${f.flag_id} resolved: ${f.outcome}; the corrected values are held until compliance verifies them (the record is unchanged)${acceptedWarnings.length > 0 ? `; warnings accepted: ${acceptedWarnings.join(', ')}` : ''}`
          : `flag #${f.flag_id} resolved: ${f.outcome}; awaiting verification by compliance`,
      );
      out.result({ ok: true, flag: toFlagExport(f) });
      return 0;
    }
    case 'verify': {
      const f = await verifyFlag(
        db,
        flagId(positionals),
        { actor, ...(note ? { note } : {}) },
        { keyring: ctx.keyring, codec: correctionCodec(ctx) },
      );
      const detail = await lastEventDetail(db, f.flag_id);
      const applied = detail.correction === 'applied';
      const settledIds = (detail.settled_flags ?? []) as number[];
      const settled =
        settledIds.length === 0
          ? []
          : await db
              .selectFrom('flags')
              .select(['flag_id', 'rule', 'record_id'])
              .where('flag_id', 'in', settledIds)
              .orderBy('flag_id')
              .execute();
      out.say(
        `flag #${f.flag_id} verified and closed (${f.outcome})${applied ? `; the corrected values are now written to record ${f.record_id}` : ''}`,
      );
      if (settled.length > 0)
        out.say(
          `  it also closed ${settled.length} other flag(s) the correction settled: ` +
            settled.map((s) => `#${s.flag_id} ${s.rule} (${s.record_id})`).join(', '),
        );
      out.result({ ok: true, flag: toFlagExport(f), settled: settled.map((s) => s.flag_id) });
      return 0;
    }
    case 'send-back': {
      const id = flagId(positionals);
      if (!note) throw usageError('flags send-back needs --note <text> saying why');
      const f = await sendBackFlag(db, id, { actor, note });
      const discarded = (await lastEventDetail(db, f.flag_id)).correction === 'discarded';
      out.say(
        `flag #${f.flag_id} sent back (status ${f.status})${discarded ? '; its corrected values were discarded, the record is unchanged' : ''}`,
      );
      out.result({ ok: true, flag: toFlagExport(f) });
      return 0;
    }
    default:
      throw usageError(
        `unknown flags command ${echoValue(sub ?? '')} (list, export, show, assign, resolve, verify, send-back)`,
      );
  }
}
