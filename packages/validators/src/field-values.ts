// Parsers for coded values of customer files (formats.md "Customer records"). They return
// `undefined` for what they cannot read; they never throw.

import type { Gender } from './id-number.js';
import { nfkc } from './text.js';

const MALE = new Set(['男', '男性', 'M', 'MALE', '1']);
const FEMALE = new Set(['女', '女性', 'F', 'FEMALE', '2']);

/**
 * Gender as written in customer files: 男/女 (also 男性/女性), M/F, male/female, or the
 * GB/T 2261.1 codes 1/2. Codes 0 (unknown) and 9 (unspecified), and anything else, give
 * `undefined`.
 */
export function parseGender(value: string | undefined | null): Gender | undefined {
  if (typeof value !== 'string') return undefined;
  // The sets hold normalised values: one written as such needs no folding.
  if (MALE.has(value)) return 'M';
  if (FEMALE.has(value)) return 'F';
  const v = nfkc(value).trim().toUpperCase();
  if (MALE.has(v)) return 'M';
  if (FEMALE.has(v)) return 'F';
  return undefined;
}

const YES = new Set(['是', '同意', '已同意', 'Y', 'YES', 'TRUE', '1']);
const NO = new Set(['否', '不同意', '未同意', 'N', 'NO', 'FALSE', '0']);

/**
 * The consent field (formats.md: 是/否, Y/N, true/false; also 1/0 and 同意/不同意).
 * `true` or `false` when it says so; `undefined` when absent or unreadable (not recorded).
 */
export function parseConsent(value: string | undefined | null): boolean | undefined {
  if (typeof value !== 'string') return undefined;
  if (YES.has(value)) return true;
  if (NO.has(value)) return false;
  const v = nfkc(value).trim().toUpperCase();
  if (YES.has(v)) return true;
  if (NO.has(v)) return false;
  return undefined;
}
