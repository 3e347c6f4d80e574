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
