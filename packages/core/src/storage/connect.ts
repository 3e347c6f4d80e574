import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { CustodianError } from '../errors.js';
import { lockDataDir } from './data-dir-lock.js';
import type { Database } from './database.js';

/** Type OIDs whose text form both drivers must hand back identically. */
const OID_INT8 = 20;
const OID_DATE = 1082;

export interface Storage {
  db: Kysely<Database>;
  kind: 'postgres' | 'pglite';
  /** Human-readable place: the server URL without password, or the data folder. */
  location: string;
  /** The schema in use when not the default (tests isolate themselves this way). */
  schema?: string;
  /** The pg pool when `kind` is postgres (for COPY and advisory locks on a dedicated connection). */
  pool?: pg.Pool;
  /** The PGlite instance when `kind` is pglite (one per process: it costs ~300 MB to open). */
  pglite?: PGlite;
  close(): Promise<void>;
}

export interface OpenStorageOptions {
  /** PostgreSQL URL; absent → embedded PGlite in `dataDir`. */
  databaseUrl?: string | undefined;
  /** Folder of the embedded database; `memory://` for a throw-away in-memory one. */
  dataDir?: string;
  /**
   * pg pool size (default 8). An ingest run holds up to four at once: its lock, the merge
   * transaction, the staging COPY and a quarantine COPY; the rest is headroom for callers that
   * hold one of their own meanwhile. Connections are opened only when needed.
   */
  poolSize?: number;
  /** A schema to use as search_path on the server (tests isolate themselves this way). */
  schema?: string;
}

/**
 * The one storage factory: a `pg` pool when a server URL is given, an embedded PGlite otherwise.
 * Dates come back as `YYYY-MM-DD` text and int8 as numbers on both, so queries behave the same.
 * Throws `DB_UNAVAILABLE` with the location when the database cannot be reached or opened.
 */
export async function openStorage(opts: OpenStorageOptions): Promise<Storage> {
  if (opts.databaseUrl) return openServer(opts.databaseUrl, opts);
  return openEmbedded(opts.dataDir ?? './.custodian/data');
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

async function openServer(url: string, opts: OpenStorageOptions): Promise<Storage> {
  const parsers: pg.CustomTypesConfig = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
      if (oid === OID_DATE) return (v: string) => v;
      if (oid === OID_INT8) return (v: string) => Number(v);
      return pg.types.getTypeParser(oid, format);
    }) as pg.CustomTypesConfig['getTypeParser'],
  };
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 8,
    types: parsers,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  pool.on('error', () => {
    // An idle client lost its connection; the next query reports it. Without a handler node would crash.
  });
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end();
    throw new CustodianError(
      'DB_UNAVAILABLE',
      `cannot connect to PostgreSQL at ${redact(url)}: ${(err as Error).message}`,
      { location: redact(url) },
      { cause: err },
    );
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    kind: 'postgres',
    location: redact(url),
    ...(opts.schema ? { schema: opts.schema } : {}),
    pool,
    close: () => db.destroy(),
  };
}

async function openEmbedded(dataDir: string): Promise<Storage> {
  const inMemory = dataDir.startsWith('memory://');
  if (!inMemory) mkdirSync(dataDir, { recursive: true });
  // Refused here, before PGlite touches the folder, when another process has it open.
  const lock = inMemory ? undefined : lockDataDir(dataDir);
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(inMemory ? dataDir : dataDir, {
      parsers: { [OID_DATE]: (v: string) => v, [OID_INT8]: (v: string) => Number(v) },
    });
  } catch (err) {
    lock?.release();
    throw new CustodianError(
      'DB_UNAVAILABLE',
      `cannot open the embedded database in ${dataDir}: ${(err as Error).message}`,
      { location: dataDir },
      { cause: err },
    );
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  return {
    db,
    kind: 'pglite',
    location: inMemory ? 'in-memory' : dataDir,
    pglite,
    close: async () => {
      try {
        // A query may still be running: Promise.all rejects on its first failure and leaves the
        // others in flight (a page and its count, say). Closing PGlite under a running query spun
        // at full CPU forever; a trivial query queues behind whatever is still running.
        await sql`select 1`.execute(db).catch(() => undefined);
        await db.destroy();
      } finally {
        lock?.release();
      }
    },
  };
}
