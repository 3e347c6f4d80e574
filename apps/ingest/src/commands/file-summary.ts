import { basename } from 'node:path';
import { type FileResult, isAllQuarantined } from '../pipeline/ingest-file.js';
import { describeRejected, type MasterDataResult } from '../pipeline/master-data.js';

/**
 * What `ingest run` prints and the nightly job logs for each file, in the same words: the rows
 * read, the rows quarantined (the first ten with line, column and reason, never a cell's value),
 * the records and the flags raised, so that a bad night shows in the scheduler's log as on the
 * command line. `allQuarantined` words the warning for a file whose every row was quarantined
 * (what happens next differs: `run` exits 4, the nightly job moves it to done/).
 */
/** A count as the progress lines write it: 2,000 (not 2000 beside 2,000 rows). */
const n = (count: number | undefined): string => (count ?? 0).toLocaleString('en');

export function fileSummaryLines(r: FileResult, allQuarantined: (r: FileResult) => string): string[] {
  const name = basename(r.file);
  if (r.status === 'skipped') return [`${name}: skipped, ${r.message}`];
  if (r.status === 'failed') return [`${name}: FAILED, ${withoutName(r.file, r.message)}`];
  const lines = [
    `${name}: batch ${r.batchId} (${r.encoding}), ${n(r.rowsRead)} rows, ${n(r.rowsQuarantined)} quarantined, ` +
      `${n(r.recordsInserted)} new, ${n(r.recordsUpdated)} updated, ${n(r.recordsUnchanged)} unchanged records; ` +
      `${n(r.flagsRaised)} flags raised (listed ${r.listedOn}, due ${r.dueOn}), ${n(r.flagsReopened)} reopened, ${n(r.flagsAutoClosed)} closed; ${r.seconds.toFixed(1)} s` +
      ` (${(r.stagingSeconds ?? 0).toFixed(1)} s reading and checking, ${(r.mergeSeconds ?? 0).toFixed(1)} s merging into the archive)`,
  ];
  for (const w of r.warnings ?? []) lines.push(`  warning: ${w}`);
  if (isAllQuarantined(r)) lines.push(`  warning: ${allQuarantined(r)}`);
  if (r.segmentsMerged)
    lines.push(
      `  upserted into the archive in ${r.segmentsMerged} segment(s) while the file was read (one transaction: nothing lands before the whole file)`,
    );
  const rules = Object.entries(r.findingsByRule ?? {}).sort((a, b) => b[1] - a[1]);
  if (rules.length > 0) lines.push(`  findings: ${rules.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (r.indexesRebuilt)
    lines.push(
      `  ${r.indexesRebuilt} archive indexes built again after the upsert (a file as large as the archive)`,
    );
  if (r.flagIndexesRebuilt)
    lines.push(
      `  ${r.flagIndexesRebuilt} indexes and keys of the flags dropped for the insert of this night's flags and restored`,
    );
  if (r.indexRebuildSkipped) lines.push(`  no index rebuild: ${r.indexRebuildSkipped}`);
  for (const q of r.quarantineSample.slice(0, 10)) {
    lines.push(`  quarantined: ${name} line ${q.line}${q.column ? `, column ${q.column}` : ''}: ${q.reason}`);
  }
  if (r.rowsQuarantined > 10)
    lines.push(
      `  … ${(r.rowsQuarantined - 10).toLocaleString('en')} more quarantined rows: pnpm ingest quarantine --batch ${r.batchId}`,
    );
  return lines;
}

/** Agents or complaints: loaded and rejected (the first ten rejected rows with line and column), or why the file failed. */
export function masterDataSummaryLines(m: MasterDataResult): string[] {
  if (m.status === 'failed') return [`${basename(m.file)}: FAILED, ${withoutName(m.file, m.message)}`];
  const lines = [`${basename(m.file)}: ${m.loaded} ${m.kind} loaded, ${m.rejected.length} rejected`];
  for (const w of m.warnings ?? []) lines.push(`  warning: ${w}`);
  for (const r of m.rejected.slice(0, 10)) lines.push(`  ${describeRejected(m.file, r)}`);
  if (m.rejected.length > 10) lines.push(`  … ${m.rejected.length - 10} more rejected rows`);
  return lines;
}

/** A message that starts with the file's name, without it (the line already starts with it). */
function withoutName(file: string, message: string | undefined): string {
  const prefix = `${basename(file)}: `;
  return message?.startsWith(prefix) ? message.slice(prefix.length) : (message ?? '');
}
