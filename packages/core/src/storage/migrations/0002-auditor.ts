import type { Kysely } from 'kysely';

/** Tables of the access-log auditor (filled by the auditor's work). */
export async function up(_db: Kysely<unknown>): Promise<void> {}

export async function down(_db: Kysely<unknown>): Promise<void> {}
