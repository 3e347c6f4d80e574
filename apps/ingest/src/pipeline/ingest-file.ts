import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  type CustodianContext,
  copyRows,
  type Database,
  type MergeOptions,
  type MergeResult,
  mergeStagedBatch,
  openCopyStream,
} from '@custodian/core';
import { sql, type Transaction } from 'kysely';
import {
  describeDuplicates,
  describeMissingColumns,
  mapHeaders,
  missingCustomerColumns,
  partialCustomerParties,
} from '../input/header-map.js';
import { isWorkbook, openTable } from '../input/table-reader.js';
import { describeSheetChoice } from '../input/xlsx-sheet.js';
import { type BadRow, quarantineEntry } from './encode-csv-block.js';
import { type RowChunk, STAGING_COLUMNS } from './encode-rows.js';
import { describeFileError } from './file-error.js';
import { sha256File } from './file-hash.js';
import { SegmentFeed } from './segment-feed.js';
import type { EncoderPool } from './worker-pool.js';

export interface IngestFileOptions {
  /** Ingestion date (Asia/Shanghai), from which listing (T+1) and due dates are counted. */
  date: string;
  profile: string;
  actor: string;
  pool: EncoderPool;
  chunkSize: number;
  /** Agent master data changed in this run: compare the whole archive with it. */
  agentsChanged: boolean;
  sheet?: string;
  /** CSV bytes per encoder block (default 1 MiB): segments of a merge end on block boundaries. */
  csvBlockBytes?: number;
  onProgress?: (p: { file: string; rows: number; quarantined: number }) => void;
}

export interface QuarantinedRow {
  line: number;
  column: string | null;
  reason: string;
}

export interface FileResult extends Partial<MergeResult> {
  file: string;
  sha256: string;
  /** XLSX: the sheet named by `--sheet` (absent: CSV, or a workbook read without it: see `warnings`). */
  sheet?: string;
  status: 'done' | 'skipped' | 'failed';
  batchId?: number;
  message?: string;
  encoding?: string;
  rowsRead: number;
  rowsQuarantined: number;
  /**
   * What the operator should know of a file that was ingested: two columns mapped to one field, a
   * header line without any data row. Printed by `run` and logged by the nightly job; the exit
   * status is not changed by them.
   */
  warnings?: string[];
  /** The first quarantined rows (file, line, column, reason), for the operator. */
  quarantineSample: QuarantinedRow[];
  listedOn?: string;
  dueOn?: string;
  seconds: number;
  /** Of `seconds`: reading, checking and staging the rows; merging them into the archive. */
  stagingSeconds?: number;
  mergeSeconds?: number;
}

/** Before a run: batches left `running` by a killed process (we hold the ingest lock) are failed and their staging removed. */
export async function recoverInterruptedBatches(ctx: CustodianContext): Promise<number> {
  const stale = await ctx.storage.db
    .updateTable('batches')
    .set({
      status: 'failed',
      error: 'interrupted (process stopped before the file was merged); the archive was left as before',
      finished_at: sql`now()`,
    })
    .where('status', '=', 'running')
    .returning('batch_id')
    .execute();
  await ctx.storage.db.deleteFrom('staging_customers').execute();
  return stale.length;
}

/** Which identity a skipped file matched, in words: "same SHA-256, sheet "客户", profile insurance". */
function describeIdentity(sheet: string, profile: string): string {
  return `same SHA-256${sheet ? `, sheet "${sheet}"` : ''}, profile ${profile}`;
}

/**
 * True when every row read was quarantined and none was staged: the file counts as failed for the
 * exit status (4), although its batch is done and its rows are kept in quarantine. A file with no
 * data row at all (a header line only) is not: nothing in it was refused.
 */
export function isAllQuarantined(r: FileResult): boolean {
  return r.status === 'done' && r.rowsRead > 0 && r.rowsQuarantined >= r.rowsRead;
}

function minusDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

/**
 * Ingests one customer file: rows are staged with COPY (malformed ones quarantined with file,
 * line, column and reason), then merged into the archive in one transaction. Re-running a file
 * already ingested (same SHA-256, sheet and profile) does nothing. On any failure the batch is
 * marked failed, its staged rows are removed and the archive is as it was before the file.
 */
export async function ingestFile(
  ctx: CustodianContext,
  file: string,
  o: IngestFileOptions,
): Promise<FileResult> {
  const started = Date.now();
  const db = ctx.storage.db;
  const sha256 = await sha256File(file);
  const base: FileResult = {
    file,
    sha256,
    status: 'skipped',
    rowsRead: 0,
    rowsQuarantined: 0,
    quarantineSample: [],
    seconds: 0,
  };
  // The identity of an ingested file (migration 0008): its content, the sheet read and the
  // profile it was checked under. Another sheet of the same workbook, or the same file under
  // another profile, is other work; the same identity twice is ingested once.
  const sheet = isWorkbook(file) ? (o.sheet ?? '') : '';
  if (sheet) base.sheet = sheet;
  const previous = await db
    .selectFrom('batches')
    .select(['batch_id', 'finished_at', 'file_name', 'ingested_on'])
    .where('file_sha256', '=', sha256)
    .where('sheet', '=', sheet)
    .where('profile', '=', o.profile)
    .where('status', '=', 'done')
    .executeTakeFirst();
  if (previous) {
    return {
      ...base,
      batchId: previous.batch_id,
      // Which delivery it repeats: a source system that sends yesterday's export again under
      // today's name is told apart from the same file dropped twice.
      message: `already ingested as batch ${previous.batch_id}, ${previous.file_name} of ${previous.ingested_on} (${describeIdentity(sheet, o.profile)}): nothing done`,
      seconds: (Date.now() - started) / 1000,
    };
  }

  // Without --sheet, a workbook is read from its first sheet with a record_id column (a cover sheet
  // of instructions often comes first). The choice follows from the file's content, so the identity
  // above (no sheet) still finds the same file next time without reading it.
  const aliases = ctx.config.ingest.headerAliases;
  const table = await openTable(file, {
    ...(o.sheet
      ? { sheet: o.sheet }
      : {
          acceptsHeader: (headers: string[]) =>
            mapHeaders('customers', headers, aliases).fields.includes('record_id'),
        }),
    ...(o.csvBlockBytes ? { blockBytes: o.csvBlockBytes } : {}),
  });
  const mapping = mapHeaders('customers', table.info.headers, aliases);
  /** Where the header line was read, for a failure of it: its line and the encoding read. */
  const headerSource = { line: table.info.headerLine, encoding: table.info.encoding };
  const sheetChoice = describeSheetChoice(
    table.info.sheetChoice,
    table.info.sheet,
    'a column recognised as record_id',
    'name the sheet to read with --sheet <name>',
  );
  /** A failure of the file's header line, with the sheet chosen (the line is that sheet's). */
  const withSheet = (message: string) => (sheetChoice ? `${message}; ${sheetChoice}` : message);
  const listedOn = ctx.calendar.addWorkingDays(o.date, ctx.config.ingest.listAfterWorkingDays);
  const dueOn = ctx.calendar.addWorkingDays(listedOn, ctx.config.ingest.dueAfterWorkingDays);
  const [batch] = await db
    .insertInto('batches')
    .values({
      file_name: basename(file),
      file_sha256: sha256,
      sheet,
      status: 'running',
      profile: o.profile,
      ingested_on: o.date,
    })
    .returning('batch_id')
    .execute();
  const batchId = batch!.batch_id;
  const result: FileResult = { ...base, batchId, encoding: table.info.encoding, listedOn, dueOn };

  const fail = async (message: string): Promise<FileResult> => {
    await db.deleteFrom('staging_customers').where('batch_id', '=', batchId).execute();
    await db
      .updateTable('batches')
      .set({
        status: 'failed',
        error: message,
        finished_at: sql`now()`,
        rows_read: result.rowsRead,
        rows_quarantined: result.rowsQuarantined,
      })
      .where('batch_id', '=', batchId)
      .execute();
    return { ...result, status: 'failed', message, seconds: (Date.now() - started) / 1000 };
  };

  // A file without a column the profile requires would raise MISSING_REQUIRED on every row and
  // empty that field of every record it updates: it fails before anything is staged. Named with
  // the accepted headers and only the cells recognised as headers: a file without a header line
  // has a customer's data in its first line, which must not be printed or stored in clear.
  // When no sheet has a record_id column, the sheet described is no customer sheet: its other
  // missing columns would say nothing.
  const noSheetChosen = table.info.sheetChoice?.accepted === false && sheetChoice !== undefined;
  const missing = noSheetChosen ? ['record_id'] : missingCustomerColumns(mapping.fields, o.profile);
  if (missing.length > 0) {
    const fromProfile = missing.some((f) => f !== 'record_id');
    return fail(
      withSheet(
        `${basename(file)}: ${describeMissingColumns(
          'customers',
          mapping,
          missing,
          ctx.config.ingest.headerAliases,
          fromProfile
            ? `required of a customer file under profile ${o.profile}; nothing was staged`
            : undefined,
          headerSource,
        )}`,
      ),
    );
  }
  // The insured's columns in part: every row naming an insured would lack the others, as above.
  const partial = partialCustomerParties(mapping.fields, o.profile);
  if (partial.length > 0) {
    return fail(
      withSheet(
        partial
          .map(
            (p) =>
              `${basename(file)}: ${describeMissingColumns(
                'customers',
                mapping,
                p.missing,
                ctx.config.ingest.headerAliases,
                `required of a customer file that has ${p.party} columns (${p.present.join(', ')}) under profile ${o.profile}: a file carries all of them or none; nothing was staged`,
                headerSource,
              )}`,
          )
          .join('\n'),
      ),
    );
  }
  const warnings = [...(sheetChoice ? [sheetChoice] : []), ...describeDuplicates(mapping)];
  if (warnings.length > 0) result.warnings = warnings;
  const recordIdCol = mapping.fields.indexOf('record_id');

  let copy = await openCopyStream(ctx.storage, 'staging_customers', STAGING_COLUMNS, { binary: true });
  const quarantine: (string | number | Uint8Array | null)[][] = [];
  const flushQuarantine = async () => {
    if (quarantine.length === 0) return;
    await copyRows(
      ctx.storage,
      'quarantine',
      ['batch_id', 'file_name', 'line', 'column_name', 'reason', 'raw'],
      quarantine,
    );
    quarantine.length = 0;
  };
  /** `raw` is the row's text, encrypted: it may hold personal data. */
  const addBad = (bad: BadRow) => {
    result.rowsQuarantined++;
    if (result.quarantineSample.length < 20)
      result.quarantineSample.push({ line: bad.line, column: bad.column, reason: bad.reason });
    quarantine.push([batchId, basename(file), bad.line, bad.column, bad.reason, bad.raw]);
  };
  let lastProgress = 0;
  const progress = () => {
    if (o.onProgress && result.rowsRead - lastProgress >= 10_000) {
      lastProgress = result.rowsRead;
      o.onProgress({ file, rows: result.rowsRead, quarantined: result.rowsQuarantined });
    }
  };

  const mergeOptions: MergeOptions = {
    batchId,
    listedOn,
    dueOn,
    actor: o.actor,
    maxLinesPerId: ctx.config.ingest.maxLinesPerId,
    recheckComplaints: ctx.config.ingest.recheckComplaints,
    recheckFrom: minusDays(o.date, 365),
    recheckTo: o.date,
    agentsChanged: o.agentsChanged,
    rebuildIndexesFrom: ctx.config.ingest.rebuildIndexesFrom,
    rebuildLockWaitMs: ctx.config.ingest.rebuildLockWaitSeconds * 1000,
  };
  /** When reading and staging ended (the merge's own time is counted from there). */
  let staged = Date.now();
  const finalize = async (trx: Transaction<Database>, merged: MergeResult) => {
    Object.assign(result, merged);
    // Rows staged beyond the records merged: rows that repeated a record id of an earlier row. The
    // last row of a record wins (a later line of an export is the newer), but the operator hears of it.
    const repeated =
      result.rowsRead -
      result.rowsQuarantined -
      (merged.recordsInserted + merged.recordsUpdated + merged.recordsUnchanged);
    if (repeated > 0)
      result.warnings = [
        ...(result.warnings ?? []),
        `${repeated} row(s) repeated the record_id of an earlier row of the file: the last row of each record was kept`,
      ];
    result.status = 'done';
    result.seconds = (Date.now() - started) / 1000;
    result.mergeSeconds = (Date.now() - staged) / 1000;
    await trx
      .updateTable('batches')
      .set({
        status: 'done',
        rows_read: result.rowsRead,
        rows_quarantined: result.rowsQuarantined,
        rows_flagged: merged.recordsFlagged,
        summary: JSON.stringify({ ...result, quarantineSample: result.quarantineSample.slice(0, 5) }),
        finished_at: sql`now()`,
      })
      .where('batch_id', '=', batchId)
      .execute();
  };
  // On a server, a CSV file is merged while it is read (`ingest.mergeSegmentRows`): every so many
  // rows, the COPY commits and the merge transaction, on its own connection, upserts them while
  // the encoder threads go on. The archive still changes only when the whole file is merged.
  const segmentRows = ctx.storage.pool && table.blocks ? ctx.config.ingest.mergeSegmentRows : 0;
  const feed = segmentRows > 0 ? new SegmentFeed() : undefined;
  let merging: Promise<MergeResult> | undefined;
  let mergeFailure: Error | undefined;
  if (feed) {
    merging = mergeStagedBatch(db, mergeOptions, finalize, feed);
    merging.catch((err: Error) => {
      mergeFailure = err;
    });
  }

  const fileBytes = feed ? (await stat(file)).size : 0;
  /** Of the file: bytes read, and the first line and staged rows of the segment being written. */
  let bytesDone = 0;
  let segmentFrom = -1;
  let segmentStaged = 0;

  // Work is encoded concurrently (worker threads) and written to COPY in order; at most
  // `maxInFlight` pieces are held, so memory does not grow with the file.
  const inFlight: Promise<() => Promise<void>>[] = [];
  const maxInFlight = 4;
  const drainOne = async () => {
    const next = inFlight.shift();
    if (next) await (await next)();
  };
  const enqueue = async (work: Promise<() => Promise<void>>) => {
    inFlight.push(work);
    while (inFlight.length >= maxInFlight) await drainOne();
  };

  try {
    if (table.blocks) {
      // CSV: the encoder threads parse as well; this thread only cuts the file into blocks.
      for await (const block of table.blocks) {
        if (mergeFailure) throw mergeFailure;
        const firstLine = block.firstLine;
        const blockBytes = block.bytes.length;
        if (segmentFrom < 0) segmentFrom = firstLine;
        const job = {
          block,
          batchId,
          fields: mapping.fields,
          headers: mapping.headers,
          encoding: table.info.encoding.replace(/\+BOM$/, ''),
          recordIdCol,
        };
        await enqueue(
          o.pool.encodeCsv(job).then((r) => async () => {
            if (feed && segmentStaged >= segmentRows) {
              // The segment so far is committed and handed to the merge; the next COPY goes on.
              await copy.end();
              const estimatedRows = Math.round((result.rowsRead * fileBytes) / Math.max(1, bytesDone));
              feed.push({ fromLine: segmentFrom, toLine: firstLine, estimatedRows });
              copy = await openCopyStream(ctx.storage, 'staging_customers', STAGING_COLUMNS, {
                binary: true,
              });
              segmentFrom = firstLine;
              segmentStaged = 0;
            }
            result.rowsRead += r.rowsRead;
            bytesDone += blockBytes;
            for (const bad of r.bad) addBad(bad);
            await copy.write(r.copy);
            segmentStaged += r.rowsRead - r.bad.length;
            if (quarantine.length >= 1000) await flushQuarantine();
            progress();
          }),
        );
      }
    } else {
      let chunk: RowChunk = { batchId, fields: mapping.fields, headers: mapping.headers, rows: [] };
      const submit = async () => {
        if (chunk.rows.length === 0) return;
        await enqueue(
          o.pool.encode(chunk).then((r) => async () => {
            await copy.write(r.copy);
          }),
        );
        chunk = { batchId, fields: mapping.fields, headers: mapping.headers, rows: [] };
      };
      for await (const row of table.rows) {
        result.rowsRead++;
        const entry = quarantineEntry(ctx.keyring, row, mapping.headers, recordIdCol);
        if (entry) addBad(entry);
        else if (row.kind === 'row') {
          chunk.rows.push({ line: row.line, values: row.values });
          if (chunk.rows.length >= o.chunkSize) await submit();
        }
        if (quarantine.length >= 1000) await flushQuarantine();
        progress();
      }
      await submit();
    }
    while (inFlight.length > 0) await drainOne();
    await copy.end();
    await flushQuarantine();
    if (feed) {
      if (segmentFrom >= 0)
        feed.push({ fromLine: segmentFrom, toLine: null, estimatedRows: result.rowsRead });
      feed.end();
    }
  } catch (err) {
    await Promise.allSettled(inFlight);
    await copy.abort(err as Error);
    if (feed && merging) {
      feed.fail(err as Error);
      await merging.catch(() => undefined);
    }
    // A reading failure is worded as any other failure of a file (file-error.ts: no stack, no
    // quoted values, digit runs masked).
    return fail(
      err === mergeFailure
        ? `merge failed, archive unchanged: ${(err as Error).message}`
        : describeFileError(file, err),
    );
  }
  o.onProgress?.({ file, rows: result.rowsRead, quarantined: result.rowsQuarantined });
  // A header line and nothing after it (an export cut short, a wrong query) is not an error, but
  // it must not pass unnoticed: the batch is done and the next delivery of the same file skipped.
  if (result.rowsRead === 0)
    result.warnings = [
      ...(result.warnings ?? []),
      'the file has a header line but no data rows: nothing was ingested (is the export complete?)',
    ];
  staged = Date.now();
  result.stagingSeconds = (staged - started) / 1000;

  try {
    if (merging) await merging;
    else await mergeStagedBatch(db, mergeOptions, finalize);
  } catch (err) {
    return fail(`merge failed, archive unchanged: ${(err as Error).message}`);
  }
  return result;
}
