import { describe, expect, it } from 'vitest';
import { encodeUtf8Into } from './utf8.js';

describe('encodeUtf8Into', () => {
  it('writes what Buffer.from(text, "utf8") holds, lone surrogates included', () => {
    let seed = 7;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    const out = new Uint8Array(4096);
    for (let i = 0; i < 5000; i++) {
      let s = '';
      const n = Math.floor(next() * 40);
      for (let j = 0; j < n; j++) {
        const r = next();
        s +=
          r < 0.3
            ? String.fromCharCode(Math.floor(next() * 0x80))
            : r < 0.5
              ? String.fromCharCode(0x80 + Math.floor(next() * 0x780))
              : r < 0.75
                ? String.fromCharCode(0x800 + Math.floor(next() * 0xf800))
                : r < 0.9
                  ? String.fromCodePoint(0x10000 + Math.floor(next() * 0x100000))
                  : String.fromCharCode(0xd800 + Math.floor(next() * 0x800));
      }
      const end = encodeUtf8Into(s, out, 3);
      expect(Buffer.from(out.subarray(3, end))).toEqual(Buffer.from(s, 'utf8'));
    }
  });
});
