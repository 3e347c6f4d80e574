// Deterministic randomness: a seeded PRNG (mulberry32), a 32-bit hash for deriving seeds, and keyed
// permutations used to hand out unique phone numbers, cards and ID numbers without keeping state.

/** Mixes any number of 32-bit integers into one well-spread unsigned 32-bit value (murmur3 finaliser). */
export function hash32(...values: number[]): number {
  let h = 0x811c9dc5;
  for (const v of values) {
    h = Math.imul(h ^ (v >>> 0), 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x85ebca77);
    h ^= h >>> 13;
  }
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** hash32 of two values, without the rest-parameter array (hot paths). */
export function hash2(a: number, b: number): number {
  let h = Math.imul(0x811c9dc5 ^ (a >>> 0), 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca77);
  h ^= h >>> 13;
  h = Math.imul(h ^ (b >>> 0), 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca77);
  h ^= h >>> 13;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Seed for the `index`-th item of a stream: indices stay far below 2^32. */
export function hashIndex(seed: number, salt: number, index: number): number {
  return hash2(hash2(seed, salt), index);
}

/**
 * mulberry32: 32 bits of state, fast, good enough for synthetic data. `reseed` lets one instance be
 * reused per record without allocation, which keeps the 1M-row bench cheap.
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  reseed(seed: number): this {
    this.state = seed >>> 0;
    return this;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [min, max], both included. */
  between(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Roughly normal: the sum of four uniforms, scaled to mean 0 and sd 1 (so within ±2√3). */
  normal(): number {
    return (this.next() + this.next() + this.next() + this.next() - 2) * 1.7320508;
  }

  /** Index drawn from a table made by `cumulativeWeights`. */
  pickCumulative(cumulative: readonly number[]): number {
    const r = this.next() * cumulative[cumulative.length - 1]!;
    let i = 0;
    while (r >= cumulative[i]!) i++;
    return i;
  }

  /** Index drawn with probability proportional to `weights[i]`. */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** Fisher-Yates, in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t;
    }
    return items;
  }
}

/**
 * A keyed bijection of [0, size) onto itself: a murmur3-style mixer (XOR with a key, multiply by an
 * odd constant, xorshift, twice, then add a key), every step of which is invertible modulo 2^bits,
 * over the smallest power of two covering `size`, with cycle walking to stay inside the range.
 * Because it is a bijection, distinct inputs always give distinct outputs: that is what guarantees
 * that clean records never share a phone, card or ID number by accident, with no memory of what
 * was issued. `size` may be at most 2^32.
 */
export function createPermutation(size: number, key: number): (x: number) => number {
  if (!(size >= 2 && size <= 0x1_0000_0000)) throw new RangeError(`permutation size out of range: ${size}`);
  const bits = Math.max(2, Math.ceil(Math.log2(size)));
  // For 32 bits the mask is applied by `>>> 0`; below, by `&` (the result is then below 2^31).
  const mask = bits === 32 ? -1 : 2 ** bits - 1;
  const shiftA = Math.max(1, Math.floor(bits / 2));
  const shiftB = Math.max(1, Math.floor(bits / 2) - 1);
  const k1 = hash32(key, 1) & mask;
  const k2 = hash32(key, 2) & mask;
  const m1 = (hash32(key, 3) | 1) & mask;
  const m2 = (hash32(key, 4) | 1) & mask;
  return (x: number): number => {
    if (!(x >= 0 && x < size)) throw new RangeError(`permutation input out of range: ${x}`);
    let v = x;
    do {
      v = (v ^ k1) & mask;
      v = Math.imul(v, m1) & mask;
      v = (v ^ (v >>> shiftA)) & mask;
      v = Math.imul(v, m2) & mask;
      v = (v ^ (v >>> shiftB)) & mask;
      v = ((v + k2) & mask) >>> 0;
    } while (v >= size);
    return v;
  };
}

/** Running sums of weights, for Prng.pickCumulative. */
export function cumulativeWeights(weights: readonly number[]): number[] {
  let total = 0;
  return weights.map((w) => {
    total += w;
    return total;
  });
}
