import { nfkc } from '@custodian/validators';
import { hmacSha256 } from './hmac-sha256.js';
import type { Keyring } from './keyring.js';

/**
 * The kinds of value that have a blind index. The kind is mixed into the HMAC so that a phone
 * and a bank account with the same digits never share an index.
 */
export type BlindIndexKind = 'id' | 'phone' | 'bank' | 'name' | 'address' | 'service';

/** What the HMAC is computed over: `${kind}\0${normalized}`. */
const KIND_PREFIX: Readonly<Record<BlindIndexKind, string>> = {
  id: 'id\0',
  phone: 'phone\0',
  bank: 'bank\0',
  name: 'name\0',
  address: 'address\0',
  service: 'service\0',
};

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
  return hmacSha256(keyring.indexKey, KIND_PREFIX[kind] ?? `${kind}\0`, normalized, INDEX_BYTES);
}

/**
 * A character `normalizeText` may change: anything but printable ASCII other than space and
 * A-Z, and the CJK ideographs. An address without one (most of them) is already normal.
 */
const TEXT_CHANGES = /[^\x21-\x40\x5b-\x7e\u3400-\u4dbf\u4e00-\u9fff]/;

/** Normal form of free text (names, addresses) for comparison: NFKC, no white space, lower case. */
export function normalizeText(value: string): string {
  if (!TEXT_CHANGES.test(value)) return value;
  return nfkc(value).replace(/\s+/g, '').toLowerCase();
}
