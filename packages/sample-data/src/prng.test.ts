import { describe, expect, it } from 'vitest';
import { createPermutation, hash32, Prng } from './prng.js';

describe('Prng', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const draw = (seed: number) =>
      Array.from(
        { length: 20 },
        (
          (p) => () =>
            p.next()
        )(new Prng(seed)),
      );
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('stays in range and covers it', () => {
    const p = new Prng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) seen.add(p.between(3, 9));
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7, 8, 9]);
  });

  it('keeps its mulberry32 sequence: every sample of a seed rests on it, the auditor logs too', () => {
    const p = new Prng(20261101);
    expect(Array.from({ length: 4 }, () => p.next() * 2 ** 32)).toEqual([
      2894595015, 3849201826, 3232460265, 1803126279,
    ]);
    expect(p.normal()).toBe(0.6505929619349475);
  });

  it('draws normal() with mean about 0 and sd about 1, within ±2√3', () => {
    const p = new Prng(3);
    const xs = Array.from({ length: 20_000 }, () => p.normal());
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(sd - 1)).toBeLessThan(0.05);
    expect(xs.every((x) => Math.abs(x) <= 2 * Math.sqrt(3))).toBe(true);
  });
});

describe('createPermutation', () => {
  it('is a bijection of [0, size) for awkward sizes', () => {
    for (const size of [2, 3, 10, 1000, 4097, 65_537, 100_003]) {
      const perm = createPermutation(size, hash32(size, 9));
      const seen = new Uint8Array(size);
      let outside = 0;
      for (let x = 0; x < size; x++) {
        const y = perm(x);
        if (y >= 0 && y < size) seen[y]!++;
        else outside++;
      }
      expect(outside).toBe(0);
      expect(seen.every((c) => c === 1)).toBe(true);
    }
  });

  it('scrambles: neighbours land far apart, and keys give different orders', () => {
    const a = createPermutation(1_000_000_000, 1);
    const b = createPermutation(1_000_000_000, 2);
    expect(Math.abs(a(1) - a(2))).toBeGreaterThan(1000);
    expect([a(1), a(2), a(3)]).not.toEqual([b(1), b(2), b(3)]);
    expect(() => a(1_000_000_000)).toThrow(RangeError);
  });
});
