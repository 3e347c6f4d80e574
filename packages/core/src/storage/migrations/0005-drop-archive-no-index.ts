import { type Kysely, sql } from 'kysely';

/**
 * Nothing looks customers up by archive number (the auditor reads the archive by customer id and
 * keeps archive numbers in memory; flags carry their own copy), and the index was the dearest of
 * the archive's to keep: text under the database collation, 5.9 s of the 21 s that rebuilding the
 * indexes takes after a million-record night into an archive of a million, and a page visit per
 * row on every smaller night. Put it back when a look-up by archive number is added.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists customers_archive_no`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`create index customers_archive_no on customers (archive_no)`.execute(db);
}
