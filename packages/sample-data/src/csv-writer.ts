// Buffered CSV file writer: RFC 4180 quoting, '\n' line endings, UTF-8 (optionally with a BOM, as
// Excel writes it) or GB18030 (as Chinese business systems export). Lines are encoded into chunks
// of a few hundred KB; the caller waits for the file stream to drain before queuing more, so
// memory stays flat however many rows go through.
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import iconv from 'iconv-lite';

export type CsvEncoding = 'utf8' | 'utf8bom' | 'gb18030';

const NEEDS_QUOTES = /[",\r\n]/;
/** Characters of GB18030 text encoded at once. */
const FLUSH_AT = 1 << 16;
/** Bytes of UTF-8 handed to the file at once. */
const CHUNK_BYTES = 1 << 18;

/** One field, quoted when it holds a comma, a quote or a line break (quotes doubled). */
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One line, terminator included. */
export function csvLine(fields: readonly string[]): string {
  let line = '';
  for (let i = 0; i < fields.length; i++) {
    if (i > 0) line += ',';
    line += csvField(fields[i]!);
  }
  return `${line}\n`;
}

export class CsvFileWriter {
  private readonly stream: WriteStream;
  private readonly encoding: CsvEncoding;
  /** UTF-8: text is encoded line by line into this chunk, so no long string is ever retained. */
  private chunk: Buffer;
  private used = 0;
  /** GB18030: text waits here (at most FLUSH_AT characters) for iconv-lite. */
  private pendingText = '';
  private failure: Error | undefined;

  private constructor(stream: WriteStream, encoding: CsvEncoding) {
    this.stream = stream;
    this.encoding = encoding;
    this.chunk = Buffer.allocUnsafe(encoding === 'gb18030' ? 0 : CHUNK_BYTES);
    stream.on('error', (err) => {
      this.failure = err;
    });
  }

  /** Opens (truncates) `path`; writes the BOM for utf8bom. */
  static open(path: string, encoding: CsvEncoding = 'utf8'): CsvFileWriter {
    const writer = new CsvFileWriter(createWriteStream(path, { highWaterMark: CHUNK_BYTES * 4 }), encoding);
    // The chunk is empty and far larger than three bytes: this never needs a flush.
    if (encoding === 'utf8bom') writer.used = writer.chunk.write('\ufeff', 0, 'utf8');
    return writer;
  }

  /**
   * Queues a row. Returns a promise only when a chunk went to the file and the stream asked to
   * wait: await it before queuing more (that is the backpressure).
   */
  writeRow(fields: readonly string[]): Promise<void> | undefined {
    return this.writeText(csvLine(fields));
  }

  /** Queues raw text (whole lines); same promise contract as writeRow. */
  writeText(text: string): Promise<void> | undefined {
    if (this.encoding === 'gb18030') {
      this.pendingText += text;
      return this.pendingText.length >= FLUSH_AT ? this.flush() : undefined;
    }
    // A UTF-16 code unit never takes more than 3 bytes in UTF-8.
    if (this.used + text.length * 3 > this.chunk.length) {
      const waiting = this.flush();
      if (text.length * 3 > this.chunk.length) {
        this.chunk = Buffer.from(text, 'utf8');
        this.used = this.chunk.length;
      } else {
        this.used += this.chunk.write(text, this.used, 'utf8');
      }
      return waiting;
    }
    this.used += this.chunk.write(text, this.used, 'utf8');
    return undefined;
  }

  /** Queues bytes already encoded (after whatever text is queued); same promise contract as writeRow. */
  async writeBytes(bytes: Uint8Array): Promise<void> {
    await this.flush();
    if (this.failure) throw this.failure;
    if (bytes.length > 0 && !this.stream.write(bytes)) await once(this.stream, 'drain');
  }

  /** Hands what is queued to the stream; the promise settles once the stream has room again. */
  flush(): Promise<void> | undefined {
    if (this.failure) return Promise.reject(this.failure);
    let data: Buffer;
    if (this.encoding === 'gb18030') {
      if (this.pendingText.length === 0) return undefined;
      data = iconv.encode(this.pendingText, 'gb18030');
      this.pendingText = '';
    } else {
      if (this.used === 0) return undefined;
      data = this.chunk.subarray(0, this.used);
      this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      this.used = 0;
    }
    if (this.stream.write(data)) return undefined;
    return once(this.stream, 'drain').then(() => undefined);
  }

  /** Gives up: closes the file without writing what is queued (after a failure elsewhere). */
  abort(): void {
    this.pendingText = '';
    this.used = 0;
    this.stream.destroy();
  }

  /** Writes what is left and closes the file; rejects if any write failed. */
  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await finished(this.stream);
    if (this.failure) throw this.failure;
  }
}
