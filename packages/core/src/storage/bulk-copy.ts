import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { Storage } from './connect.js';

/** A value COPY can carry: text, number, boolean, bytes (bytea), string arrays (text[]), or null. */
export type CopyValue = string | number | boolean | Uint8Array | readonly string[] | null | undefined;

function escapeText(s: string): string {
  // COPY text format: backslash, tab, newline and carriage return must be escaped.
  if (!/[\\\t\n\r]/.test(s)) return s;
  return s.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

function bytesToHex(b: Uint8Array): string {
  // Native hex encoding: about seven times faster than a lookup table per byte.
  return `\\\\x${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')}`;
}

/** A text[] literal, before COPY escaping. */
function arrayBody(a: readonly string[]): string {
  const items = a.map((s) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
  return `{${items.join(',')}}`;
}

function arrayLiteral(a: readonly string[]): string {
  return escapeText(arrayBody(a));
}

/** One row in PostgreSQL's COPY text format, newline-terminated. */
export function encodeCopyRow(values: readonly CopyValue[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += '\t';
    const v = values[i];
    if (v === null || v === undefined) line += '\\N';
    else if (typeof v === 'string') line += escapeText(v);
    else if (typeof v === 'number' || typeof v === 'boolean') line += String(v);
    else if (v instanceof Uint8Array) line += bytesToHex(v);
    else line += arrayLiteral(v);
  }
  return `${line}\n`;
}

const BACKSLASH = 0x5c;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** The two hex digits of each byte value as two UTF-16 units in one 32-bit word (platform order). */
const HEX_PAIRS = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  const hex = i.toString(16).padStart(2, '0');
  const [first, second] = [hex.charCodeAt(0), hex.charCodeAt(1)];
  HEX_PAIRS[i] = LITTLE_ENDIAN ? first | (second << 16) : (first << 16) | second;
}

/**
 * Accumulates rows in COPY text format, exactly as the concatenation of `encodeCopyRow` of each
 * row, but as UTF-16 code units in one growing array: no string per value or per row, no hex
 * string per byte array, one string at the end. For the ingest's encoder, which writes a chunk
 * of thousands of rows at a time.
 */
export class CopyTextWriter {
  #units = new Uint16Array(1 << 16);
  /** The same memory, for writing two units at once at any position. */
  #view = new DataView(this.#units.buffer);
  #length = 0;
  #rowStarted = false;

  /** Room for `more` units. */
  #reserve(more: number): Uint16Array {
    const need = this.#length + more;
    if (need > this.#units.length) {
      const bigger = new Uint16Array(Math.max(need, 2 * this.#units.length));
      bigger.set(this.#units.subarray(0, this.#length));
      this.#units = bigger;
      this.#view = new DataView(bigger.buffer);
    }
    return this.#units;
  }

  #text(s: string): void {
    // Escaped, a unit takes at most two.
    const u = this.#reserve(2 * s.length);
    let n = this.#length;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > BACKSLASH || (c >= 0x20 && c < BACKSLASH)) {
        u[n++] = c;
      } else if (c === BACKSLASH) {
        u[n++] = BACKSLASH;
        u[n++] = BACKSLASH;
      } else if (c === 0x09) {
        u[n++] = BACKSLASH;
        u[n++] = 0x74;
      } else if (c === 0x0a) {
        u[n++] = BACKSLASH;
        u[n++] = 0x6e;
      } else if (c === 0x0d) {
        u[n++] = BACKSLASH;
        u[n++] = 0x72;
      } else {
        u[n++] = c;
      }
    }
    this.#length = n;
  }

  #bytes(b: Uint8Array): void {
    // `\\x` then two hex digits per byte (bytea hex format, its backslash escaped for COPY).
    const u = this.#reserve(3 + 2 * b.length);
    let n = this.#length;
    u[n++] = BACKSLASH;
    u[n++] = BACKSLASH;
    u[n++] = 0x78;
    const view = this.#view;
    for (let i = 0, at = 2 * n; i < b.length; i++, at += 4)
      view.setUint32(at, HEX_PAIRS[b[i]!]!, LITTLE_ENDIAN);
    this.#length = n + 2 * b.length;
  }

  /** Appends one value to the current row (a tab before it unless it is the row's first). */
  value(v: CopyValue): void {
    if (this.#rowStarted) this.#reserve(1)[this.#length++] = 0x09;
    this.#rowStarted = true;
    if (v === null || v === undefined) {
      const u = this.#reserve(2);
      u[this.#length++] = BACKSLASH;
      u[this.#length++] = 0x4e;
    } else if (typeof v === 'string') this.#text(v);
    else if (typeof v === 'number' || typeof v === 'boolean') this.#text(String(v));
    else if (v instanceof Uint8Array) this.#bytes(v);
    else this.#text(arrayBody(v));
  }

  /** Appends values to the current row. */
  values(vs: readonly CopyValue[]): void {
    for (let i = 0; i < vs.length; i++) this.value(vs[i]);
  }

  /** Ends the current row (a newline). */
  endRow(): void {
    this.#reserve(1)[this.#length++] = 0x0a;
    this.#rowStarted = false;
  }

  /** Appends a whole row: `encodeCopyRow(values)`. */
  row(values: readonly CopyValue[]): void {
    this.values(values);
    this.endRow();
  }

  /** Forgets everything written, keeping the memory for the next rows. */
  clear(): void {
    this.#length = 0;
    this.#rowStarted = false;
  }

  /** Number of UTF-16 units written. */
  get length(): number {
    return this.#length;
  }

  /** Everything written, as one string. */
  toString(): string {
    const units = this.#units.subarray(0, this.#length);
    if (LITTLE_ENDIAN) return Buffer.from(units.buffer, 0, 2 * this.#length).toString('utf16le');
    let s = '';
    for (let i = 0; i < units.length; i += 8192) s += String.fromCharCode(...units.subarray(i, i + 8192));
    return s;
  }
}

function assertIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain identifier: ${name}`);
  return name;
}

/**
 * Loads rows with COPY FROM STDIN (about 3.5 times faster than INSERT batches on the server).
 * Each call is its own statement: on the server it commits on its own connection, so callers
 * that need atomicity copy into a staging table and merge in one transaction.
 * Returns the number of rows loaded.
 */
export async function copyRows(
  storage: Storage,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly CopyValue[])[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const statement = `COPY ${assertIdentifier(table)} (${columns.map(assertIdentifier).join(', ')}) FROM STDIN`;
  if (storage.pool) {
    const client = await storage.pool.connect();
    try {
      const chunks: string[] = [];
      for (const r of rows) chunks.push(encodeCopyRow(r));
      await pipeline(Readable.from(chunks), client.query(copyFrom(statement)));
    } finally {
      client.release();
    }
    return rows.length;
  }
  if (storage.pglite) {
    let text = '';
    for (const r of rows) text += encodeCopyRow(r);
    await storage.pglite.query(statement.replace('FROM STDIN', "FROM '/dev/blob'"), [], {
      blob: new Blob([text]),
    });
    return rows.length;
  }
  throw new Error('storage has neither a pool nor a PGlite instance');
}

export interface CopyStream {
  /** Writes rows already encoded with `encodeCopyRow` (a chunk of lines); waits when the database is slower. */
  write(data: string | Uint8Array): Promise<void>;
  /** Ends the COPY; resolves when the database has all rows. */
  end(): Promise<void>;
  /** Aborts the COPY (its rows are discarded) and frees the connection. */
  abort(err: Error): Promise<void>;
}

/**
 * One long COPY FROM STDIN for a whole file (server), or a COPY per chunk (PGlite, which has no
 * streaming COPY): the caller writes encoded chunks as they are produced, in constant memory.
 */
export async function openCopyStream(
  storage: Storage,
  table: string,
  columns: readonly string[],
): Promise<CopyStream> {
  const statement = `COPY ${assertIdentifier(table)} (${columns.map(assertIdentifier).join(', ')}) FROM STDIN`;
  if (storage.pool) {
    const client = await storage.pool.connect();
    const stream = client.query(copyFrom(statement));
    let failure: Error | undefined;
    stream.on('error', (err: Error) => {
      failure = err;
    });
    const finished = new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
    });
    finished.catch(() => undefined);
    let released = false;
    const release = (err?: Error) => {
      if (!released) {
        released = true;
        client.release(err);
      }
    };
    return {
      async write(text) {
        if (failure) throw failure;
        if (!stream.write(text)) {
          await new Promise<void>((resolve, reject) => {
            const onDrain = () => {
              stream.off('error', onError);
              resolve();
            };
            const onError = (err: Error) => {
              stream.off('drain', onDrain);
              reject(err);
            };
            stream.once('drain', onDrain);
            stream.once('error', onError);
          });
        }
      },
      async end() {
        stream.end();
        try {
          await finished;
        } finally {
          release(failure);
        }
      },
      async abort(err) {
        stream.destroy(err);
        release(err);
      },
    };
  }
  if (storage.pglite) {
    const pglite = storage.pglite;
    const blobStatement = statement.replace('FROM STDIN', "FROM '/dev/blob'");
    return {
      async write(text) {
        if (text.length === 0) return;
        await pglite.query(blobStatement, [], { blob: new Blob([text]) });
      },
      async end() {},
      async abort() {},
    };
  }
  throw new Error('storage has neither a pool nor a PGlite instance');
}
