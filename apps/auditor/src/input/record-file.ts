import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { RecordDirectory } from '../detect/record-directory.js';
import { splitCsvLine } from './log-reader.js';
import { readRecordsFile, secrecyRank } from './master-data.js';

/**
 * Fills a record directory from an exported record list (`archive_no, branch, secrecy_level`).
 * With `withBranches` false only the classified records are kept (all the clearance and approval
 * rules need); branches are needed for transferred staff and branch-scoped approvals. A UTF-8
 * file with the canonical header is read by a plain line splitter (a million rows in about a
 * second); anything else goes through the general table reader.
 */
export async function loadRecordDirectoryFromFile(
  file: string,
  withBranches: boolean,
  into: RecordDirectory = new RecordDirectory(),
): Promise<RecordDirectory> {
  const lines = createInterface({
    input: createReadStream(file, { encoding: 'utf8' }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let columns: number[] | undefined;
  for await (const raw of lines) {
    if (!columns) {
      const head = splitCsvLine(raw.replace(/^\uFEFF/, '')).map((h) => h.trim());
      columns = ['archive_no', 'branch', 'secrecy_level'].map((c) => head.indexOf(c));
      if (columns[0] === -1) {
        lines.close();
        return loadGeneral(file, withBranches, into);
      }
      continue;
    }
    if (raw === '') continue;
    const cells = splitCsvLine(raw);
    const archive = cells[columns[0]!]?.trim();
    if (!archive) continue;
    const rank = secrecyRank(columns[2]! >= 0 ? cells[columns[2]!]?.trim() : undefined) ?? 0;
    if (rank > 0 || withBranches)
      into.add(archive, rank, withBranches && columns[1]! >= 0 ? cells[columns[1]!]?.trim() || null : null);
  }
  return into;
}

async function loadGeneral(
  file: string,
  withBranches: boolean,
  into: RecordDirectory,
): Promise<RecordDirectory> {
  for await (const r of readRecordsFile(file)) {
    const rank = secrecyRank(r.secrecy_level) ?? 0;
    if (rank > 0 || withBranches) into.add(r.archive_no, rank, withBranches ? r.branch : null);
  }
  return into;
}
