import { randomBytes } from 'node:crypto';
import { Migrator, sql } from 'kysely';
import pg from 'pg';
import { readTestDatabaseUrl } from '../config/load.js';
import { type Keyring, parseMasterKeys } from '../crypto/keyring.js';
import { openStorage, type Storage } from '../storage/connect.js';
import { migrateToLatest } from '../storage/migrate.js';
import { migrations } from '../storage/migrations/index.js';

/**
 * Integration-test support: a real PostgreSQL for every test file, never a mock. The embedded
 * PGlite is always tested; the server in TEST_DATABASE_URL (or DATABASE_URL) too when set, each
 * test file in a schema of its own so that files can run in parallel.
 */
export interface TestBackend {
  name: 'pglite' | 'postgres';
  open(): Promise<Storage>;
}

/**
 * The backends to test on, each storage migrated to the latest schema; `{ migrated: false }`:
 * with no migration run, for the tests of a migration (which run the ones before it themselves).
 */
export function testBackends(opts: { migrated?: boolean } = {}): TestBackend[] {
  const migrated = opts.migrated ?? true;
  const url = readTestDatabaseUrl();
  const backends: TestBackend[] = [{ name: 'pglite', open: () => openPgliteForTest(migrated) }];
  if (url) backends.push({ name: 'postgres', open: () => openServerForTest(url, migrated) });
  return backends;
}

async function openPgliteForTest(migrated: boolean): Promise<Storage> {
  const storage = await openStorage({ dataDir: 'memory://' });
  if (migrated) await migrateToLatest(storage);
  return storage;
}

async function openServerForTest(url: string, migrated: boolean): Promise<Storage> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`create schema ${schema}`);
  } finally {
    await admin.end();
  }
  const storage = await openStorage({ databaseUrl: url, schema });
  if (migrated) await migrateToLatest(storage);
  const close = storage.close;
  return {
    ...storage,
    close: async () => {
      await sql`drop schema ${sql.id(schema)} cascade`.execute(storage.db).catch(() => undefined);
      await close();
    },
  };
}

/** Runs the migrations of a storage opened `{ migrated: false }` up to `name` (a migration's test starts there). */
export async function migrateTestStorageTo(storage: Storage, name: string): Promise<void> {
  const migrator = new Migrator({
    db: storage.db,
    provider: { getMigrations: async () => migrations },
    ...(storage.schema ? { migrationTableSchema: storage.schema } : {}),
  });
  const { error } = await migrator.migrateTo(name);
  if (error) throw error;
}

/** Empties every table (between tests), keeping the schema and migrations. */
export async function clearTables(storage: Storage): Promise<void> {
  const res = await sql<{ tablename: string }>`
    select tablename from pg_tables where schemaname = current_schema() and tablename not like 'kysely_%'`.execute(
    storage.db,
  );
  const names = res.rows.map((r) => r.tablename);
  if (names.length === 0) return;
  await sql`truncate ${sql.join(names.map((n) => sql.table(n)))} restart identity cascade`.execute(
    storage.db,
  );
}

/** A fixed test keyring (never used outside tests). */
export function testKeyring(id = 'test1', fill = 7): Keyring {
  const spec = `${id}:${Buffer.alloc(32, fill).toString('base64')}`;
  const [key] = parseMasterKeys(spec, 'test');
  return {
    active: key!,
    byId: new Map([[key!.id, key!]]),
    indexKey: key!.indexKey,
    indexKeyId: key!.id,
    warnings: [],
  };
}
