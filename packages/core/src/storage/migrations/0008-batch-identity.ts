import { type Kysely, sql } from 'kysely';

/**
 * The identity of an ingested file is its content (SHA-256), the sheet read (XLSX `--sheet`; empty
 * for CSV and for a workbook's first sheet) and the profile it was checked under: the same workbook
 * read for another sheet, or the same file checked again under another mandatory-field profile, is
 * other work and is no longer skipped as "already ingested". Batches from before this migration
 * get the empty sheet (their sheet was not recorded; most were CSV or a first sheet) and keep the
 * profile they recorded, so a file ingested before is still recognised under the same options.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table batches add column sheet text not null default ''`.execute(db);
  await sql`drop index if exists batches_done_sha`.execute(db);
  await sql`create unique index batches_done_identity on batches (file_sha256, sheet, profile) where status = 'done'`.execute(
    db,
  );
}

/** Back to one done batch per SHA-256: fails if a file was since ingested under two identities. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists batches_done_identity`.execute(db);
  await sql`create unique index batches_done_sha on batches (file_sha256) where status = 'done'`.execute(db);
  await sql`alter table batches drop column sheet`.execute(db);
}
