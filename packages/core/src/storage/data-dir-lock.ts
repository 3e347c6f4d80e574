import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { CustodianError } from '../errors.js';

/**
 * One process at a time in an embedded database folder. PGlite is a whole PostgreSQL in the
 * process, with no server to arbitrate: a second process opening the same folder (an operator's
 * `flags assign` while the scheduler runs, two `ingest run`s) saw the other's live files as a
 * crash to recover from, lost what the first one wrote, or left the folder unreadable. So the
 * folder is claimed by a lock file beside it (`<dataDir>.lock`, holding pid, host and start time),
 * created exclusively; a lock whose process is gone (killed, machine restarted) is taken over.
 */
export interface DataDirLock {
  path: string;
  release(): void;
}

interface Holder {
  pid: number;
  host: string;
  since: string;
}

function readHolder(path: string): Holder | undefined {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as Partial<Holder>;
    return typeof h.pid === 'number'
      ? { pid: h.pid, host: String(h.host ?? ''), since: String(h.since ?? '') }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the process that wrote the lock still runs (on this host; another host's is taken as alive). */
function alive(h: Holder): boolean {
  if (h.host !== hostname()) return true;
  try {
    process.kill(h.pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function lockDataDir(dataDir: string): DataDirLock {
  const path = `${dataDir.replace(/[\\/]+$/, '')}.lock`;
  const me: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readHolder(path);
      if (holder && alive(holder)) {
        const who = holder.pid === process.pid ? 'this process already' : `process ${holder.pid}`;
        throw new CustodianError(
          'DB_BUSY',
          `the embedded database in ${dataDir} is in use by ${who} (on ${holder.host} since ${holder.since}); ` +
            'only one Custodian process at a time may open it: wait for that one to finish (a running ' +
            `scheduler holds it all along), or set DATABASE_URL to use a PostgreSQL server. If no such process is Custodian, delete ${path}.`,
          { location: dataDir, pid: holder.pid },
        );
      }
      if (attempt >= 4) {
        throw new CustodianError(
          'DB_BUSY',
          `cannot claim the embedded database in ${dataDir}: ${path} keeps coming back`,
          { location: dataDir },
        );
      }
      if (!holder && attempt < 2) {
        // Being written this instant, or damaged: look again shortly, then treat it as stale.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
        continue;
      }
      try {
        unlinkSync(path);
      } catch {
        // Another process took it over first: the next attempt sees its lock.
      }
      continue;
    }
    writeSync(fd, JSON.stringify(me));
    closeSync(fd);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      process.off('exit', release);
      // Only our own lock: a stale-lock takeover by another process must not be undone.
      if (readHolder(path)?.pid === process.pid) {
        try {
          unlinkSync(path);
        } catch {
          // Already gone.
        }
      }
    };
    // A process that ends without closing (an uncaught error, process.exit) lets go too; a killed
    // one leaves the file, and the next opener finds its process gone.
    process.on('exit', release);
    return { path, release };
  }
}
