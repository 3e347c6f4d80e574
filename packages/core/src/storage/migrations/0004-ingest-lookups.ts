import { type Kysely, sql } from 'kysely';

/**
 * Indexes behind the nightly merge's look-ups of existing flags, so that their cost follows the
 * batch and not the archive (issue: a second night must be no slower than the first):
 * the flags of the records a batch changes, and the open flags of a shared value (phone, bank
 * account, ID number) whose group a batch touched.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index flags_record on flags (record_id)`.execute(db);
  await sql`create index flags_open_subject on flags (rule, subject_bidx) where status in ('open', 'assigned') and subject_bidx is not null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index flags_open_subject`.execute(db);
  await sql`drop index flags_record`.execute(db);
}
