import type { CorrectionCodecFactory } from '@custodian/core';

/**
 * The codec that checks a reviewer's corrected values (outcome `corrected`) and, at verification,
 * writes them to the customer record: it decrypts, replaces, re-validates and re-encodes the record
 * exactly as the ingest does, so it belongs to apps/ingest (`correctionCodec` in
 * src/review/apply-correction.ts, exported as `@custodian/ingest/review`). Loaded on demand; when it
 * cannot be loaded this returns undefined and `import-review` reports rows with outcome `corrected`
 * as not applicable from a workbook (they change nothing).
 */
const SPECIFIER = '@custodian/ingest/review';

export async function loadCorrectionCodec(): Promise<CorrectionCodecFactory | undefined> {
  try {
    const mod = (await import(SPECIFIER)) as { correctionCodec?: CorrectionCodecFactory };
    return typeof mod.correctionCodec === 'function' ? mod.correctionCodec : undefined;
  } catch {
    return undefined;
  }
}
