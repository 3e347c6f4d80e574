// The defects that can be injected, their shares, and the pure functions that corrupt a value.
// Each corruption keeps the value unique (it is derived one-to-one from a unique clean value), so
// a corrupted value never accidentally duplicates another record's and triggers a second rule.
import { RULE_CODES, type RuleCode } from '@custodian/validators';
import { civilFromDay, isLeapYear } from './dates.js';
import { idCheckChar } from './id-numbers.js';
import type { Profile } from './options.js';

/**
 * Rule codes of shared/spec/rulebook.md §1 that the generator injects and labels: all of them
 * (KIND_SPECS record by record, AGENT_RECHECK from the agent), so the validators' own list. A rule
 * added there without an injection here fails "produces every label kind" (customers.test.ts).
 */
export const DEFECT_RULES = RULE_CODES;
export type DefectRule = RuleCode;

/**
 * Labels that name a case a correct implementation must NOT flag: a minor insured without an ID
 * number (002 §3.5 exempts them from MISSING_REQUIRED). They sit in the same answer key; filter
 * them out (isNegativeLabel) before comparing with the flags.
 */
export const NEGATIVE_LABEL_RULES = ['NOT_MISSING_MINOR'] as const;
export type NegativeLabelRule = (typeof NEGATIVE_LABEL_RULES)[number];

/** Defects injected record by record (AGENT_RECHECK follows from the agent instead). */
export type InjectedKind = Exclude<DefectRule, 'AGENT_RECHECK'>;

export interface KindSpec {
  kind: InjectedKind;
  /** Relative share among injected defects. */
  weight: number;
  /** Records one injection involves (duplicates involve two, the line limit six). */
  records: number;
  profiles: readonly Profile[];
}

const BOTH: readonly Profile[] = ['insurance', 'telecom'];

export const KIND_SPECS: readonly KindSpec[] = [
  { kind: 'MISSING_REQUIRED', weight: 10, records: 1, profiles: BOTH },
  { kind: 'ID_CHECKSUM', weight: 6, records: 1, profiles: BOTH },
  { kind: 'ID_BIRTHDATE', weight: 4, records: 1, profiles: BOTH },
  { kind: 'ID_FORMAT', weight: 4, records: 1, profiles: BOTH },
  { kind: 'ID_REGION', weight: 4, records: 1, profiles: BOTH },
  { kind: 'ID_GENDER_MISMATCH', weight: 5, records: 1, profiles: BOTH },
  { kind: 'ID_BIRTHDATE_MISMATCH', weight: 5, records: 1, profiles: BOTH },
  { kind: 'PHONE_FORMAT', weight: 6, records: 1, profiles: BOTH },
  { kind: 'PHONE_PLACEHOLDER', weight: 2, records: 1, profiles: BOTH },
  { kind: 'BANK_ACCOUNT_FORMAT', weight: 4, records: 1, profiles: BOTH },
  { kind: 'BANK_ACCOUNT_LUHN', weight: 4, records: 1, profiles: BOTH },
  { kind: 'BANK_ACCOUNT_HOLDER_MISMATCH', weight: 5, records: 1, profiles: BOTH },
  { kind: 'CONSENT_MISSING', weight: 6, records: 1, profiles: BOTH },
  { kind: 'DUP_PHONE', weight: 6, records: 2, profiles: BOTH },
  { kind: 'DUP_BANK_ACCOUNT', weight: 5, records: 2, profiles: BOTH },
  { kind: 'ID_CONFLICT', weight: 4, records: 2, profiles: BOTH },
  { kind: 'AGENT_CONTACT_SUBSTITUTION', weight: 5, records: 1, profiles: BOTH },
  { kind: 'ID_LINE_LIMIT', weight: 3, records: 6, profiles: ['telecom'] },
];

/**
 * Per-record probability of starting an injection so that the share of records carrying a defect
 * is `rate`: with E records per injection on average, rate = pE / (1 + p(E - 1)).
 */
export function injectionProbability(rate: number, specs: readonly KindSpec[]): number {
  const total = specs.reduce((s, k) => s + k.weight, 0);
  const e = specs.reduce((s, k) => s + k.weight * k.records, 0) / total;
  return rate / (e - rate * (e - 1));
}

/**
 * An impossible YYYYMMDD for ID_BIRTHDATE, one-to-one in the real birth date: day 31 of a 30-day
 * month, 30/31 February, 29 February of a common year, or the month shifted past 12.
 */
export function impossibleBirthDate(birthDay: number): string {
  const [y, m, d] = civilFromDay(birthDay);
  const mmdd = (mm: number, dd: number) => `${y}${String(mm).padStart(2, '0')}${String(dd).padStart(2, '0')}`;
  if ((m === 4 || m === 6 || m === 9 || m === 11) && d === 30) return mmdd(m, 31);
  if (m === 2 && d === 28) return mmdd(2, 30);
  if (m === 2 && d === 29) return mmdd(2, 31);
  if (m === 2 && d === 27 && !isLeapYear(y)) return mmdd(2, 29);
  return mmdd(m + 12, d);
}

/** A wrong check character for the first 17 digits; `pick` in [0, 1) chooses which. */
export function wrongCheckChar(first17: string, pick: number): string {
  const others = [...'0123456789X'].filter((c) => c !== idCheckChar(first17));
  return others[Math.floor(pick * others.length)]!;
}

const LOOKALIKE: Record<string, string> = { '0': 'O', '1': 'I', '2': 'Z', '5': 'S', '8': 'B' };

/** Malformed variants of a valid 18-character number (ID_FORMAT), each one-to-one in the input. */
export function malformedIdNumber(id18: string, variant: number): { value: string; detail: string } {
  switch (variant % 4) {
    case 0:
      return { value: id18.slice(0, 17), detail: '17 characters: check character missing' };
    case 1:
      return {
        value: `${id18}${id18[17] === 'X' ? '0' : id18[17]}`,
        detail: '19 characters: last character doubled',
      };
    case 2: {
      const pos = 10 + (variant % 3);
      const ch = id18[pos]!;
      return {
        value: id18.slice(0, pos) + (LOOKALIKE[ch] ?? 'A') + id18.slice(pos + 1),
        detail: `letter at position ${pos + 1}`,
      };
    }
    default:
      return { value: id18.slice(0, 16), detail: '16 characters: truncated' };
  }
}
