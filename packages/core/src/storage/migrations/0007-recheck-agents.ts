import { type Kysely, sql } from 'kysely';

/**
 * Agents whose every record has been put up for AGENT_RECHECK (002 §3.14) and who have been due
 * ever since: each night only their new and changed records need looking at, instead of every
 * record they ever sold (a cost that grew with the archive). An agent leaves the table on the first
 * night it is no longer due, so that all its records are looked at again if it becomes due again.
 * Written in the merge transaction: it never gets ahead of the flags.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table recheck_agents (agent_id text primary key, since_batch_id integer not null)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists recheck_agents`.execute(db);
}
