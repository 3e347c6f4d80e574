import type { Transaction } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../storage/database.js';

/**
 * Runs `work` with rows passed up from parallel workers priced at 0.001 instead of the server's
 * default 0.1 (`parallel_tuple_cost`), then restores the default. At that default the planner took
 * the merge's scans that hand a million rows to the leader (the value rules' first pass, the
 * batch's size) for dearer than the work shared, and ran them on one core.
 */
export async function withCheapParallelRows<T>(
  trx: Transaction<Database>,
  work: () => Promise<T>,
): Promise<T> {
  await sql`set local parallel_tuple_cost = 0.001`.execute(trx);
  const result = await work();
  await sql`set local parallel_tuple_cost to default`.execute(trx);
  return result;
}
