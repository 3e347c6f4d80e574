import { createHash, type Hash } from 'node:crypto';
import type { Keyring } from './keyring.js';

/**
 * HMAC-SHA256 (RFC 2104) with the key's inner and outer hash states computed once and copied per
 * call: the same bytes as createHmac, without re-processing the key for every value (the ingest
 * computes seven indexes per record).
 */
export class FastHmac {
  private readonly inner: Hash;
  private readonly outer: Hash;

  constructor(key: Uint8Array) {
    const block = Buffer.alloc(64);
    (key.length > 64 ? createHash('sha256').update(key).digest() : Buffer.from(key)).copy(block);
    const ipad = Buffer.alloc(64);
    const opad = Buffer.alloc(64);
    for (let i = 0; i < 64; i++) {
      ipad[i] = block[i]! ^ 0x36;
      opad[i] = block[i]! ^ 0x5c;
    }
    this.inner = createHash('sha256').update(ipad);
    this.outer = createHash('sha256').update(opad);
  }

  digest(...parts: (string | Uint8Array)[]): Buffer {
    const h = this.inner.copy();
    for (const p of parts) h.update(p);
    return this.outer.copy().update(h.digest()).digest();
  }
}

const hmacs = new WeakMap<Uint8Array, FastHmac>();

/** The HMAC of a key, built once per key. */
export function hmacFor(key: Uint8Array): FastHmac {
  let h = hmacs.get(key);
  if (!h) {
    h = new FastHmac(key);
    hmacs.set(key, h);
  }
  return h;
}

/**
 * The kinds of value that have a blind index. The kind is mixed into the HMAC so that a phone
 * and a bank account with the same digits never share an index.
 */
export type BlindIndexKind = 'id' | 'phone' | 'bank' | 'name' | 'address' | 'service';

/** Length kept of the HMAC-SHA256: 128 bits leave collisions out of reach at any archive size. */
const INDEX_BYTES = 16;

/**
 * Keyed blind index of an already normalised value (HMAC-SHA256 with the database's index key):
 * equal values give equal indexes, so duplicates are found without decrypting anything.
 * Returns null for an absent value.
 */
export function blindIndex(
  keyring: Keyring,
  kind: BlindIndexKind,
  normalized: string | null | undefined,
): Buffer | null {
  if (normalized === null || normalized === undefined || normalized === '') return null;
  return hmacFor(keyring.indexKey).digest(kind, '\0', normalized).subarray(0, INDEX_BYTES);
}

/** Normal form of free text (names, addresses) for comparison: NFKC, no white space, lower case. */
export function normalizeText(value: string): string {
  return value.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
}
