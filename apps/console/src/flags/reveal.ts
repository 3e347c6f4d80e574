import { appendAuditTrail, type CustodianContext, decryptJson, PERSONAL_FIELDS } from '@custodian/core';

/**
 * A clear value for a permitted user who states why (rulebook §5: masked unless a permitted user
 * asks, and the request is itself logged). The audit entry is written in the same transaction as
 * the read and before the value leaves: no entry, no value. The entry never holds the value.
 */
export type PersonalField = (typeof PERSONAL_FIELDS)[number];

export function isPersonalField(value: string): value is PersonalField {
  return (PERSONAL_FIELDS as readonly string[]).includes(value);
}

export const MIN_REASON_LENGTH = 2;

export async function revealValue(
  ctx: CustodianContext,
  input: { actor: string; recordId: string; field: PersonalField; reason: string; flagId: number },
): Promise<string | null> {
  return ctx.storage.db.transaction().execute(async (trx) => {
    const customer = await trx
      .selectFrom('customers')
      .select(['customer_id', 'record_id', 'archive_no', 'pii', 'destroyed_at'])
      .where('record_id', '=', input.recordId)
      .executeTakeFirst();
    if (!customer || customer.destroyed_at) return null;
    await appendAuditTrail(trx, {
      actor: input.actor,
      action: 'reveal',
      targetType: 'customer',
      targetId: customer.record_id,
      detail: {
        field: input.field,
        reason: input.reason,
        flag_id: input.flagId,
        archive_no: customer.archive_no,
        via: 'console',
      },
    });
    const pii = decryptJson<Record<string, unknown>>(ctx.keyring, customer.pii);
    const value = pii[input.field];
    return typeof value === 'string' && value !== '' ? value : null;
  });
}
