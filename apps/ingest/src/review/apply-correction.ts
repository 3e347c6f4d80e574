import {
  type CorrectionCodec,
  CUSTOMER_DATA_COLUMNS,
  type CustodianContext,
  CustodianError,
  type Database,
  decryptJson,
  encodeCustomerRecord,
  type Flag,
  PERSONAL_FIELDS,
  type SettledFlag,
  settleFlagsAfterCorrection,
  storedFieldValue,
  type WrittenCorrection,
} from '@custodian/core';
import {
  maskAddress,
  maskBankAccount,
  maskDate,
  maskIdNumber,
  maskName,
  maskPhone,
  parseConsent,
  parseDate,
  parseGender,
} from '@custodian/validators';
import { sql, type Transaction } from 'kysely';
import { CUSTOMER_FIELDS } from '../input/header-map.js';

const MASKERS: Record<string, (v: string) => string> = {
  holder_name: maskName,
  insured_name: maskName,
  bank_account_name: maskName,
  holder_id_number: maskIdNumber,
  insured_id_number: maskIdNumber,
  holder_phone: maskPhone,
  service_number: maskPhone,
  bank_account: maskBankAccount,
  holder_address: maskAddress,
  holder_birth_date: maskDate,
  insured_birth_date: maskDate,
};

/**
 * How a corrected value must read, for the fields whose unreadable values the ingest stores as
 * absent (a file's row raises MISSING_REQUIRED for it): a correction that would blank the field is refused.
 */
const READABLE: Record<string, { test: (v: string) => boolean; expected: string }> = {
  holder_birth_date: { test: (v) => parseDate(v) !== undefined, expected: 'a date (YYYY-MM-DD)' },
  insured_birth_date: { test: (v) => parseDate(v) !== undefined, expected: 'a date (YYYY-MM-DD)' },
  sign_date: { test: (v) => parseDate(v) !== undefined, expected: 'a date (YYYY-MM-DD)' },
  holder_gender: { test: (v) => parseGender(v) !== undefined, expected: '男 or 女 (M/F)' },
  insured_gender: { test: (v) => parseGender(v) !== undefined, expected: '男 or 女 (M/F)' },
  consent: { test: (v) => parseConsent(v) !== undefined, expected: '是 or 否 (yes/no)' },
};

/**
 * The fields a correction must change to settle a flag of an archive-wide rule (the values the rule
 * compares); AGENT_RECHECK asks for the whole record to be checked again, so any field will do.
 */
const RULE_FIELDS: Partial<Record<string, readonly string[]>> = {
  DUP_PHONE: ['holder_phone'],
  DUP_BANK_ACCOUNT: ['bank_account'],
  ID_CONFLICT: ['holder_id_number', 'holder_name', 'holder_birth_date'],
  ID_LINE_LIMIT: ['service_number', 'holder_id_number'],
  AGENT_CONTACT_SUBSTITUTION: ['holder_phone', 'holder_address'],
};

interface EncodedCorrection {
  customerId: number;
  /** The record's value-rule columns before the correction (the groups it may leave). */
  before: WrittenCorrection['before'];
  /** The single-record findings of the corrected record. */
  findings: WrittenCorrection['findings'];
  /** The customer row's columns as re-encoded with the corrected values. */
  update: Record<string, unknown>;
  masked: Record<string, string>;
}

/**
 * Re-encodes the flagged record with a reviewer's corrected values (outcome `corrected`), writing
 * nothing: the stored record (locked) is decrypted, the fields replaced, and the whole record
 * encoded (validation, blind indexes, masks) exactly as the ingest would. Throws
 * `CORRECTION_INVALID` for a field that cannot be corrected or a value that still fails a rule
 * (but a warning named in `acceptedWarnings`).
 */
async function encodeCorrection(
  ctx: CustodianContext,
  trx: Transaction<Database>,
  flag: Flag,
  values: Record<string, string>,
  acceptedWarnings: readonly string[] = [],
): Promise<EncodedCorrection> {
  // The values as the ingest would store them (folded: the full-width digits a Chinese input
  // method types are digits), so that they are checked, masked and written in one form: masked
  // as typed, a full-width phone or date came out whole in the history and the audit trail.
  const folded: Record<string, string> = {};
  for (const [field, value] of Object.entries(values)) {
    if (!(CUSTOMER_FIELDS as readonly string[]).includes(field) || field === 'record_id') {
      // The name is whatever came before "=": a value typed there by mistake is not repeated.
      const named = /^[A-Za-z_]{1,40}$/.test(field) ? `"${field}"` : 'the field name given';
      throw new CustodianError('CORRECTION_INVALID', `${named} is not a correctable customer field`);
    }
    // The value may be personal data: messages name the field, never the value.
    const v = storedFieldValue(field, value);
    if (v === undefined) {
      throw new CustodianError(
        'CORRECTION_INVALID',
        `the corrected ${field} is empty: a correction gives a value`,
      );
    }
    const readable = READABLE[field];
    if (readable && !readable.test(v)) {
      throw new CustodianError(
        'CORRECTION_INVALID',
        `the corrected ${field} cannot be read: expected ${readable.expected}`,
      );
    }
    folded[field] = v;
  }
  const concerned = RULE_FIELDS[flag.rule];
  if (concerned && !concerned.some((f) => Object.hasOwn(folded, f))) {
    throw new CustodianError(
      'CORRECTION_INVALID',
      `a ${flag.rule} flag is corrected by correcting ${concerned.join(' or ')}: the values given leave the problem as it was`,
    );
  }
  const c = await trx
    .selectFrom('customers')
    .selectAll()
    .where('customer_id', '=', flag.customer_id)
    .forUpdate()
    .executeTakeFirstOrThrow();
  const pii = decryptJson<Record<string, unknown>>(ctx.keyring, c.pii);
  const record: Record<string, string | undefined> = {};
  for (const f of CUSTOMER_FIELDS) {
    const plain = (c as unknown as Record<string, unknown>)[f];
    if (typeof plain === 'string') record[f] = plain;
  }
  for (const f of PERSONAL_FIELDS) if (typeof pii[f] === 'string') record[f] = pii[f] as string;
  // Kept in the envelope since it has no column; absent in records ingested before it was.
  if (typeof pii.insured_id_type === 'string') record.insured_id_type = pii.insured_id_type;
  record.holder_gender = c.holder_gender ?? undefined;
  record.insured_gender = c.insured_gender ?? undefined;
  Object.assign(record, folded);
  const encoded = encodeCustomerRecord(ctx.keyring, record, (pii.extra as Record<string, string>) ?? {}, {
    profile: ctx.config.ingest.profile,
    today: new Date().toISOString().slice(0, 10),
    retentionYears: ctx.config.ingest.retentionYears,
  });
  // A correction must correct: a value that still fails a rule, an error (a phone '12') or a
  // warning (the placeholder 13800138000, a card failing Luhn), is refused, not written to the
  // archive with no flag to show it (a verification raises none, and the nightly merge only sees
  // the record again when a file changes it). Findings of the fields the correction leaves as they
  // were refuse only as the flag's own (below): they may be the record's, with flags of their own.
  // And the flag's own finding must be gone (a correction of another field would close the flag
  // with the problem still there). `info` findings are for reports only.
  // A warning the reviewer confirmed (an abolished county code still on issued cards, an account
  // in a relative's name) is accepted when named in `acceptedWarnings`: never an error, and never
  // the flag's own finding (a flag confirmed as it is is resolved `genuine`, not corrected).
  const corrected = new Set(Object.keys(folded));
  const flaggedFields = new Set(Object.keys((flag.masked_values ?? {}) as Record<string, unknown>));
  const accepted = new Set(acceptedWarnings);
  const matched = new Set<string>();
  const own = (f: (typeof encoded.findings)[number]) =>
    f.rule === flag.rule && flaggedFields.has(f.maskedField ?? f.field ?? 'value');
  const still = encoded.findings.find((f) => {
    if (own(f)) return true;
    if (f.severity === 'info' || !(corrected.has(f.field ?? '') || corrected.has(f.maskedField ?? '')))
      return false;
    if (f.severity === 'warning' && accepted.has(f.rule)) {
      matched.add(f.rule);
      return false;
    }
    return true;
  });
  if (still) {
    const why = !accepted.has(still.rule)
      ? still.severity === 'warning' && !own(still)
        ? ` (a warning: if the reviewer confirmed it, it may be accepted by name, --accept-warning ${still.rule})`
        : ''
      : still.severity !== 'warning'
        ? ` (an error: it cannot be accepted)`
        : ` (the flag's own finding: it cannot be accepted by a correction; a flag confirmed as it is is resolved genuine)`;
    throw new CustodianError(
      'CORRECTION_INVALID',
      `the corrected record still fails ${still.rule} (${still.field}): ${still.reasonEn}${why}`,
    );
  }
  const unmatched = [...accepted].filter((r) => !matched.has(r));
  if (unmatched.length > 0) {
    throw new CustodianError(
      'CORRECTION_INVALID',
      `the accepted warning${unmatched.length > 1 ? 's' : ''} ${unmatched.join(', ')} ${unmatched.length > 1 ? 'are' : 'is'} not a warning of the corrected fields: there is nothing to accept`,
    );
  }
  const update: Record<string, unknown> = {};
  CUSTOMER_DATA_COLUMNS.forEach((col, i) => {
    if (col !== 'record_id') update[col] = encoded.columns[i];
  });
  await checkAgainstArchive(trx, c.customer_id, corrected, update, ctx.config.ingest.maxLinesPerId);
  const masked = Object.fromEntries(
    Object.entries(folded).map(([k, v]) => [k, (MASKERS[k] ?? ((x: string) => x))(v)]),
  );
  return {
    customerId: c.customer_id,
    before: {
      holder_phone_bidx: c.holder_phone_bidx,
      bank_account_bidx: c.bank_account_bidx,
      holder_id_bidx: c.holder_id_bidx,
    },
    findings: encoded.findings,
    update,
    masked,
  };
}

/**
 * The archive-wide rules the ingest would apply to the corrected values (rulebook section 1): a
 * corrected phone or bank account held by a customer with another ID number, an ID number held
 * with another name or birth date, an ID number left holding more than `maxLinesPerId` service
 * numbers (config ingest.maxLinesPerId), a phone or address of an agent. The nightly rules start from
 * the records a file changes, so a correction that broke one of them would never be flagged:
 * it is refused here instead. Record ids (not personal data) name the other record.
 */
async function checkAgainstArchive(
  trx: Transaction<Database>,
  customerId: number,
  corrected: ReadonlySet<string>,
  row: Record<string, unknown>,
  maxLinesPerId: number,
): Promise<void> {
  const refuse = (rule: string, what: string, other: string) => {
    throw new CustodianError('CORRECTION_INVALID', `the corrected ${what} would break ${rule}: ${other}`);
  };
  const bidx = (col: string) => (row[col] ?? null) as Uint8Array | null;
  const holderId = bidx('holder_id_bidx');
  const others = (col: 'holder_phone_bidx' | 'bank_account_bidx', value: Uint8Array) =>
    trx
      .selectFrom('customers')
      .select('record_id')
      .where(col, '=', value)
      .where('customer_id', '<>', customerId)
      .where('destroyed_at', 'is', null)
      .where('holder_id_bidx', 'is not', null)
      .where(sql<boolean>`holder_id_bidx is distinct from ${holderId}`)
      .limit(1)
      .executeTakeFirst();
  for (const [field, col, rule, what] of [
    ['holder_phone', 'holder_phone_bidx', 'DUP_PHONE', 'phone number'],
    ['bank_account', 'bank_account_bidx', 'DUP_BANK_ACCOUNT', 'bank account'],
  ] as const) {
    const value = bidx(col);
    if (!corrected.has(field) || !value) continue;
    const other = await others(col, value);
    if (other) refuse(rule, what, `record ${other.record_id} holds it under another ID number`);
  }
  if (holderId && ['holder_id_number', 'holder_name', 'holder_birth_date'].some((f) => corrected.has(f))) {
    const other = await trx
      .selectFrom('customers')
      .select('record_id')
      .where('holder_id_bidx', '=', holderId)
      .where('customer_id', '<>', customerId)
      .where('destroyed_at', 'is', null)
      .where(
        sql<boolean>`(holder_name_bidx is distinct from ${bidx('holder_name_bidx')} or holder_birth_date is distinct from ${(row.holder_birth_date ?? null) as string | null}::date)`,
      )
      .limit(1)
      .executeTakeFirst();
    if (other)
      refuse(
        'ID_CONFLICT',
        'ID number, name or birth date',
        `record ${other.record_id} has this ID number with another name or birth date`,
      );
  }
  // ID_LINE_LIMIT: the distinct mobile numbers the (corrected) ID number would hold, this
  // record's counted once whether or not another record of the ID holds it too. A landline or
  // an IoT card is not a mobile line (rulebook §1) and is not counted.
  const line = row.service_number_kind === 'mobile' ? bidx('service_number_bidx') : null;
  if (holderId && line && (corrected.has('service_number') || corrected.has('holder_id_number'))) {
    const others = await trx
      .selectFrom('customers')
      .select([
        sql<string>`count(distinct service_number_bidx)`.as('lines'),
        sql<string[]>`(array_agg(distinct record_id order by record_id))[1:4]`.as('records'),
      ])
      .where('holder_id_bidx', '=', holderId)
      .where('customer_id', '<>', customerId)
      .where('destroyed_at', 'is', null)
      .where('service_number_bidx', 'is not', null)
      .where('service_number_kind', '=', 'mobile')
      .where(sql<boolean>`service_number_bidx <> ${line}`)
      .executeTakeFirstOrThrow();
    const lines = Number(others.lines) + 1;
    if (lines > maxLinesPerId)
      refuse(
        'ID_LINE_LIMIT',
        'service number or ID number',
        `ID number ${String(row.holder_id_masked)} would hold ${lines} mobile numbers, more than the limit of ${maxLinesPerId} per ID (its other lines on records ${others.records.slice(0, 3).join(', ')}${others.records.length > 3 ? ', …' : ''})`,
      );
  }
  for (const [field, col, agentCol, what] of [
    ['holder_phone', 'holder_phone_bidx', 'phone_bidx', 'phone number'],
    ['holder_address', 'holder_address_bidx', 'address_bidx', 'address'],
  ] as const) {
    const value = bidx(col);
    if (!corrected.has(field) || !value) continue;
    const agent = await trx
      .selectFrom('agents')
      .select('agent_id')
      .where(agentCol, '=', value)
      .limit(1)
      .executeTakeFirst();
    if (agent)
      refuse('AGENT_CONTACT_SUBSTITUTION', what, `it is the one registered for agent ${agent.agent_id}`);
  }
}

/**
 * Checks a reviewer's corrected values against the record as it is now and returns them masked,
 * for the history; the record is not changed (at resolve, before the four-eyes verification).
 */
export async function checkCorrection(
  ctx: CustodianContext,
  trx: Transaction<Database>,
  flag: Flag,
  values: Record<string, string>,
  acceptedWarnings: readonly string[] = [],
): Promise<Record<string, string>> {
  return (await encodeCorrection(ctx, trx, flag, values, acceptedWarnings)).masked;
}

/**
 * Writes a reviewer's corrected values to the flagged record, checked again against the record as
 * it is now (at verification, inside its transaction), then closes, as `verifiedBy`, the other
 * flags the correction settles (core's `settleFlagsAfterCorrection`). Returns the values masked,
 * for the history, and the flags it closed.
 */
export async function applyCorrection(
  ctx: CustodianContext,
  trx: Transaction<Database>,
  flag: Flag,
  values: Record<string, string>,
  verifiedBy: string,
  acceptedWarnings: readonly string[] = [],
): Promise<{ masked: Record<string, string>; settled: SettledFlag[] }> {
  const e = await encodeCorrection(ctx, trx, flag, values, acceptedWarnings);
  await trx.updateTable('customers').set(e.update).where('customer_id', '=', e.customerId).execute();
  const settled = await settleFlagsAfterCorrection(trx, {
    flag,
    actor: verifiedBy,
    before: e.before,
    findings: e.findings,
    maxLinesPerId: ctx.config.ingest.maxLinesPerId,
  });
  return { masked: e.masked, settled };
}

/** The codec core's `resolveFlag` (check) and `verifyFlag` (write) take, bound to a context. */
export function correctionCodec(ctx: CustodianContext): CorrectionCodec {
  return {
    check: (trx, flag, values, accepted) => checkCorrection(ctx, trx, flag, values, accepted),
    write: (trx, flag, values, verifiedBy, accepted) =>
      applyCorrection(ctx, trx, flag, values, verifiedBy, accepted),
  };
}
