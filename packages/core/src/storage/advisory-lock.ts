import { createHash } from 'node:crypto';
import type { Storage } from './connect.js';

/** Locks held in this process, per embedded database (two data folders are two archives). */
const heldInProcess = new WeakMap<object, Set<string>>();

/**
 * A stable 64-bit key for a lock name (two int4 halves, as pg_try_advisory_lock(int, int) takes).
 * Advisory locks are database-wide while Custodian's tables may live in a schema (each test file
 * has its own): the schema is part of the key, so two archives in two schemas never block each
 * other. Without a schema (production) the key is the name's alone.
 */
function lockKeys(name: string, schema: string | undefined): [number, number] {
  const h = createHash('sha256')
    .update(`custodian:${schema ? `${schema}:` : ''}${name}`)
    .digest();
  return [h.readInt32BE(0), h.readInt32BE(4)];
}

/**
 * Runs `fn` holding a PostgreSQL session advisory lock named `name`, so a job never runs twice at
 * once, even from two machines on one server. Returns `{ acquired: false }` without running `fn`
 * when another session holds the lock. The lock is held on a dedicated connection and released
 * even when `fn` throws (and by the server if the process dies).
 */
export async function withAdvisoryLock<T>(
  storage: Storage,
  name: string,
  fn: () => Promise<T>,
): Promise<{ acquired: true; result: T } | { acquired: false }> {
  const [a, b] = lockKeys(name, storage.schema);
  if (storage.pool) {
    const client = await storage.pool.connect();
    try {
      const res = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1, $2) as ok', [a, b]);
      if (!res.rows[0]?.ok) return { acquired: false };
      try {
        return { acquired: true, result: await fn() };
      } finally {
        await client.query('select pg_advisory_unlock($1, $2)', [a, b]);
      }
    } finally {
      client.release();
    }
  }
  // PGlite has one session per process (advisory locks are re-entrant within a session) and its
  // data folder cannot be shared between processes, so an in-process set does the guarding.
  const owner: object = storage.pglite ?? storage;
  const held = heldInProcess.get(owner) ?? new Set<string>();
  heldInProcess.set(owner, held);
  if (held.has(name)) return { acquired: false };
  held.add(name);
  try {
    return { acquired: true, result: await fn() };
  } finally {
    held.delete(name);
  }
}
