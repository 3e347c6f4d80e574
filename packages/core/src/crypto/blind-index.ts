import { createHmac } from 'node:crypto';
import type { Keyring } from './keyring.js';

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
  return createHmac('sha256', keyring.indexKey)
    .update(`${kind}\0${normalized}`)
    .digest()
    .subarray(0, INDEX_BYTES);
}

/** Normal form of free text (names, addresses) for comparison: NFKC, no white space, lower case. */
export function normalizeText(value: string): string {
  return value.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
}
