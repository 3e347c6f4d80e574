import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CopyBinaryWriter } from './bulk-copy.js';

/** The fields of binary COPY rows (without header and trailer): null, or the field's bytes. */
function readRows(bytes: Uint8Array): (Buffer | null)[][] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rows: (Buffer | null)[][] = [];
  for (let at = 0; at < bytes.length; ) {
    const row: (Buffer | null)[] = [];
    const n = view.getInt16(at);
    at += 2;
    for (let f = 0; f < n; f++) {
      const len = view.getInt32(at);
      at += 4;
      row.push(len < 0 ? null : Buffer.from(bytes.subarray(at, at + len)));
      at += Math.max(0, len);
    }
    rows.push(row);
  }
  return rows;
}

describe('CopyBinaryWriter', () => {
  it('writes text as UTF-8 exactly as TextEncoder does, lone surrogates included', () => {
    let seed = 11;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    const pieces = [
      'a',
      '张',
      '\\',
      '\t',
      '\n',
      'é',
      '€',
      '𠈌',
      '\ud800',
      '\udc00',
      '\ud83d\ude00',
      ' ',
      '\u07ff',
    ];
    const writer = new CopyBinaryWriter(['text', 'jsonb', 'bytea', 'int4']);
    const expected: (Buffer | null)[][] = [];
    for (let i = 0; i < 2000; i++) {
      let s = '';
      for (let k = Math.floor(next() * 12); k > 0; k--) s += pieces[Math.floor(next() * pieces.length)];
      const bytes = randomBytes(Math.floor(next() * 40));
      const json = JSON.stringify({ s });
      writer.row([s, json, i % 9 === 0 ? null : bytes, i - 1000]);
      const int = Buffer.alloc(4);
      int.writeInt32BE(i - 1000);
      expected.push([
        Buffer.from(new TextEncoder().encode(s)),
        Buffer.concat([Buffer.from([1]), Buffer.from(new TextEncoder().encode(json))]),
        i % 9 === 0 ? null : bytes,
        int,
      ]);
    }
    expect(readRows(writer.toBytes())).toEqual(expected);
    expect(writer.length).toBe(writer.toBytes().length);
  });

  it('grows past its first buffer, and starts again empty after clear', () => {
    const writer = new CopyBinaryWriter(['text', 'bytea']);
    const row = ['长\t'.repeat(100_000), randomBytes(50_000)];
    writer.row(row);
    writer.row(row);
    const rows = readRows(writer.toBytes());
    expect(rows).toHaveLength(2);
    expect(rows[1]![0]!.toString()).toBe(row[0]);
    expect(rows[1]![1]).toEqual(row[1]);
    writer.clear();
    writer.row(['x', null]);
    expect(readRows(writer.toBytes())).toEqual([[Buffer.from('x'), null]]);
  });
});
