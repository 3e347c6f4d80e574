import { parseArgs } from 'node:util';
import { type CliOutput, type CustodianContext, userPath } from '@custodian/core';
import { COMMON_OPTIONS, usageError } from '../cli-options.js';
import { loadCorrectionCodec } from '../review/correction-codec.js';
import { importReview } from '../review/import-review.js';

/** `reports import-review <xlsx> [--strict] [--dry-run]`: exit 0 when every filled row was applied, 1 when some row was bad. */
export async function runImportReviewCommand(
  ctx: CustodianContext,
  argv: string[],
  out: CliOutput,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...COMMON_OPTIONS, strict: { type: 'boolean' }, 'dry-run': { type: 'boolean' } },
  });
  if (!positionals[0]) throw usageError('import-review needs the workbook a channel filled in');
  // As typed, from the folder it was typed in (see `userPath`).
  const file = userPath(positionals[0]);
  const codecOf = await loadCorrectionCodec();
  const r = await importReview(ctx, file, {
    strict: Boolean(values.strict),
    dryRun: Boolean(values['dry-run']),
    correctionCodec: codecOf?.(ctx),
  });
  for (const b of r.bad) {
    out.say(
      `bad: sheet "${b.sheet}" row ${b.row}${b.flagId ? ` (flag #${b.flagId})` : ''}: ${b.problems.join('; ')}`,
    );
  }
  out.say(
    `${r.file}: list of ${r.listedOn}, ${r.rowsRead} rows; ${r.applied.length} outcomes recorded, ${r.bad.length} bad rows (nothing changed for them), ${r.skipped} without outcome, ${r.unchanged} already recorded${r.held ? `, ${r.held} valid rows held back (${values['dry-run'] ? 'dry run' : '--strict'})` : ''}`,
  );
  out.result({ ok: r.bad.length === 0, ...r });
  return r.bad.length === 0 ? 0 : 1;
}
