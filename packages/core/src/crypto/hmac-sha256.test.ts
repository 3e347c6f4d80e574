import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hmacSha256, hmacSha256Hex } from './hmac-sha256.js';

/** A deterministic generator, so that a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Character pools: ASCII, Latin-1, CJK, full-width, supplementary plane (pairs), lone surrogates. */
const POOLS: ReadonlyArray<(r: () => number) => string> = [
  (r) => String.fromCharCode(0x20 + Math.floor(r() * 95)),
  (r) => String.fromCharCode(Math.floor(r() * 0x80)),
  (r) => String.fromCharCode(0x80 + Math.floor(r() * 0x780)),
  (r) => String.fromCharCode(0x4e00 + Math.floor(r() * 0x5200)),
  (r) => String.fromCharCode(0xff01 + Math.floor(r() * 0x5e)),
  (r) => String.fromCodePoint(0x10000 + Math.floor(r() * 0x100000)),
  (r) => String.fromCharCode(0xd800 + Math.floor(r() * 0x800)),
  () => '\0',
];

function randomText(r: () => number, maxLength: number): string {
  const n = Math.floor(r() * (maxLength + 1));
  const pool = Math.floor(r() * (POOLS.length + 1));
  let s = '';
  for (let i = 0; i < n; i++) s += POOLS[pool < POOLS.length ? pool : Math.floor(r() * POOLS.length)]!(r);
  return s;
}

const reference = (key: Uint8Array, text: string) => createHmac('sha256', key).update(text).digest();

describe('hmacSha256', () => {
  it('matches createHmac on random keys and texts of every kind and length', () => {
    const r = rng(20261123);
    const keys = [randomBytes(32), randomBytes(16), randomBytes(64), randomBytes(65), randomBytes(200)];
    for (let i = 0; i < 4000; i++) {
      const key = i < keys.length * 200 ? keys[i % keys.length]! : randomBytes(1 + Math.floor(r() * 100));
      const prefix = i % 3 === 0 ? '' : randomText(r, 8);
      const text = randomText(r, i % 10 === 0 ? 400 : 70);
      const want = reference(key, prefix + text);
      expect(hmacSha256(key, prefix, text)).toEqual(want);
      const len = 1 + (i % 32);
      expect(hmacSha256(key, prefix, text, len)).toEqual(want.subarray(0, len));
      expect(hmacSha256Hex(key, prefix, text, len)).toBe(want.toString('hex').slice(0, 2 * len));
    }
  });

  it('matches createHmac at every length around the block boundaries', () => {
    const key = randomBytes(32);
    for (let n = 0; n <= 200; n++) {
      for (const unit of ['a', '张', '😀']) {
        const text = unit.repeat(n);
        expect(hmacSha256(key, '', text)).toEqual(reference(key, text));
      }
    }
  });

  it('matches createHmac on the index texts the archive stores', () => {
    const key = randomBytes(32);
    for (const [kind, value] of [
      ['id', '11010519491231002X'],
      ['phone', '13912345678'],
      ['phone', '0755-6226567-123'],
      ['name', '张三明'],
      ['name', '阿依古丽·买买提'],
      ['address', '北京市东城区1号'],
      ['address', '𠈌𠈌路１号\ud800'],
    ] as const) {
      expect(hmacSha256(key, `${kind}\0`, value, 16)).toEqual(
        reference(key, `${kind}\0${value}`).subarray(0, 16),
      );
    }
  });

  it('matches the RFC 4231 test vectors', () => {
    // Test case 2: key "Jefe".
    expect(hmacSha256Hex(Buffer.from('Jefe'), 'what do ya want ', 'for nothing?')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
    // Test case 6: a 131-byte key, hashed first.
    expect(
      hmacSha256Hex(Buffer.alloc(131, 0xaa), '', 'Test Using Larger Than Block-Size Key - Hash Key First'),
    ).toBe('60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54');
  });

  it('joins a surrogate pair split between prefix and text, as prefix + text does', () => {
    const key = randomBytes(32);
    expect(hmacSha256(key, 'a\ud83d', '\ude00b')).toEqual(reference(key, 'a\ud83d\ude00b'));
    expect(hmacSha256(key, '\ud83d', '')).toEqual(reference(key, '\ud83d'));
    expect(hmacSha256(key, '', '\ude00')).toEqual(reference(key, '\ude00'));
  });

  it('does not mix up keys', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    expect(hmacSha256(a, '', 'x')).toEqual(reference(a, 'x'));
    expect(hmacSha256(b, '', 'x')).toEqual(reference(b, 'x'));
    expect(hmacSha256(a, '', 'x')).toEqual(reference(a, 'x'));
  });
});
