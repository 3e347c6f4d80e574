/**
 * Keyset pagination with one page fetched ahead: while the caller renders a page, the database is
 * already producing the next, so a long table costs max(database, rendering) rather than their sum.
 * `fetch(after)` returns the page after the key `after` (undefined for the first page); a short
 * page ends the iteration. Pages stay in order; at most two are in memory.
 */
export async function* keysetPages<Row, Key>(
  fetch: (after: Key | undefined) => Promise<Row[]>,
  keyOf: (row: Row) => Key,
  pageSize: number,
): AsyncGenerator<Row[]> {
  let pending = fetch(undefined);
  for (;;) {
    const rows = await pending;
    if (rows.length === 0) return;
    const more = rows.length >= pageSize;
    pending = more ? fetch(keyOf(rows[rows.length - 1]!)) : Promise.resolve([]);
    // A caller that stops early (a PDF table at its row limit) leaves the prefetch unawaited.
    pending.catch(() => undefined);
    yield rows;
    if (!more) return;
  }
}
