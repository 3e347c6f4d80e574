import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type CliOutput,
  type CustodianContext,
  CustodianError,
  integerOption,
  MAX_ID,
} from '@custodian/core';
import { sql } from 'kysely';
import { COMMON_OPTIONS, usageError } from '../cli-options.js';
import { pageFooter } from './flags.js';

/**
 * `ingest quarantine [--batch N] [--limit N] [--offset N]`: the rows of a batch kept in quarantine,
 * with file, line, column and reason, in line order. A run prints the first ten of a file; this
 * gives them all, so that the operations team can have the source system fix each one. Never the
 * row's content: it is kept encrypted (it may carry personal data). Without --batch, the latest
 * batch that quarantined rows.
 */
export async function runQuarantineCommand(
  ctx: CustodianContext,
  argv: string[],
  out: CliOutput,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      batch: { type: 'string' },
      limit: { type: 'string' },
      offset: { type: 'string' },
    },
  });
  if (positionals.length > 0) throw usageError(`quarantine takes no arguments (--batch <n> names a batch)`);
  const db = ctx.storage.db;
  const limit = integerOption('limit', values.limit, { min: 1, max: 1000 }) ?? 50;
  const offset = integerOption('offset', values.offset, { min: 0 }) ?? 0;
  const asked = integerOption('batch', values.batch, { min: 1, max: MAX_ID });
  const batch = await db
    .selectFrom('batches')
    .select(['batch_id', 'file_name', 'rows_read', 'rows_quarantined', 'ingested_on'])
    .$if(asked !== undefined, (q) => q.where('batch_id', '=', asked!))
    .$if(asked === undefined, (q) => q.where('rows_quarantined', '>', 0).orderBy('batch_id', 'desc').limit(1))
    .executeTakeFirst();
  if (!batch) {
    // As `flags show` for an id no flag has: a batch number in range that none has is not bad usage.
    if (asked !== undefined) throw new CustodianError('BATCH_NOT_FOUND', `batch ${asked} does not exist`);
    out.say('no batch has quarantined rows');
    out.result({ ok: true, batch: null, total: 0, rows: [] });
    return 0;
  }
  const [rows, count] = await Promise.all([
    db
      .selectFrom('quarantine')
      .select(['file_name', 'line', 'column_name', 'reason'])
      .where('batch_id', '=', batch.batch_id)
      .orderBy('line')
      .orderBy('quarantine_id')
      .limit(limit)
      .offset(offset)
      .execute(),
    sql<{ n: number }>`select count(*)::int as n from quarantine where batch_id = ${batch.batch_id}`.execute(
      db,
    ),
  ]);
  const total = count.rows[0]!.n;
  out.say(
    // The night it was ingested: without --batch the latest batch that quarantined rows may be weeks
    // old, and was read as last night's.
    `batch ${batch.batch_id} (${basename(batch.file_name)}, ingested ${batch.ingested_on}): ${batch.rows_read.toLocaleString('en')} rows read, ${total.toLocaleString('en')} kept in quarantine`,
  );
  for (const r of rows)
    out.say(`  line ${r.line}${r.column_name ? `, column ${r.column_name}` : ''}: ${r.reason}`);
  out.say(pageFooter(offset, rows.length, total, ['row', 'rows']));
  const next = offset + rows.length;
  out.result({
    ok: true,
    batch: batch.batch_id,
    file: basename(batch.file_name),
    ingested_on: batch.ingested_on,
    total,
    offset,
    next_offset: rows.length > 0 && next < total ? next : null,
    rows: rows.map((r) => ({
      file: basename(r.file_name),
      line: r.line,
      column: r.column_name,
      reason: r.reason,
    })),
  });
  return 0;
}
