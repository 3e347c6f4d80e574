// Mobile numbers and bank cards, unique by construction: the distinctive digits come from a keyed
// permutation of a partitioned index (customers, service numbers and agents each own a range), so
// no two clean values are ever equal and no state is kept however many rows are generated.
import { createPermutation, hash2, hash32 } from './prng.js';

/** Allocated mainland mobile segments used for clean numbers. */
export const MOBILE_SEGMENTS = [
  ...[130, 131, 132, 133, 134, 135, 136, 137, 138, 139],
  ...[150, 151, 152, 153, 155, 156, 157, 158, 159, 166],
  ...[170, 171, 172, 173, 175, 176, 177, 178],
  ...[180, 181, 182, 183, 184, 185, 186, 187, 188, 189],
  ...[191, 193, 195, 196, 197, 198, 199],
].map(String);

/** Segments not allocated to anyone (shared/spec/validation-cases.md): PHONE_FORMAT. */
export const UNALLOCATED_SEGMENTS = ['154', '179', '194'] as const;

/** Well-known sample numbers: 13800138000 only warns, 11111111111 is also malformed. */
export const PLACEHOLDER_PHONES = { warn: '13800138000', invalid: '11111111111' } as const;

/**
 * 8-digit suffixes never handed out, sorted: 13800138000's own suffix and runs that a validator
 * could reasonably take for a placeholder (all one digit, 12345678, 87654321).
 */
const EXCLUDED_SUFFIXES = [
  0, 138000, 11111111, 12345678, 22222222, 33333333, 44444444, 55555555, 66666666, 77777777, 87654321,
  88888888, 99999999,
];
const SUFFIX_SPACE = 100_000_000 - EXCLUDED_SUFFIXES.length;

/** Index ranges of the phone partitions; each caller's index must stay below its range size. */
export const PHONE_PARTITION_SIZE = 40_000_000;
const PHONE_PARTITIONS = {
  customer: 0,
  service: PHONE_PARTITION_SIZE,
  agent: 2 * PHONE_PARTITION_SIZE,
} as const;
export type PhoneOwner = keyof typeof PHONE_PARTITIONS;

/** Card issuer prefixes (6 digits, all 62xxxx as UnionPay cards are). */
const CARD_BINS = [
  '622202',
  '621226',
  '622848',
  '621700',
  '622700',
  '621661',
  '622588',
  '621483',
  '622262',
  '621799',
  '622908',
  '623668',
];
/** Card lengths and their shares: mostly 19-digit debit cards, then 16-digit ones. */
const CARD_LENGTHS = [16, 16, 16, 17, 18, 19, 19, 19, 19, 19, 19, 19];

export const CARD_INDEX_LIMIT = 1_000_000_000;

/** A digit's Luhn contribution at `pos` places left of the check digit (odd places are doubled). */
function luhnTerm(digit: number, pos: number): number {
  if (pos % 2 === 0) return digit;
  const d = digit * 2;
  return d > 9 ? d - 9 : d;
}

const POWERS_OF_TEN = [1, 10, 100, 1000];
/** Zero-padded texts of 0..10^k - 1 for k = 0..3: the filler digits of 17- to 19-digit cards. */
const FILLER_TEXT = POWERS_OF_TEN.map((p, k) =>
  Array.from({ length: p }, (_, n) => (k === 0 ? '' : String(p + n).slice(1))),
);

/** Luhn sum of each BIN when it starts after an even [0] or odd [1] number of places. */
const BIN_LUHN = CARD_BINS.map((bin) =>
  [0, 1].map((offset) => {
    let sum = 0;
    for (let i = 0; i < 6; i++) sum += luhnTerm(bin.charCodeAt(5 - i) - 48, offset + 1 + i);
    return sum;
  }),
);

export function luhnCheckDigit(body: string): string {
  let sum = 0;
  let double = true;
  for (let i = body.length - 1; i >= 0; i--) {
    let d = body.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return String((10 - (sum % 10)) % 10);
}

const ZEROS = ['', '0', '00', '000', '0000', '00000', '000000', '0000000', '00000000', '000000000'];

/**
 * Zero-padded decimal of a non-negative integer below 10^width (width at most 10). Converts `n`
 * itself, a small integer with V8's fast path, rather than 10^width + n, which is not.
 */
export function padDigits(n: number, width: number): string {
  const s = String(n);
  return s.length >= width ? s : ZEROS[width - s.length] + s;
}

const pad = padDigits;

export class ContactSpace {
  private readonly phonePerm: (x: number) => number;
  private readonly cardPerm: (x: number) => number;
  /** Per-purpose hash keys derived from the seed. */
  private readonly keys: readonly [number, number, number, number, number];

  constructor(seed: number) {
    this.keys = [hash32(seed, 23), hash32(seed, 24), hash32(seed, 25), hash32(seed, 26), hash32(seed, 27)];
    this.phonePerm = createPermutation(SUFFIX_SPACE, hash32(seed, 21));
    this.cardPerm = createPermutation(CARD_INDEX_LIMIT, hash32(seed, 22));
  }

  /** The unique 8-digit suffix of the phone of `owner` number `index`. */
  phoneSuffix(owner: PhoneOwner, index: number): string {
    if (!(index >= 0 && index < PHONE_PARTITION_SIZE))
      throw new RangeError(`phone index out of range: ${index}`);
    let v = this.phonePerm(PHONE_PARTITIONS[owner] + index);
    for (const excluded of EXCLUDED_SUFFIXES) if (v >= excluded) v++;
    return pad(v, 8);
  }

  /** A valid mobile number in an allocated segment; distinct for distinct (owner, index). */
  phone(owner: PhoneOwner, index: number): string {
    let segment =
      MOBILE_SEGMENTS[hash2(this.keys[0], PHONE_PARTITIONS[owner] + index) % MOBILE_SEGMENTS.length]!;
    const suffix = this.phoneSuffix(owner, index);
    // 1349 is the satellite block inside 134 (a PHONE_FORMAT warning): a clean number moves to 135.
    // The suffix alone is unique, so the number stays distinct under any segment.
    if (segment === '134' && suffix.charCodeAt(0) === 57) segment = '135';
    return segment + suffix;
  }

  /** The same unique suffix behind an unallocated segment (PHONE_FORMAT). */
  unallocatedPhone(owner: PhoneOwner, index: number): string {
    const segment = UNALLOCATED_SEGMENTS[hash2(this.keys[1], index) % UNALLOCATED_SEGMENTS.length]!;
    return segment + this.phoneSuffix(owner, index);
  }

  /** The unique 9 digits inside customer `index`'s card. */
  cardCore(index: number): string {
    if (!(index >= 0 && index < CARD_INDEX_LIMIT)) throw new RangeError(`card index out of range: ${index}`);
    return pad(this.cardPerm(index), 9);
  }

  /** A UnionPay card number (16-19 digits, Luhn-valid); distinct for distinct `index`. */
  card(index: number): string {
    const h = hash2(this.keys[2], index);
    const length = CARD_LENGTHS[h % CARD_LENGTHS.length]!;
    const binIndex = (h >>> 8) % CARD_BINS.length;
    const fillerDigits = length - 16;
    const filler = Math.floor(((h >>> 16) % 1000) / POWERS_OF_TEN[3 - fillerDigits]!);
    const core = this.cardPerm(index);
    // Luhn from digit values: the core's digits sit at odd positions from the right when doubled
    // first (position 1 is next to the check digit), then the filler, then the BIN.
    let sum = 0;
    let v = core;
    for (let pos = 1; pos <= 9; pos++) {
      const q = (v / 10) | 0;
      sum += luhnTerm(v - q * 10, pos);
      v = q;
    }
    v = filler;
    for (let pos = 10; pos < 10 + fillerDigits; pos++) {
      const q = (v / 10) | 0;
      sum += luhnTerm(v - q * 10, pos);
      v = q;
    }
    sum += BIN_LUHN[binIndex]![(9 + fillerDigits) % 2]!;
    return `${CARD_BINS[binIndex]}${FILLER_TEXT[fillerDigits]![filler]}${pad(core, 9)}${(10 - (sum % 10)) % 10}`;
  }

  /** A 16-digit card whose check digit is wrong (BANK_ACCOUNT_LUHN); distinct for distinct `index`. */
  cardWithBadLuhn(index: number): string {
    const bin = CARD_BINS[hash2(this.keys[3], index) % CARD_BINS.length]!;
    const body = bin + this.cardCore(index);
    const good = Number(luhnCheckDigit(body));
    return body + String((good + 1 + (hash2(this.keys[4], index) % 9)) % 10);
  }
}
