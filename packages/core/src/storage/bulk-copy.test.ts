import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CopyTextWriter, type CopyValue, encodeCopyRow } from './bulk-copy.js';

describe('CopyTextWriter', () => {
  it('writes exactly the concatenation of encodeCopyRow', () => {
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
      '\r',
      '"',
      ',',
      '{',
      '\0',
      '\u0001',
      '𠈌',
      '\ud800',
      ' ',
      'N',
      'x',
    ];
    const text = () => {
      let s = '';
      const n = Math.floor(next() * 12);
      for (let i = 0; i < n; i++) s += pieces[Math.floor(next() * pieces.length)];
      return s;
    };
    const value = (): CopyValue => {
      const r = next();
      if (r < 0.1) return null;
      if (r < 0.15) return undefined;
      if (r < 0.5) return text();
      if (r < 0.6) return Math.floor(next() * 1e6) - 5e5;
      if (r < 0.65) return next() * 10;
      if (r < 0.7) return next() < 0.5;
      if (r < 0.85) return randomBytes(Math.floor(next() * 40));
      if (r < 0.9) return new Uint8Array(randomBytes(64).buffer, 7, 9);
      return Array.from({ length: Math.floor(next() * 4) }, text);
    };
    const writer = new CopyTextWriter();
    let expected = '';
    for (let i = 0; i < 3000; i++) {
      const row = Array.from({ length: 1 + Math.floor(next() * 8) }, value);
      expected += encodeCopyRow(row);
      if (i % 2 === 0) writer.row(row);
      else {
        writer.values(row.slice(0, 2));
        for (const v of row.slice(2)) writer.value(v);
        writer.endRow();
      }
    }
    expect(writer.toString()).toBe(expected);
    expect(writer.length).toBe(expected.length);
  });

  it('grows past its first buffer', () => {
    const writer = new CopyTextWriter();
    const row = ['长\t'.repeat(100_000), randomBytes(50_000), 42];
    writer.row(row);
    writer.row(row);
    expect(writer.toString()).toBe(encodeCopyRow(row) + encodeCopyRow(row));
  });
});
