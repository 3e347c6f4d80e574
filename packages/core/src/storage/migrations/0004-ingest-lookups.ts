import { type Kysely, sql } from 'kysely';

/**
 * Indexes behind the nightly merge's look-ups of existing flags, so that their cost follows the
 * batch and not the archive (issue: a second night must be no slower than the first):
 * the flags of the records a batch changes, and the open flags of a shared value (phone, bank
 * account, ID number) whose group a batch touched. And one index less on the archive: nothing looks
 * customers up by service number (the line limit counts them per ID number), and every index costs
 * each night's insert of the archive about 3 µs a row.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index flags_record on flags (record_id)`.execute(db);
  await sql`create index flags_open_subject on flags (rule, subject_bidx) where status in ('open', 'assigned') and subject_bidx is not null`.execute(
    db,
  );
  await sql`drop index if exists customers_service_number_bidx`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`create index customers_service_number_bidx on customers (service_number_bidx)`.execute(db);
  await sql`drop index flags_open_subject`.execute(db);
  await sql`drop index flags_record`.execute(db);
}
