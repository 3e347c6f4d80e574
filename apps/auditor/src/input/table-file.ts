import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { parse } from 'csv-parse';
import { detectEncoding } from './detect-encoding.js';

/**
 * Reads a small master-data CSV (staff directory, approvals, record directory) as objects keyed by
 * canonical field names. Headers may be the canonical English names or the Chinese ones of
 * formats.md; unknown columns are ignored here. Encoding detected as for every Chinese export.
 */
export interface TableRecord {
  line: number;
  values: Record<string, string>;
}

export async function* readTableFile(
  file: string,
  aliases: Record<string, string[]>,
): AsyncGenerator<TableRecord> {
  const fh = await open(file, 'r');
  const sample = Buffer.alloc(65536);
  let read = 0;
  try {
    read = (await fh.read(sample, 0, sample.length, 0)).bytesRead;
  } finally {
    await fh.close();
  }
  const { encoding, bomLength } = detectEncoding(sample.subarray(0, read));
  const decoder = new TextDecoder(encoding);
  let skip = bomLength;
  const decode = new Transform({
    transform(chunk: Buffer, _e, cb) {
      let data = chunk;
      if (skip > 0) {
        const n = Math.min(skip, data.length);
        data = data.subarray(n);
        skip -= n;
      }
      cb(null, decoder.decode(data, { stream: true }));
    },
    flush(cb) {
      cb(null, decoder.decode());
    },
  });
  const lookup = new Map<string, string>();
  for (const [canonical, names] of Object.entries(aliases)) {
    lookup.set(canonical.toLowerCase(), canonical);
    for (const n of names) lookup.set(n.toLowerCase(), canonical);
  }
  const parser = createReadStream(file)
    .pipe(decode)
    .pipe(parse({ relax_column_count: true, skip_empty_lines: true, trim: true, info: true }));
  let columns: (string | undefined)[] | undefined;
  for await (const rec of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    if (!columns) {
      columns = rec.record.map((h) => lookup.get(h.trim().toLowerCase()));
      continue;
    }
    const values: Record<string, string> = {};
    rec.record.forEach((v, i) => {
      const k = columns![i];
      if (k && v !== '') values[k] = v.normalize('NFKC');
    });
    yield { line: rec.info.lines, values };
  }
}
