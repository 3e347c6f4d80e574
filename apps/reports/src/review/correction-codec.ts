import type { CustodianContext, Database, Flag } from '@custodian/core';
import type { Transaction } from 'kysely';

/**
 * The codec that writes a reviewer's corrected values to a customer record (outcome `corrected`):
 * it decrypts, replaces, re-validates and re-encodes the record exactly as the ingest does, so it
 * belongs to apps/ingest (`applyCorrection` in src/review/apply-correction.ts). Until that package
 * exports it as `@custodian/ingest/review`, this returns undefined and `import-review` reports
 * rows with outcome `corrected` as not applicable from a workbook (they change nothing).
 */
export type CorrectionCodec = (
  ctx: CustodianContext,
  trx: Transaction<Database>,
  flag: Flag,
  values: Record<string, string>,
) => Promise<Record<string, string>>;

const SPECIFIER = '@custodian/ingest/review';

export async function loadCorrectionCodec(): Promise<CorrectionCodec | undefined> {
  try {
    const mod = (await import(SPECIFIER)) as { applyCorrection?: CorrectionCodec };
    return typeof mod.applyCorrection === 'function' ? mod.applyCorrection : undefined;
  } catch {
    return undefined;
  }
}
