import type { Kysely, Transaction } from 'kysely';
import { sql } from 'kysely';
import { appendAuditTrail } from '../audit-trail.js';
import type { CustodianContext } from '../context.js';
import { decryptJson, encryptJson } from '../crypto/cipher.js';
import type { Keyring } from '../crypto/keyring.js';
import { storedFieldValue } from '../customers/record-codec.js';
import { CustodianError, isCustodianError } from '../errors.js';
import type { Database, Flag, FlagEvent, FlagOutcome } from '../storage/database.js';
import type { SettledFlag } from './settle-correction.js';

/**
 * Review of flagged records (rulebook section 2; 002 §3.13): assign to a channel or person, record
 * an outcome with a note, verify (four eyes) or send back. Every step is appended to the flag's
 * history and to the audit trail with who and when; nothing is overwritten. The command line, the
 * review workbook import and the console all go through these functions.
 *
 * A `corrected` outcome changes the archive only once a second person has verified it: at resolve
 * the corrected values are checked against the record and held on the flag, encrypted
 * (`pending_correction`); `verifyFlag` writes them to the record in its own transaction and
 * `sendBackFlag` discards them. The history shows them masked, never clear.
 */
export const REVIEW_OUTCOMES = ['corrected', 'genuine', 'false_info', 'dismissed'] as const;
export type ReviewOutcome = (typeof REVIEW_OUTCOMES)[number];

export const OUTCOME_LABELS: Record<ReviewOutcome, { zh: string; en: string }> = {
  corrected: { zh: '已更正', en: 'corrected' },
  genuine: { zh: '核实无误', en: 'confirmed genuine' },
  false_info: { zh: '虚假信息', en: 'confirmed false information' },
  dismissed: { zh: '不予处理', en: 'dismissed' },
};

export const OPEN_STATUSES = ['open', 'assigned', 'resolved'] as const;

export interface ResolutionInput {
  outcome: string;
  note: string;
  /** For `corrected`: the corrected values, canonical field → value (written to the record on verification). */
  corrected?: Record<string, string>;
  /** For `false_info`: the agent or agency responsible; defaults to the record's agent. */
  attributedTo?: string;
  /**
   * For `corrected`: the rule codes of warnings the reviewer confirmed on the corrected fields (an
   * abolished county code still on issued cards, a bank account in a relative's name), which then
   * do not refuse the correction; recorded in the history. Errors are never accepted.
   */
  acceptedWarnings?: readonly string[];
}

/**
 * What is wrong with a resolution, as sentences (empty when it can be applied). Pure, so the
 * review-workbook import can check every row before changing anything.
 */
export function checkResolution(flag: Pick<Flag, 'status'> | undefined, input: ResolutionInput): string[] {
  const problems: string[] = [];
  if (!flag) return ['flag not found / 问题件不存在'];
  if (flag.status === 'closed') problems.push(`flag already closed / 问题件已关闭 (${flag.status})`);
  if (!(REVIEW_OUTCOMES as readonly string[]).includes(input.outcome)) {
    problems.push(
      `unknown outcome "${input.outcome}" / 未知处理结果 (allowed: ${REVIEW_OUTCOMES.join(', ')})`,
    );
  }
  if (!input.note || input.note.trim() === '') problems.push('a note is required / 必须填写说明');
  if (input.outcome === 'corrected' && (!input.corrected || Object.keys(input.corrected).length === 0)) {
    problems.push('corrected needs the corrected values / 更正须提供更正后的值');
  }
  if (input.acceptedWarnings?.length && input.outcome !== 'corrected') {
    problems.push('accepted warnings go with a corrected outcome / 仅更正时可确认警告');
  }
  return problems;
}

/** A held correction: the values, and the content hash of the record they were checked against. */
interface HeldCorrection {
  values: Record<string, string>;
  rowHash: string | null;
  /** The warnings the resolver accepted (absent in corrections held before there were any). */
  acceptedWarnings?: string[];
}

/** The record's content hash (hex), locking the row until the transaction ends; null when it is gone. */
async function rowHashOf(trx: Transaction<Database>, customerId: number): Promise<string | null> {
  const c = await trx
    .selectFrom('customers')
    .select('row_hash')
    .where('customer_id', '=', customerId)
    .forUpdate()
    .executeTakeFirst();
  return c ? Buffer.from(c.row_hash).toString('hex') : null;
}

/**
 * Four eyes: the same person under two spellings ("alice", " Alice", "王 小明", "王　小明") is one
 * person. Names are compared NFKC-folded, in lower case and without any white space: a Chinese
 * name is often typed with a space between family and given name, and no two people are told
 * apart by a space alone.
 */
export function sameActor(a: string, b: string): boolean {
  const norm = (s: string) => s.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
  return norm(a) === norm(b);
}

async function lockFlag(trx: Transaction<Database>, flagId: number): Promise<Flag> {
  const flag = await trx
    .selectFrom('flags')
    .selectAll()
    .where('flag_id', '=', flagId)
    .forUpdate()
    .executeTakeFirst();
  if (!flag) throw new CustodianError('FLAG_NOT_FOUND', `flag ${flagId} does not exist`, { flagId });
  return flag;
}

async function record(
  trx: Transaction<Database>,
  flag: Flag,
  actor: string,
  action: 'assigned' | 'resolved' | 'verified' | 'sent_back' | 'note',
  detail: Record<string, unknown>,
): Promise<void> {
  await trx
    .insertInto('flag_events')
    .values({ flag_id: flag.flag_id, actor, action, detail: JSON.stringify(detail) })
    .execute();
  await appendAuditTrail(trx, {
    actor,
    action: `flag.${action}`,
    targetType: 'flag',
    targetId: String(flag.flag_id),
    detail: { record_id: flag.record_id, rule: flag.rule, ...detail },
  });
}

/**
 * How corrected values reach a customer record: apps/ingest's codec, which decrypts the stored
 * record, replaces the fields and re-encodes it exactly as the ingest does (validation, encryption,
 * blind indexes, masks). Both functions judge the values against the record as it is in `trx` and
 * throw a CustodianError (`CORRECTION_INVALID`) when they do not correct it; both return the values
 * masked, for the history. A warning (never an error) whose rule is in `acceptedWarnings` does not
 * refuse the values; a rule named there that is no warning of the corrected fields does.
 */
export interface CorrectionCodec {
  /** Checks the values; writes nothing. */
  check(
    trx: Transaction<Database>,
    flag: Flag,
    values: Record<string, string>,
    acceptedWarnings?: readonly string[],
  ): Promise<Record<string, string>>;
  /**
   * Checks the values again, writes them to the record and closes, as `verifiedBy`, the other
   * flags the correction settles (`settleFlagsAfterCorrection`): the values masked, and those flags.
   */
  write(
    trx: Transaction<Database>,
    flag: Flag,
    values: Record<string, string>,
    verifiedBy: string,
    acceptedWarnings?: readonly string[],
  ): Promise<{ masked: Record<string, string>; settled: readonly SettledFlag[] }>;
}

/** What resolving or verifying a `corrected` outcome needs: the codec, and the keyring that seals the held values. */
export interface CorrectionSupport {
  keyring: Keyring;
  codec: CorrectionCodec;
}

/** The codec bound to a context: how the console and the review-workbook import are given it. */
export type CorrectionCodecFactory = (ctx: CustodianContext) => CorrectionCodec;

/**
 * The masked form of the correction a flag holds, read from the history entry of the resolve that
 * put it there (the latest `resolved`), or null when it holds none. The clear values stay encrypted
 * in the flag row.
 */
export function heldCorrectionIn(
  flag: Pick<Flag, 'pending_correction'>,
  history: readonly Pick<FlagEvent, 'action' | 'detail'>[],
): Record<string, string> | null {
  if (!flag.pending_correction) return null;
  const resolved = history.findLast((e) => e.action === 'resolved');
  const corrected = (resolved?.detail as { corrected?: unknown } | undefined)?.corrected;
  return corrected && typeof corrected === 'object' ? (corrected as Record<string, string>) : {};
}

/** The same, reading only the latest `resolved` entry of the flag's history. */
async function pendingCorrectionOf(
  db: Kysely<Database> | Transaction<Database>,
  flag: Pick<Flag, 'flag_id' | 'pending_correction'>,
): Promise<Record<string, string> | null> {
  if (!flag.pending_correction) return null;
  const resolved = await db
    .selectFrom('flag_events')
    .select(['action', 'detail'])
    .where('flag_id', '=', flag.flag_id)
    .where('action', '=', 'resolved')
    .orderBy('event_id', 'desc')
    .limit(1)
    .execute();
  return heldCorrectionIn(flag, resolved);
}

export async function assignFlag(
  db: Kysely<Database>,
  flagId: number,
  input: { actor: string; to: string; note?: string },
): Promise<Flag> {
  if (!input.to.trim())
    throw new CustodianError('ASSIGNEE_REQUIRED', 'assign needs a channel or person (--to)');
  return db.transaction().execute(async (trx) => {
    const flag = await lockFlag(trx, flagId);
    if (flag.status === 'closed') {
      throw new CustodianError('FLAG_CLOSED', `flag ${flagId} is already closed`, { flagId });
    }
    const updated = await trx
      .updateTable('flags')
      .set({
        assignee: input.to,
        status: flag.status === 'resolved' ? 'resolved' : 'assigned',
        updated_at: sql`now()`,
      })
      .where('flag_id', '=', flagId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await record(trx, flag, input.actor, 'assigned', {
      to: input.to,
      from: flag.assignee,
      note: input.note ?? null,
    });
    return updated;
  });
}

/**
 * Records an outcome. For `corrected`, `correction.codec` checks the values against the record now
 * (a value that still fails a rule is refused at once, to the investigator) and they are held on
 * the flag, encrypted with `correction.keyring`, until `verifyFlag` writes them; the record is not
 * changed here. Any other outcome drops a correction held from an earlier resolve.
 */
export async function resolveFlag(
  db: Kysely<Database>,
  flagId: number,
  input: ResolutionInput & { actor: string },
  correction?: CorrectionSupport,
): Promise<Flag> {
  return db.transaction().execute(async (trx) => {
    const flag = await lockFlag(trx, flagId);
    const problems = checkResolution(flag, input);
    if (problems.length > 0)
      throw new CustodianError('RESOLUTION_INVALID', `flag ${flagId}: ${problems.join('; ')}`, {
        flagId,
        problems,
      });
    let maskedCorrection: Record<string, string> | undefined;
    let pending: Buffer | null = null;
    const accepted = [...new Set(input.acceptedWarnings ?? [])];
    if (input.outcome === 'corrected' && input.corrected) {
      if (!correction)
        throw new CustodianError('CORRECTION_UNSUPPORTED', 'no codec given to check corrected values');
      // Folded as the archive stores a value (formats.md: NFKC, trimmed, an ID number's 'x' in upper
      // case), so that the values held, checked, masked and later written are one form from the
      // start, not the form they were typed in. A value that folds to nothing is passed on as
      // given, for the codec to refuse it by name.
      const values = Object.fromEntries(
        Object.entries(input.corrected).map(([k, v]) => [k, storedFieldValue(k, v) ?? v]),
      );
      maskedCorrection = await correction.codec.check(trx, flag, values, accepted);
      // With the record's content hash as it was checked: verification refuses to write the values
      // over a record that changed in between (a later file, another correction).
      const base: HeldCorrection = {
        values,
        rowHash: await rowHashOf(trx, flag.customer_id),
        ...(accepted.length > 0 ? { acceptedWarnings: accepted } : {}),
      };
      pending = encryptJson(correction.keyring, base);
    }
    const attributedTo =
      input.outcome === 'false_info' ? (input.attributedTo ?? flag.agent_id ?? null) : null;
    const updated = await trx
      .updateTable('flags')
      .set({
        status: 'resolved',
        outcome: input.outcome as FlagOutcome,
        attributed_to: attributedTo,
        resolved_by: input.actor,
        resolved_at: sql`now()`,
        pending_correction: pending,
        updated_at: sql`now()`,
      })
      .where('flag_id', '=', flagId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await record(trx, flag, input.actor, 'resolved', {
      outcome: input.outcome,
      note: input.note,
      attributed_to: attributedTo,
      corrected: maskedCorrection ?? null,
      ...(maskedCorrection ? { correction: 'pending_verification' } : {}),
      // Who accepted which warnings, and when: this entry's actor and time.
      ...(accepted.length > 0 ? { accepted_warnings: accepted } : {}),
      ...(flag.pending_correction
        ? { previous_correction: maskedCorrection ? 'replaced' : 'discarded' }
        : {}),
    });
    return updated;
  });
}

/**
 * Compliance verifies an outcome (002 §3.13): four eyes, so not by the person who resolved it. A
 * held correction is written to the record here, in this transaction, through `correction.codec`,
 * judged against the record as it is now: if it no longer applies (the record changed since), the
 * verification is refused (`CORRECTION_NO_LONGER_APPLIES`) and the flag stays resolved, to be sent
 * back. In the same transaction the other open flags the correction settles (the record's own
 * findings it no longer has, the flags of the groups of values it left that the group no longer
 * supports) are closed as `auto_corrected`, their history naming this flag (settle-correction.ts). Throws `CORRECTION_UNSUPPORTED` when a correction is held and no codec is given.
 */
export async function verifyFlag(
  db: Kysely<Database>,
  flagId: number,
  input: { actor: string; note?: string },
  correction?: CorrectionSupport,
): Promise<Flag> {
  return db.transaction().execute(async (trx) => {
    const flag = await lockFlag(trx, flagId);
    if (flag.status !== 'resolved')
      throw new CustodianError(
        'FLAG_NOT_RESOLVED',
        `flag ${flagId} has no outcome to verify (status ${flag.status})`,
        { flagId },
      );
    if (flag.resolved_by !== null && sameActor(flag.resolved_by, input.actor)) {
      throw new CustodianError(
        'FOUR_EYES',
        `flag ${flagId}: the outcome must be verified by someone other than ${input.actor}, who recorded it`,
        { flagId },
      );
    }
    let applied: Record<string, string> | undefined;
    let settled: readonly SettledFlag[] = [];
    let accepted: string[] = [];
    if (flag.pending_correction) {
      if (!correction)
        throw new CustodianError(
          'CORRECTION_UNSUPPORTED',
          `flag ${flagId} holds corrected values: no codec given to write them to the record`,
          { flagId },
        );
      const held = decryptJson<HeldCorrection>(correction.keyring, flag.pending_correction);
      if ((await rowHashOf(trx, flag.customer_id)) !== held.rowHash) {
        throw new CustodianError(
          'CORRECTION_NO_LONGER_APPLIES',
          `flag ${flagId}: record ${flag.record_id} changed after the correction was proposed (a later file or another correction); nothing was changed, the flag stays resolved: send it back so that the correction is made against the record as it is now`,
          { flagId, problems: ['the record changed after the correction was proposed'] },
        );
      }
      const values = held.values;
      accepted = held.acceptedWarnings ?? [];
      try {
        ({ masked: applied, settled } = await correction.codec.write(
          trx,
          flag,
          values,
          input.actor,
          accepted,
        ));
      } catch (err) {
        if (!isCustodianError(err) || err.code !== 'CORRECTION_INVALID') throw err;
        throw new CustodianError(
          'CORRECTION_NO_LONGER_APPLIES',
          `flag ${flagId}: the corrected values no longer apply to the record as it is now (${err.message}); nothing was changed, the flag stays resolved: send it back`,
          { flagId, problems: [err.message] },
        );
      }
    }
    const updated = await trx
      .updateTable('flags')
      .set({ status: 'closed', pending_correction: null, closed_at: sql`now()`, updated_at: sql`now()` })
      .where('flag_id', '=', flagId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await record(trx, flag, input.actor, 'verified', {
      outcome: flag.outcome,
      note: input.note ?? null,
      ...(applied ? { corrected: applied, correction: 'applied' } : {}),
      // The warnings accepted at resolve, verified with the values.
      ...(accepted.length > 0 ? { accepted_warnings: accepted } : {}),
      // The other flags the correction closed (each has its own `auto_closed` event naming this one).
      ...(settled.length > 0 ? { settled_flags: settled.map((f) => f.flag_id) } : {}),
    });
    return updated;
  });
}

/**
 * Compliance sends an outcome back to the investigator: the outcome is cleared and a held
 * correction discarded (the record was never changed); the history keeps both, masked.
 */
export async function sendBackFlag(
  db: Kysely<Database>,
  flagId: number,
  input: { actor: string; note: string },
): Promise<Flag> {
  if (!input.note?.trim()) throw new CustodianError('NOTE_REQUIRED', 'sending back needs a note saying why');
  return db.transaction().execute(async (trx) => {
    const flag = await lockFlag(trx, flagId);
    if (flag.status !== 'resolved')
      throw new CustodianError(
        'FLAG_NOT_RESOLVED',
        `flag ${flagId} has no outcome to send back (status ${flag.status})`,
        { flagId },
      );
    const discarded = await pendingCorrectionOf(trx, flag);
    const updated = await trx
      .updateTable('flags')
      .set({
        status: flag.assignee ? 'assigned' : 'open',
        outcome: null,
        attributed_to: null,
        resolved_by: null,
        resolved_at: null,
        pending_correction: null,
        updated_at: sql`now()`,
      })
      .where('flag_id', '=', flagId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await record(trx, flag, input.actor, 'sent_back', {
      previous_outcome: flag.outcome,
      note: input.note,
      ...(discarded ? { corrected: discarded, correction: 'discarded' } : {}),
    });
    return updated;
  });
}
