// Identity document numbers: resident ID (GB 11643-1999) in its 18-digit and legacy 15-digit
// forms, residence permits of Hong Kong, Macao and Taiwan residents, and foreigners' permanent
// residence IDs (2023 18-digit and older 15-character forms). Implements 002 §3.6: "确保其身份证
// 号码符合身份证编码规则" (rule codes ID_FORMAT, ID_REGION, ID_BIRTHDATE, ID_CHECKSUM).
//
// The hot path works on char codes and integers: no regex, no Date, no allocation for a clean
// 18-character number. The only exception thrown is the TypeError for a JavaScript number.

import { formatYmd, isRealDate, resolveToday } from './dates.js';
import { type Finding, hasNoError, makeFinding, type RuleCode, type Severity } from './findings.js';
import { isProvincePrefix, REPORTED_MISSING_CODES, regionLastYear, regionName } from './gb2260.js';
import { maskIdNumber } from './masking.js';
import { foldCompact, isExcelScientific } from './text.js';

export type IdKind = 'resident' | 'resident15' | 'permit' | 'foreigner2023' | 'foreigner15' | 'unknown';
export type Gender = 'M' | 'F';

export interface IdOptions {
  /** `YYYY-MM-DD`; defaults to today in Asia/Shanghai. Birth dates after it are refused. */
  today?: string;
}

export interface IdParseResult {
  /** No error-severity finding. */
  ok: boolean;
  kind: IdKind;
  /**
   * 18 characters for every 18-character kind and for a 15-digit number (converted with century
   * 19 and a computed check digit); the upper-cased 15 characters for an old foreigner ID.
   * Present whenever the structure is right, even if the date, region or check digit is wrong,
   * so that the ingest can still index the number. Absent for `ID_FORMAT` errors.
   */
  normalized?: string;
  /** `YYYY-MM-DD`, present when the date part is a real date (even a future one). */
  birthDate?: string;
  /** From the parity of the sequence code's last digit: odd male, even female (GB 11643 §4.3). */
  gender?: Gender;
  /** Six digits: the address code, or the province of acceptance (`320000`) for a foreigner ID. */
  regionCode?: string;
  /** Full name of `regionCode` in the birth year when the timeline knows it. */
  regionName?: string;
  /** Nationality: ISO 3166 numeric (2023 form) or alpha-3 (15-character form) of a foreigner ID. */
  nationality?: string;
  findings: Finding[];
}

/** GB 11643-1999 / ISO 7064 MOD 11-2 weights, 2^(17-i) mod 11, of the 17 body digits. */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/** Check character indexed by (weighted sum mod 11). */
const CHECK_CHARS = '10X98765432';
const CHECK_CODES = Array.from(CHECK_CHARS, (c) => c.charCodeAt(0));
const CODE_X = 88;

/**
 * Birth years before 1800 are refused. There is deliberately no 1900 floor: the standard's own
 * example 440524188001010014 was born in 1880. Nobody born before 1800 was alive when resident
 * IDs were introduced (1984), so earlier years can only be typing errors.
 */
export const MIN_BIRTH_YEAR = 1800;

// Status bits of one assessment. Errors first, then warnings.
const F_FORMAT = 1 << 0;
const F_FORMAT_LENGTH = 1 << 1;
const F_FORMAT_X15 = 1 << 2;
const F_PROVINCE = 1 << 3;
const F_PERMIT_REGION = 1 << 4;
const F_REGION_UNKNOWN_15 = 1 << 5;
const F_DATE_INVALID = 1 << 6;
const F_DATE_FUTURE = 1 << 7;
const F_DATE_TOO_OLD = 1 << 8;
const F_CHECKSUM = 1 << 9;
const F_COUNTY_UNKNOWN = 1 << 10;
const F_REPORTED_MISSING = 1 << 11;
const F_COUNTY_ABOLISHED = 1 << 12;
const ERRORS = (1 << 10) - 1;

const K_UNKNOWN = 0;
const K_RESIDENT = 1;
const K_RESIDENT15 = 2;
const K_PERMIT = 3;
const K_FOREIGNER2023 = 4;
const K_FOREIGNER15 = 5;
const KIND_NAMES: readonly IdKind[] = [
  'unknown',
  'resident',
  'resident15',
  'permit',
  'foreigner2023',
  'foreigner15',
];

// Side results of the last assessment, read by parseIdNumber right after the call; module
// state instead of a result object so that the fast path allocates nothing.
let lastKind = K_UNKNOWN;
let lastRegion = 0;
let lastBirth = 0;
let lastBirthReal = false;

/** Region checks shared by 18- and 15-digit resident numbers; `strict` for 15 digits (no check digit). */
function assessResidentRegion(region: number, birthYear: number, strict: boolean): number {
  if (!isProvincePrefix((region / 10000) | 0)) return F_PROVINCE;
  const last = regionLastYear(region);
  if (last === 0) {
    if (REPORTED_MISSING_CODES.has(region)) return F_REPORTED_MISSING;
    return strict ? F_REGION_UNKNOWN_15 : F_COUNTY_UNKNOWN;
  }
  return last < birthYear ? F_COUNTY_ABOLISHED : 0;
}

function assessDate(birth: number, today: number): number {
  const y = (birth / 10000) | 0;
  if (!isRealDate(y, ((birth / 100) | 0) % 100, birth % 100)) return F_DATE_INVALID;
  lastBirthReal = true;
  if (birth > today) return F_DATE_FUTURE;
  return y < MIN_BIRTH_YEAR ? F_DATE_TOO_OLD : 0;
}

function assess18(s: string, today: number): number {
  let sum = 0;
  let region = 0;
  let birth = 0;
  for (let i = 0; i < 6; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return F_FORMAT;
    sum += d * WEIGHTS[i]!;
    region = region * 10 + d;
  }
  for (let i = 6; i < 14; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return F_FORMAT;
    sum += d * WEIGHTS[i]!;
    birth = birth * 10 + d;
  }
  for (let i = 14; i < 17; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return F_FORMAT;
    sum += d * WEIGHTS[i]!;
  }
  const c = s.charCodeAt(17);
  if ((c < 48 || c > 57) && c !== CODE_X) return F_FORMAT;
  lastRegion = region;
  lastBirth = birth;
  let flags = c === CHECK_CODES[sum % 11] ? 0 : F_CHECKSUM;
  flags |= assessDate(birth, today);
  const birthYear = (birth / 10000) | 0;
  const prefix = (region / 10000) | 0;
  if (prefix >= 90) {
    // Foreigner ID, 2023 form: 9, province of acceptance (2), nationality (3), date, sequence, check.
    lastKind = K_FOREIGNER2023;
    if (!isProvincePrefix(((region / 1000) | 0) % 100)) flags |= F_PROVINCE;
  } else if (prefix >= 81 && prefix <= 83) {
    // Residence permits use the whole SAR or Taiwan code and nothing below it.
    lastKind = K_PERMIT;
    if (region !== prefix * 10000) flags |= F_PERMIT_REGION;
  } else {
    lastKind = K_RESIDENT;
    flags |= assessResidentRegion(region, birthYear, false);
    if (flags & F_DATE_INVALID) flags &= ~F_COUNTY_ABOLISHED;
  }
  return flags;
}

function assess15Digits(s: string, today: number): number {
  let region = 0;
  let birth = 0;
  for (let i = 0; i < 15; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return i === 14 && s.charCodeAt(i) === CODE_X ? F_FORMAT | F_FORMAT_X15 : F_FORMAT;
    if (i < 6) region = region * 10 + d;
    else if (i < 12) birth = birth * 10 + d;
  }
  // Legacy numbers carry a two-digit year of the 1900s (GB 11643-1989).
  birth += 19_000_000;
  lastKind = K_RESIDENT15;
  lastRegion = region;
  lastBirth = birth;
  let flags = assessDate(birth, today);
  flags |= assessResidentRegion(region, (birth / 10000) | 0, true);
  if (flags & F_DATE_INVALID) flags &= ~F_COUNTY_ABOLISHED;
  return flags;
}

function assessForeigner15(s: string, today: number): number {
  for (let i = 0; i < 3; i++) {
    const c = s.charCodeAt(i);
    if (c < 65 || c > 90) return F_FORMAT;
  }
  let office = 0;
  let yymmdd = 0;
  for (let i = 3; i < 15; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return F_FORMAT;
    if (i < 7) office = office * 10 + d;
    else if (i < 13) yymmdd = yymmdd * 10 + d;
  }
  lastKind = K_FOREIGNER15;
  lastRegion = ((office / 100) | 0) * 10000;
  lastBirth = 0;
  let flags = isProvincePrefix((office / 100) | 0) ? 0 : F_PROVINCE;
  // The century is not written: accept the date if it is real in the 1900s or, not in the
  // future, in the 2000s (the two differ only for 29 February of year 00).
  const yy = (yymmdd / 10000) | 0;
  const mm = ((yymmdd / 100) | 0) % 100;
  const dd = yymmdd % 100;
  const real1900 = isRealDate(1900 + yy, mm, dd);
  const real2000 = isRealDate(2000 + yy, mm, dd) && 20_000_000 + yymmdd <= today;
  if (!real1900 && !real2000) flags |= F_DATE_INVALID;
  return flags;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function assess(s: string, today: number): number {
  lastKind = K_UNKNOWN;
  lastBirthReal = false;
  if (s.length === 18) return assess18(s, today);
  if (s.length === 15)
    return isAsciiLetter(s.charCodeAt(0)) ? assessForeigner15(s, today) : assess15Digits(s, today);
  return F_FORMAT | F_FORMAT_LENGTH;
}

function refuseNumber(input: unknown): void {
  if (typeof input === 'number' || typeof input === 'bigint') {
    throw new TypeError(
      'ID numbers must be passed as strings: a JavaScript number cannot hold 18 digits exactly and drops the X check character',
    );
  }
}

/** Text folding for ID numbers: NFKC (full-width), spaces and hyphens removed, upper case. */
function foldIdText(input: string): string {
  return foldCompact(input).toUpperCase();
}

/** Check character of 17 body digits (ISO 7064 MOD 11-2). Assumes 17 ASCII digits. */
export function idCheckChar(body17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (body17.charCodeAt(i) - 48) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

/** The 18-digit form of a 15-digit legacy number: century 19 inserted, check digit appended. */
function upgrade15(s: string): string {
  const body = s.slice(0, 6) + '19' + s.slice(6);
  return body + idCheckChar(body);
}

/**
 * Normalises an ID number for storage and blind indexing: NFKC (full-width folded), spaces and
 * hyphens removed, upper case (`x` becomes `X`), and a 15-digit legacy number converted to its
 * 18-digit form. Does not validate: use `parseIdNumber` for that.
 * @throws TypeError when given a JavaScript number (digits are lost; IDs are strings).
 */
export function normalizeIdNumber(input: string): string {
  refuseNumber(input);
  if (typeof input !== 'string') return '';
  const s = foldIdText(input);
  return s.length === 15 && /^\d{15}$/.test(s) ? upgrade15(s) : s;
}

/**
 * Fast verdict: true when `parseIdNumber(input, opts).ok` would be, without building findings.
 * For batch pre-checks and benchmarks. Never throws except for a JavaScript number.
 * @throws TypeError when given a JavaScript number.
 */
export function isValidIdNumber(input: string, opts?: IdOptions): boolean {
  if (typeof input !== 'string') {
    refuseNumber(input);
    return false;
  }
  const today = resolveToday(opts?.today);
  let flags = assess(input, today);
  if (flags & F_FORMAT) {
    const folded = foldIdText(input);
    if (folded !== input) flags = assess(folded, today);
  }
  return (flags & ERRORS) === 0;
}

function addTo(
  out: Finding[],
  masked: string,
  rule: RuleCode,
  severity: Severity,
  zh: string,
  en: string,
): void {
  out.push(makeFinding(rule, severity, zh, en, masked));
}

function reasonsFor(flags: number, s: string, kind: number, region: number): Finding[] {
  const out: Finding[] = [];
  const add = addTo.bind(null, out, maskIdNumber(s));
  if (flags & F_FORMAT) {
    if (isExcelScientific(s)) {
      // The ingest says the same of an XLSX number cell of 10^15 or more.
      add(
        'ID_FORMAT',
        'error',
        '证件号码为Excel科学计数法（形如d.ddddE+nn）：在Excel中以数字存储，后几位数字已丢失；请将源文件该列设为文本后重新导出',
        'ID number is in Excel scientific notation (d.ddddE+nn): stored as a number in Excel, its digits have been lost; export the source with the column as text',
      );
    } else if (flags & F_FORMAT_LENGTH) {
      add(
        'ID_FORMAT',
        'error',
        `证件号码长度为${s.length}位，应为18位（或旧版15位）`,
        `ID number has ${s.length} characters; expected 18 (or 15 for the legacy form)`,
      );
    } else if (flags & F_FORMAT_X15) {
      add(
        'ID_FORMAT',
        'error',
        '15位身份证号码没有校验码，不能以X结尾',
        'a 15-digit ID number has no check character and cannot end in X',
      );
    } else {
      add(
        'ID_FORMAT',
        'error',
        '证件号码含有非法字符：18位号码应为17位数字加数字或X校验码，15位号码应全为数字（外国人旧版为3位字母加12位数字）',
        'ID number contains invalid characters: 17 digits and a digit or X for 18 characters; 15 digits (or 3 letters and 12 digits for an old foreigner ID) for 15',
      );
    }
    return out;
  }
  const code6 = String(region).padStart(6, '0');
  if (flags & F_PROVINCE) {
    const prefix = code6.slice(0, 2);
    if (kind === K_FOREIGNER2023) {
      add(
        'ID_REGION',
        'error',
        `前两位${s.slice(0, 2)}不是省级行政区划代码；按以9开头的外国人永久居留身份证读，受理地代码${s.slice(1, 3)}也不是`,
        `the first two digits ${s.slice(0, 2)} are not a province code, nor, reading a foreigner ID starting with 9, is the province of acceptance ${s.slice(1, 3)}`,
      );
    } else if (kind === K_FOREIGNER15) {
      add(
        'ID_REGION',
        'error',
        `外国人永久居留证的受理地代码${s.slice(3, 5)}不是省级行政区划代码`,
        `the province of acceptance ${s.slice(3, 5)} of a foreigner ID is not a province code`,
      );
    } else if (prefix === '71') {
      add(
        'ID_REGION',
        'error',
        '地址码71（台湾省）不用于身份号码；台湾居民居住证使用830000',
        'address code 71 (Taiwan) is not used in ID numbers; Taiwan residents’ permits use 830000',
      );
    } else {
      add(
        'ID_REGION',
        'error',
        `地址码前两位${prefix}不是省级行政区划代码（GB/T 2260）`,
        `the first two digits ${prefix} are not a province code (GB/T 2260)`,
      );
    }
  }
  if (flags & F_PERMIT_REGION) {
    add(
      'ID_REGION',
      'error',
      '港澳台居民居住证的地址码只能是810000、820000或830000',
      'residence permits of Hong Kong, Macao and Taiwan residents use exactly 810000, 820000 or 830000',
    );
  }
  if (flags & F_REGION_UNKNOWN_15) {
    add(
      'ID_REGION',
      'error',
      `15位号码的地址码${code6}不在GB/T 2260历史代码表中；15位号码没有校验码，地址码必须可查`,
      `address code ${code6} of a 15-digit number is not in the GB/T 2260 timeline; with no check digit, the code must be a known one`,
    );
  }
  if (flags & F_DATE_INVALID) {
    add(
      'ID_BIRTHDATE',
      'error',
      '出生日期码不是真实的日期',
      'the birth date part is not a real calendar date',
    );
  }
  if (flags & F_DATE_FUTURE) {
    add('ID_BIRTHDATE', 'error', '出生日期晚于今天', 'the birth date is in the future');
  }
  if (flags & F_DATE_TOO_OLD) {
    add(
      'ID_BIRTHDATE',
      'error',
      `出生年份早于${MIN_BIRTH_YEAR}年`,
      `the birth year is before ${MIN_BIRTH_YEAR}`,
    );
  }
  if (flags & F_CHECKSUM) {
    add(
      'ID_CHECKSUM',
      'error',
      '校验码错误（GB 11643-1999，ISO 7064 MOD 11-2）',
      'wrong check character (GB 11643-1999, ISO 7064 MOD 11-2)',
    );
  }
  if (flags & F_COUNTY_UNKNOWN) {
    add(
      'ID_REGION',
      'warning',
      `地址码${code6}不在GB/T 2260历史代码表中（省份有效），请核实`,
      `address code ${code6} is not in the GB/T 2260 timeline (the province is valid); please verify`,
    );
  }
  if (flags & F_REPORTED_MISSING) {
    add(
      'ID_REGION',
      'warning',
      `地址码${code6}不在任何公布的代码表中，但已见于签发的证件，请核实`,
      `address code ${code6} is missing from every published list but reported on issued cards; please verify`,
    );
  }
  if (flags & F_COUNTY_ABOLISHED) {
    const last = regionLastYear(region);
    add(
      'ID_REGION',
      'warning',
      `地址码${code6}已于${last}年后停用，早于出生年份；仍见于已签发的证件，请核实`,
      `address code ${code6} went out of use after ${last}, before the birth year; still found on issued cards, please verify`,
    );
  }
  return out;
}

/**
 * Parses and validates an identity document number.
 *
 * Accepts full-width characters (NFKC), spaces, hyphens and a lower-case x. Recognises, by
 * shape: 18 characters starting 1-6 (resident ID), 81/82/83 (residence permit), 9 (foreigner
 * ID, 2023); 15 digits (legacy resident ID, century 19); 3 letters and 12 digits (old foreigner
 * ID). An unknown county under a valid province is a warning (`ID_REGION`), since abolished
 * and unlisted codes remain on valid cards; an unknown province is an error.
 *
 * Never throws on bad data: problems are findings, carrying only the masked number.
 * @throws TypeError when given a JavaScript number: numbers lose digits; IDs are strings.
 * @throws RangeError when `opts.today` is not a real date.
 */
export function parseIdNumber(input: string, opts?: IdOptions): IdParseResult {
  if (typeof input !== 'string') {
    refuseNumber(input);
    return {
      ok: false,
      kind: 'unknown',
      findings: [makeFinding('ID_FORMAT', 'error', '证件号码不是文本', 'ID number is not a string')],
    };
  }
  const today = resolveToday(opts?.today);
  let s = input;
  let flags = assess(s, today);
  if (flags & F_FORMAT) {
    const folded = foldIdText(input);
    if (folded !== input) {
      s = folded;
      flags = assess(s, today);
    }
  }
  const kind = lastKind;
  const region = lastRegion;
  const birth = lastBirth;
  const birthReal = lastBirthReal;
  const findings = flags === 0 ? [] : reasonsFor(flags, s, kind, region);
  const result: IdParseResult = { ok: (flags & ERRORS) === 0, kind: KIND_NAMES[kind]!, findings };
  if (flags & F_FORMAT) return result;

  result.normalized = kind === K_RESIDENT15 ? upgrade15(s) : s;
  if (birthReal) result.birthDate = formatYmd(birth);
  const birthYear = birthReal ? (birth / 10000) | 0 : undefined;
  if (kind !== K_FOREIGNER15) {
    const genderDigit = s.charCodeAt(kind === K_RESIDENT15 ? 14 : 16) - 48;
    result.gender = genderDigit % 2 === 1 ? 'M' : 'F';
  }
  if (kind === K_FOREIGNER2023) {
    result.regionCode = `${s.slice(1, 3)}0000`;
    result.nationality = s.slice(3, 6);
  } else if (kind === K_FOREIGNER15) {
    result.regionCode = `${s.slice(3, 5)}0000`;
    result.nationality = s.slice(0, 3);
  } else {
    result.regionCode = s.slice(0, 6);
  }
  const name = regionName(Number(result.regionCode), birthYear);
  if (name !== undefined) result.regionName = name;
  result.ok = hasNoError(findings);
  return result;
}
