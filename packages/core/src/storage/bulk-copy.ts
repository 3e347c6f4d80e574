import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { daysFromCivil, isRealDate } from '@custodian/validators';
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

/** The column types the binary writer knows: those of the staging table. */
export type CopyBinaryType = 'text' | 'bytea' | 'int4' | 'date' | 'jsonb';

/** PostgreSQL's binary COPY signature, flags (0) and header extension length (0). */
export const COPY_BINARY_HEADER: Uint8Array = Uint8Array.from([
  0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
]);
/** The end of a binary COPY: a field count of -1. */
export const COPY_BINARY_TRAILER: Uint8Array = Uint8Array.from([0xff, 0xff]);

/** Days from 1970-01-01 to PostgreSQL's epoch for dates, 2000-01-01. */
const PG_EPOCH_DAYS = 10_957;

/** The value of the decimal digits of `s` from `from` to `to`, or NaN if any is not a digit. */
function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return Number.NaN;
    n = 10 * n + d;
  }
  return n;
}

/**
 * Days since 2000-01-01 of an ISO date (`YYYY-MM-DD`); NaN for anything else, which the writer
 * refuses as COPY would (without the value in the message: a birth date is personal data).
 */
function pgDays(iso: string): number {
  const [y, m, d] = [digits(iso, 0, 4), digits(iso, 5, 7), digits(iso, 8, 10)];
  if (iso.length !== 10 || iso[4] !== '-' || iso[7] !== '-' || !(y >= 1) || !isRealDate(y, m, d))
    return Number.NaN;
  return daysFromCivil(y, m, d) - PG_EPOCH_DAYS;
}

/**
 * Accumulates rows in PostgreSQL's binary COPY format (without the header and trailer, which the
 * COPY statement adds: `openCopyStream(…, { binary: true })`), for columns of known types. Against
 * the text format: byte arrays go as they are instead of twice their length in hex, text as UTF-8
 * without escapes, and the server does not parse them back (a million staging rows: 835 MB
 * instead of 1,231 MB, and 2.3-3.2 s of the server's time instead of 5.1-6.6 s, psql, 2026-11-23).
 * Values are as for `encodeCopyRow`: strings for text, jsonb (JSON text) and dates (ISO), numbers
 * for int4, Uint8Array for bytea, null or undefined for NULL.
 */
export class CopyBinaryWriter {
  readonly #types: readonly CopyBinaryType[];
  #bytes = new Uint8Array(1 << 16);
  #view = new DataView(this.#bytes.buffer);
  #length = 0;
  /** The next column of the current row, or -1 between rows. */
  #column = -1;

  constructor(types: readonly CopyBinaryType[]) {
    if (types.length === 0 || types.length > 0x7fff)
      throw new Error('a binary COPY row needs 1 to 32767 columns');
    this.#types = types;
  }

  /** Room for `more` bytes. */
  #reserve(more: number): Uint8Array {
    const need = this.#length + more;
    if (need > this.#bytes.length) {
      const bigger = new Uint8Array(Math.max(need, 2 * this.#bytes.length));
      bigger.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = bigger;
      this.#view = new DataView(bigger.buffer);
    }
    return this.#bytes;
  }

  /** The field's length, then its UTF-8 (a lone surrogate as U+FFFD, as TextEncoder writes it). */
  #utf8(s: string, prefix?: number): void {
    const b = this.#reserve(4 + 1 + 3 * s.length);
    const at = this.#length;
    let n = at + 4;
    if (prefix !== undefined) b[n++] = prefix;
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) b[n++] = c;
      else if (c < 0x800) {
        b[n++] = 0xc0 | (c >> 6);
        b[n++] = 0x80 | (c & 0x3f);
      } else {
        if (c >= 0xd800 && c <= 0xdfff) {
          const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
          if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
            i++;
            c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
            b[n++] = 0xf0 | (c >> 18);
            b[n++] = 0x80 | ((c >> 12) & 0x3f);
            b[n++] = 0x80 | ((c >> 6) & 0x3f);
            b[n++] = 0x80 | (c & 0x3f);
            continue;
          }
          c = 0xfffd;
        }
        b[n++] = 0xe0 | (c >> 12);
        b[n++] = 0x80 | ((c >> 6) & 0x3f);
        b[n++] = 0x80 | (c & 0x3f);
      }
    }
    this.#view.setInt32(at, n - at - 4);
    this.#length = n;
  }

  /** Appends one value to the current row, as the type of its column. */
  value(v: CopyValue): void {
    if (this.#column < 0) {
      this.#reserve(2);
      this.#view.setInt16(this.#length, this.#types.length);
      this.#length += 2;
      this.#column = 0;
    }
    const type = this.#types[this.#column++];
    if (type === undefined) throw new Error(`a row of ${this.#types.length} columns got more values`);
    if (v === null || v === undefined) {
      this.#reserve(4);
      this.#view.setInt32(this.#length, -1);
      this.#length += 4;
    } else if (type === 'bytea') {
      if (!(v instanceof Uint8Array)) throw new Error(`column ${this.#column} (bytea) got ${typeof v}`);
      const b = this.#reserve(4 + v.length);
      this.#view.setInt32(this.#length, v.length);
      b.set(v, this.#length + 4);
      this.#length += 4 + v.length;
    } else if (type === 'int4' || type === 'date') {
      const n = type === 'date' ? pgDays(String(v)) : Number(v);
      if (!Number.isInteger(n) || n < -0x80000000 || n > 0x7fffffff)
        throw new Error(
          type === 'date'
            ? `column ${this.#column}: not a date (YYYY-MM-DD expected)`
            : `column ${this.#column}: not a 32-bit integer`,
        );
      this.#reserve(8);
      this.#view.setInt32(this.#length, 4);
      this.#view.setInt32(this.#length + 4, n);
      this.#length += 8;
    } else if (typeof v === 'string') this.#utf8(v, type === 'jsonb' ? 1 : undefined);
    else if (typeof v === 'number' || typeof v === 'boolean')
      this.#utf8(String(v), type === 'jsonb' ? 1 : undefined);
    else throw new Error(`column ${this.#column} (${type}) got ${Array.isArray(v) ? 'an array' : 'bytes'}`);
  }

  /** Appends values to the current row. */
  values(vs: readonly CopyValue[]): void {
    for (let i = 0; i < vs.length; i++) this.value(vs[i]);
  }

  /** Ends the current row, which must have had a value for every column. */
  endRow(): void {
    if (this.#column !== this.#types.length)
      throw new Error(`a row of ${this.#types.length} columns got ${Math.max(0, this.#column)} values`);
    this.#column = -1;
  }

  /** Appends a whole row. */
  row(values: readonly CopyValue[]): void {
    this.values(values);
    this.endRow();
  }

  /** Forgets everything written, keeping the memory for the next rows. */
  clear(): void {
    this.#length = 0;
    this.#column = -1;
  }

  /** Number of bytes written. */
  get length(): number {
    return this.#length;
  }

  /** A copy of the rows written, owning its ArrayBuffer (so that it can be transferred to another thread). */
  toBytes(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
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
  /**
   * Writes rows already encoded (`encodeCopyRow`; `CopyBinaryWriter` for a binary
   * stream): whole rows, any number of them; waits when the database is slower.
   */
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
  /** Rows written by a `CopyBinaryWriter` (the stream adds the format's header and trailer). */
  options: { binary?: boolean } = {},
): Promise<CopyStream> {
  const binary = options.binary === true;
  const statement = `COPY ${assertIdentifier(table)} (${columns.map(assertIdentifier).join(', ')}) FROM STDIN${binary ? ' (FORMAT binary)' : ''}`;
  if (storage.pool) {
    const client = await storage.pool.connect();
    const stream = client.query(copyFrom(statement));
    if (binary) stream.write(COPY_BINARY_HEADER);
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
        if (binary) stream.end(COPY_BINARY_TRAILER);
        else stream.end();
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
      async write(data) {
        if (data.length === 0) return;
        const parts = binary ? [COPY_BINARY_HEADER, data, COPY_BINARY_TRAILER] : [data];
        await pglite.query(blobStatement, [], { blob: new Blob(parts as Uint8Array<ArrayBuffer>[]) });
      },
      async end() {},
      async abort() {},
    };
  }
  throw new Error('storage has neither a pool nor a PGlite instance');
}
