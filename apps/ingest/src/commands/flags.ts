import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  assignFlag,
  type CliOutput,
  type CustodianContext,
  CustodianError,
  choiceOption,
  dateOption,
  FLAG_STATUSES,
  type FlagFilters,
  getFlagDetail,
  integerOption,
  iterateFlags,
  listFlags,
  OPEN_STATUSES,
  REVIEW_OUTCOMES,
  resolveFlag,
  sendBackFlag,
  toFlagExport,
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
  if (s('channel')) f.channel = s('channel')!;
  if (s('branch')) f.branch = s('branch')!;
  const status = choiceOption('status', s('status'), [...FLAG_STATUSES, 'all'] as const);
  if (status && status !== 'all') f.status = status;
  else if (!status && defaultStatus) f.status = defaultStatus;
  const batch = integerOption('batch', s('batch'), { min: 1 });
  if (batch !== undefined) f.batchId = batch;
  const dueBefore = dateOption('due-before', s('due-before'));
  if (dueBefore) f.dueBefore = dueBefore;
  const listedOn = dateOption('listed-on', s('listed-on'));
  if (listedOn) f.listedOn = listedOn;
  if (s('assignee')) f.assignee = s('assignee')!;
  return f;
}

/** The export's file, opened before any flag is read: a bad path is one clear error, not a crash. */
async function openOutput(path: string): Promise<WriteStream> {
  const stream = createWriteStream(path);
  try {
    await once(stream, 'open');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new CustodianError('OUTPUT_UNWRITABLE', `cannot write the export to ${path} (${code})`);
  }
  return stream;
}

function flagId(positionals: string[]): number {
  const id = Number(positionals[1]);
  if (!positionals[1] || !Number.isInteger(id) || id <= 0)
    throw usageError(`flags ${positionals[0]} needs a flag id`);
  return id;
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
      attribute: { type: 'string' },
    },
  });
  const sub = positionals[0];
  const db = ctx.storage.db;
  const actor = ctx.config.actor;
  switch (sub) {
    case 'list': {
      const page = await listFlags(db, filtersOf(values, OPEN_STATUSES), {
        limit: integerOption('limit', values.limit, { min: 1, max: 1000 }) ?? 50,
        offset: integerOption('offset', values.offset, { min: 0 }) ?? 0,
      });
      for (const f of page.flags) {
        out.say(
          `#${f.flag_id} ${f.rule} [${f.severity}] ${f.status} record ${f.record_id} ${f.channel ?? '-'}/${f.branch ?? '-'} due ${f.due_on}  ${f.reason_zh}`,
        );
      }
      out.say(`${page.flags.length} of ${page.total} flags`);
      out.result({ ok: true, total: page.total, flags: page.flags.map(toFlagExport) });
      return 0;
    }
    case 'export': {
      const target = values.out ? await openOutput(values.out) : process.stdout;
      let n = 0;
      for await (const f of iterateFlags(db, filtersOf(values, undefined))) {
        // false: the reader of stdout has gone (`| head`): stop reading flags for nobody.
        if (!(await writeOutput(target, `${JSON.stringify(toFlagExport(f))}\n`))) break;
        n++;
      }
      if (values.out) {
        (target as WriteStream).end();
        await once(target, 'finish');
        out.note(`${n} flags written to ${values.out}`);
      }
      out.result({ ok: true, flags: n, out: values.out ?? null });
      return 0;
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
      out.say('  records:');
      for (const r of d.records) {
        out.say(
          `    ${r.record_id} ${r.archive_no ?? ''} ${r.holder_name ?? ''} ${r.holder_id ?? ''} ${r.holder_phone ?? ''} ${r.bank_account ?? ''} ${r.holder_address ?? ''}`,
        );
      }
      out.say('  history:');
      for (const e of d.history)
        out.say(`    ${new Date(e.at).toISOString()} ${e.actor} ${e.action} ${JSON.stringify(e.detail)}`);
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
      if (!values.to) throw usageError('flags assign needs --to <channel or person>');
      const f = await assignFlag(db, flagId(positionals), {
        actor,
        to: values.to,
        ...(values.note ? { note: values.note } : {}),
      });
      out.say(`flag #${f.flag_id} assigned to ${f.assignee}`);
      out.result({ ok: true, flag: toFlagExport(f) });
      return 0;
    }
    case 'resolve': {
      const outcome = choiceOption('outcome', values.outcome, REVIEW_OUTCOMES);
      if (!outcome) throw usageError(`flags resolve needs --outcome ${REVIEW_OUTCOMES.join('|')}`);
      if (values.set?.length && outcome !== 'corrected')
        throw usageError('--set gives corrected values: it goes with --outcome corrected');
      const corrected: Record<string, string> = {};
      for (const [i, s] of (values.set ?? []).entries()) {
        const eq = s.indexOf('=');
        // The value may be personal data: the message names the argument, not its text.
        if (eq < 0) throw usageError(`--set takes field=value; set number ${i + 1} has no "="`);
        if (eq === 0)
          throw usageError(`--set takes field=value; set number ${i + 1} has no field name before "="`);
        const field = s.slice(0, eq).trim();
        if (Object.hasOwn(corrected, field))
          throw usageError(`--set gives ${field} twice: give each field once`);
        corrected[field] = s.slice(eq + 1);
      }
      const f = await resolveFlag(
        db,
        flagId(positionals),
        {
          actor,
          outcome,
          note: values.note ?? '',
          ...(Object.keys(corrected).length ? { corrected } : {}),
          ...(values.attribute ? { attributedTo: values.attribute } : {}),
        },
        { keyring: ctx.keyring, codec: correctionCodec(ctx) },
      );
      out.say(
        f.pending_correction
          ? `flag #${f.flag_id} resolved: ${f.outcome}; the corrected values are held until compliance verifies them (the record is unchanged)`
          : `flag #${f.flag_id} resolved: ${f.outcome}; awaiting verification by compliance`,
      );
      out.result({ ok: true, flag: toFlagExport(f) });
      return 0;
    }
    case 'verify': {
      const f = await verifyFlag(
        db,
        flagId(positionals),
        { actor, ...(values.note ? { note: values.note } : {}) },
        { keyring: ctx.keyring, codec: correctionCodec(ctx) },
      );
      const applied = (await lastEventDetail(db, f.flag_id)).correction === 'applied';
      out.say(
        `flag #${f.flag_id} verified and closed (${f.outcome})${applied ? `; the corrected values are now written to record ${f.record_id}` : ''}`,
      );
      out.result({ ok: true, flag: toFlagExport(f) });
      return 0;
    }
    case 'send-back': {
      const f = await sendBackFlag(db, flagId(positionals), { actor, note: values.note ?? '' });
      const discarded = (await lastEventDetail(db, f.flag_id)).correction === 'discarded';
      out.say(
        `flag #${f.flag_id} sent back (status ${f.status})${discarded ? '; its corrected values were discarded, the record is unchanged' : ''}`,
      );
      out.result({ ok: true, flag: toFlagExport(f) });
      return 0;
    }
    default:
      throw usageError(
        `unknown flags command "${sub ?? ''}" (list, export, show, assign, resolve, verify, send-back)`,
      );
  }
}
