import { type Kysely, sql } from 'kysely';

/**
 * On the server a big file is merged while it is still being read: another connection commits its
 * rows to staging segment by segment, and the merge upserts each segment as it comes (see
 * `mergeStagedBatch`). A segment is a range of lines of one batch; without this index each would
 * scan the whole batch staged so far. An append at the end of the index per staged row.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index staging_customers_batch_line on staging_customers (batch_id, line)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists staging_customers_batch_line`.execute(db);
}
