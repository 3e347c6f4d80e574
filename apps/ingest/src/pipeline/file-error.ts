import { basename } from 'node:path';

/** Why a file could not be read, for the operator: what the file system said in words. */
const FS_REASONS: Record<string, string> = {
  EISDIR: 'is a directory, not a file',
  ENOENT: 'file not found',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EMFILE: 'too many open files',
};

/**
 * One line saying why `file` failed, from whatever reading it threw: the file's name first, the
 * reason in words, never a stack, never personal data. csv-parse quotes the field it stopped at
 * (`value is "…"`), so quoted text is cut from its messages; any run of six or more digits (a
 * phone, an ID number, an account) is masked in every message.
 */
export function describeFileError(file: string, err: unknown): string {
  const name = basename(file);
  const e = err as { code?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  let reason: string;
  if (FS_REASONS[code]) reason = `cannot read: ${FS_REASONS[code]}`;
  else {
    reason = String(e?.message ?? err)
      .split('\n')[0]!
      .trim();
    // The table reader names the file itself, by its path: once is enough.
    for (const prefix of [`${file}: `, `${name}: `])
      if (reason.startsWith(prefix)) reason = reason.slice(prefix.length);
    // (What exceljs throws on a workbook it cannot read is worded by the table reader.)
    if (/^(CSV_|INVALID_)/.test(code)) reason = `not readable as CSV: ${reason.replace(/"[^"]*"/g, '"…"')}`;
  }
  reason = reason.replace(/\d{6,}/g, (d) => `${d.slice(0, 2)}****`);
  if (reason.length > 300) reason = `${reason.slice(0, 300)}…`;
  return `${name}: ${reason || 'unreadable'}`;
}
