/**
 * The rows of one page of a listing (flags, anomalies): a limit from 1 to 1,000 (default 50) and
 * an offset of 0 or more. A NaN from a caller (`Number('abc')`) falls back to the default: passed
 * on, it would reach the database as no limit at all.
 */
export function pageWindow(page: { limit?: number | undefined; offset?: number | undefined }): {
  limit: number;
  offset: number;
} {
  const limit = Number.isFinite(page.limit) ? Math.min(Math.max(Math.trunc(page.limit!), 1), 1000) : 50;
  const offset = Number.isFinite(page.offset) ? Math.max(Math.trunc(page.offset!), 0) : 0;
  return { limit, offset };
}

/** Which rows of an export: skip `offset` of them, then at most `limit` (unset: all). */
export interface ExportWindow {
  offset?: number;
  limit?: number;
  /** Rows read per query (default 2,000). */
  pageSize?: number;
}

/**
 * Every row of an export (flags, anomalies) in order of its id, a page at a time, so that memory
 * does not grow with the table: `fetch` reads `size` rows whose id is above `after`, skipping
 * `skip` first. The offset applies once, to the first page; the later pages follow on from the
 * last row.
 */
export async function* iterateById<T>(
  fetch: (after: number, size: number, skip: number) => Promise<T[]>,
  idOf: (row: T) => number,
  window: ExportWindow = {},
): AsyncGenerator<T> {
  const pageSize = window.pageSize ?? 2000;
  let skip = window.offset ?? 0;
  let left = window.limit ?? Number.POSITIVE_INFINITY;
  let after = 0;
  while (left > 0) {
    const rows = await fetch(after, Math.min(pageSize, left), skip);
    skip = 0;
    if (rows.length === 0) return;
    yield* rows;
    left -= rows.length;
    after = idOf(rows[rows.length - 1]!);
  }
}
