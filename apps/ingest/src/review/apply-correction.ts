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
} from '@custodian/core';
import { maskAddress, maskBankAccount, maskIdNumber, maskName, maskPhone } from '@custodian/validators';
import type { Transaction } from 'kysely';
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
};

interface EncodedCorrection {
  customerId: number;
  /** The customer row's columns as re-encoded with the corrected values. */
  update: Record<string, unknown>;
  masked: Record<string, string>;
}

/**
 * Re-encodes the flagged record with a reviewer's corrected values (outcome `corrected`), writing
 * nothing: the stored record (locked) is decrypted, the fields replaced, and the whole record
 * encoded (validation, blind indexes, masks) exactly as the ingest would. Throws
 * `CORRECTION_INVALID` for a field that cannot be corrected or a value that still fails a rule.
 */
async function encodeCorrection(
  ctx: CustodianContext,
  trx: Transaction<Database>,
  flag: Flag,
  values: Record<string, string>,
): Promise<EncodedCorrection> {
  for (const field of Object.keys(values)) {
    if (!(CUSTOMER_FIELDS as readonly string[]).includes(field) || field === 'record_id') {
      throw new CustodianError('CORRECTION_INVALID', `"${field}" is not a correctable customer field`);
    }
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
  record.holder_gender = c.holder_gender ?? undefined;
  record.insured_gender = c.insured_gender ?? undefined;
  Object.assign(record, values);
  const encoded = encodeCustomerRecord(ctx.keyring, record, (pii.extra as Record<string, string>) ?? {}, {
    profile: ctx.config.ingest.profile,
    today: new Date().toISOString().slice(0, 10),
    retentionYears: ctx.config.ingest.retentionYears,
  });
  // A correction must correct: a value that still fails a rule (a phone '12') is refused, not
  // written to the archive with no flag left to show it.
  const corrected = new Set(Object.keys(values));
  const still = encoded.findings.find(
    (f) => f.severity === 'error' && (corrected.has(f.field ?? '') || corrected.has(f.maskedField ?? '')),
  );
  if (still) {
    throw new CustodianError(
      'CORRECTION_INVALID',
      `the corrected record still fails ${still.rule} (${still.field}): ${still.reasonEn}`,
    );
  }
  const update: Record<string, unknown> = {};
  CUSTOMER_DATA_COLUMNS.forEach((col, i) => {
    if (col !== 'record_id') update[col] = encoded.columns[i];
  });
  const masked = Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, (MASKERS[k] ?? ((x: string) => x))(v)]),
  );
  return { customerId: c.customer_id, update, masked };
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
): Promise<Record<string, string>> {
  return (await encodeCorrection(ctx, trx, flag, values)).masked;
}

/**
 * Writes a reviewer's corrected values to the flagged record, checked again against the record as
 * it is now (at verification, inside its transaction). Returns the values masked, for the history.
 */
export async function applyCorrection(
  ctx: CustodianContext,
  trx: Transaction<Database>,
  flag: Flag,
  values: Record<string, string>,
): Promise<Record<string, string>> {
  const e = await encodeCorrection(ctx, trx, flag, values);
  await trx.updateTable('customers').set(e.update).where('customer_id', '=', e.customerId).execute();
  return e.masked;
}

/** The codec core's `resolveFlag` (check) and `verifyFlag` (write) take, bound to a context. */
export function correctionCodec(ctx: CustodianContext): CorrectionCodec {
  return {
    check: (trx, flag, values) => checkCorrection(ctx, trx, flag, values),
    write: (trx, flag, values) => applyCorrection(ctx, trx, flag, values),
  };
}
