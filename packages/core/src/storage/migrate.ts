import { Migrator } from 'kysely';
import { CustodianError } from '../errors.js';
import type { Storage } from './connect.js';
import { migrations } from './migrations/index.js';

/**
 * Brings the schema to the latest migration. Kysely's Migrator never throws; this does, with
 * `MIGRATION_FAILED` naming the migration, because no app may run on a half-migrated schema.
 */
export async function migrateToLatest(storage: Storage): Promise<string[]> {
  const migrator = new Migrator({
    db: storage.db,
    provider: { getMigrations: async () => migrations },
    // Kysely looks for its bookkeeping tables by name in every schema unless told which: with
    // several schemas on one server (parallel test files), it would find another schema's.
    ...(storage.schema ? { migrationTableSchema: storage.schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new CustodianError(
      'MIGRATION_FAILED',
      `migration ${failed?.migrationName ?? '(unknown)'} failed on ${storage.location}: ${(error as Error)?.message ?? error}`,
      {},
      { cause: error },
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
