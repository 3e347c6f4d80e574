import { type Kysely, sql } from 'kysely';

/**
 * The corrected values of an outcome `corrected`, held on the flag from resolve to verification
 * (four eyes, 002 §3.13): the archive changes only when a second person verifies the correction,
 * and a correction sent back never reaches it. Encrypted JSON (AES-256-GCM with the keyring, like
 * `customers.pii`): the values are personal data. Null when nothing is pending.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table flags add column pending_correction bytea`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table flags drop column if exists pending_correction`.execute(db);
}
