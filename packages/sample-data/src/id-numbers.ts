// Resident ID numbers (GB 11643-1999): 6-digit region, 8-digit birth date, 3-digit sequence whose
// last digit is odd for men and even for women, and an ISO 7064 MOD 11-2 check character.
//
// Uniqueness without state: each class of person (holders, adult insured, minor insured) owns a
// disjoint range of sequence numbers, and within a class a keyed permutation maps the person's
// index one-to-one onto (region, birth date, sequence). Two different persons therefore never get
// the same number, however many records are generated, and the same seed and index always give the
// same person. Birth-date ranges are fixed (not derived from the sign-date window) so that batches
// generated with one seed and disjoint index ranges never share a number either.
import { compactDate, dayFromCivil } from './dates.js';
import { createPermutation, hash32 } from './prng.js';
import { ID_REGIONS } from './region-table.js';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';

/** Weighted digit sum of a 6-digit region code, once per region. */
const REGION_SUMS = ID_REGIONS.map((r) => {
  let sum = 0;
  for (let i = 0; i < 6; i++) sum += (r[0].charCodeAt(i) - 48) * WEIGHTS[i]!;
  return sum;
});

/** The check character for the first 17 digits of an ID number. */
export function idCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

/** An 18-character ID number from its parts; `seq` is 0..999. */
export function buildIdNumber(region: string, birth: string, seq: number): string {
  const first17 = region + birth + String(1000 + seq).slice(1);
  return first17 + idCheckChar(first17);
}

/** The legacy 15-digit form (two-digit year, no check character) of an 18-digit number born in 19xx. */
export function toLegacyIdNumber(id18: string): string {
  if (id18.slice(6, 8) !== '19') throw new RangeError('only people born in 19xx have a 15-digit form');
  return id18.slice(0, 6) + id18.slice(8, 17);
}

export interface Identity {
  /** 18-character ID number with a correct check character. */
  id18: string;
  /** Birth date as a day number (days since 1970-01-01). */
  birthDay: number;
  male: boolean;
  /** Index into ID_REGIONS of the region code. */
  regionIndex: number;
}

/** Sequence slots (seq = 2 * slot + sex bit) owned by each class; disjoint so classes never collide. */
const CLASSES = {
  // 277 holder slots make the class just fit 2^30 identities: the permutation then rarely cycle-walks.
  holder: { from: dayFromCivil(1950, 1, 1), to: dayFromCivil(2003, 12, 31), slotFrom: 1, slotTo: 278 },
  adultInsured: {
    from: dayFromCivil(1940, 1, 1),
    to: dayFromCivil(2003, 12, 31),
    slotFrom: 278,
    slotTo: 378,
  },
  minorInsured: { from: dayFromCivil(2006, 1, 1), to: dayFromCivil(2025, 6, 30), slotFrom: 378, slotTo: 500 },
} as const;

export type IdentityClass = keyof typeof CLASSES;

/** Birth-date range of a class, as day numbers. */
export function identityClassRange(kind: IdentityClass): { from: number; to: number } {
  return { from: CLASSES[kind].from, to: CLASSES[kind].to };
}

/** Hands out unique identities per class; see the file comment. */
export class IdentitySpace {
  private readonly classes: Record<
    IdentityClass,
    { perm: (x: number) => number; size: number; days: number }
  >;

  constructor(seed: number) {
    const make = (kind: IdentityClass, salt: number) => {
      const c = CLASSES[kind];
      const days = c.to - c.from + 1;
      const size = ID_REGIONS.length * days * (c.slotTo - c.slotFrom);
      return { perm: createPermutation(size, hash32(seed, salt)), size, days };
    };
    this.classes = {
      holder: make('holder', 11),
      adultInsured: make('adultInsured', 12),
      minorInsured: make('minorInsured', 13),
    };
  }

  /** How many distinct identities a class can hand out. */
  capacity(kind: IdentityClass): number {
    return this.classes[kind].size;
  }

  /** The identity with this index in the class; one-to-one in `index`. */
  identity(kind: IdentityClass, index: number, male: boolean): Identity {
    const c = this.classes[kind];
    const u = c.perm(index);
    const regionIndex = u % ID_REGIONS.length;
    const rest = (u - regionIndex) / ID_REGIONS.length;
    const dayOffset = rest % c.days;
    const slot = CLASSES[kind].slotFrom + (rest - dayOffset) / c.days;
    const birthDay = CLASSES[kind].from + dayOffset;
    const seq = slot * 2 + (male ? 1 : 0);
    const birth = compactDate(birthDay);
    // The check character from digit values, without re-reading the assembled string.
    let sum = REGION_SUMS[regionIndex]!;
    for (let i = 0; i < 8; i++) sum += (birth.charCodeAt(i) - 48) * WEIGHTS[6 + i]!;
    sum +=
      Math.floor(seq / 100) * WEIGHTS[14]! +
      (Math.floor(seq / 10) % 10) * WEIGHTS[15]! +
      (seq % 10) * WEIGHTS[16]!;
    const id18 = `${ID_REGIONS[regionIndex]![0]}${birth}${String(1000 + seq).slice(1)}${CHECK_CHARS[sum % 11]}`;
    return { id18, birthDay, male, regionIndex };
  }
}
