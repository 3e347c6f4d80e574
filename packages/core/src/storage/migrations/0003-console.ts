import type { Kysely } from 'kysely';

/** Accounts and sessions of the review console (filled by the console's work). */
export async function up(_db: Kysely<unknown>): Promise<void> {}

export async function down(_db: Kysely<unknown>): Promise<void> {}
