import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hmacSha256, hmacSha256Hex } from './hmac-sha256.js';

const reference = (key: Uint8Array, text: string) => createHmac('sha256', key).update(text).digest();

describe('hmacSha256', () => {
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

  it('cuts the digest to the length asked for (blind indexes keep 16 bytes)', () => {
    const key = randomBytes(32);
    expect(hmacSha256(key, 'phone\0', '13912345678', 16)).toEqual(
      reference(key, 'phone\u000013912345678').subarray(0, 16),
    );
    expect(hmacSha256Hex(key, 'x', 'y', 20)).toBe(reference(key, 'xy').toString('hex').slice(0, 40));
  });

  it('equals createHmac for keys of every length up to three blocks and texts short and long, in any order', () => {
    const alphabet = ['a', '7', ' ', '\0', 'é', '张', '号', '😀', '\ud83d'];
    for (let i = 0; i < 400; i++) {
      const key = randomBytes(i % 200);
      // Lengths jump around so that a long text (the scratch buffer grows) is followed by short ones.
      const n = [0, 1, 11, 63, 64, 65, 300, 5000][i % 8]!;
      let text = '';
      for (let j = 0; j < n; j++) text += alphabet[(i * 31 + j * 7) % alphabet.length];
      expect(hmacSha256(key, 'k\0', text)).toEqual(reference(key, `k\0${text}`));
      expect(hmacSha256Hex(key, '', text, 20)).toBe(reference(key, text).toString('hex').slice(0, 40));
    }
  });

  it('does not mix up keys', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    expect(hmacSha256(a, '', 'x')).toEqual(reference(a, 'x'));
    expect(hmacSha256(b, '', 'x')).toEqual(reference(b, 'x'));
    expect(hmacSha256(a, '', 'x')).toEqual(reference(a, 'x'));
  });
});
