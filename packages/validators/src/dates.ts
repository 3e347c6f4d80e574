// Calendar arithmetic without Date objects (proleptic Gregorian, integer YYYYMMDD), the clock of
// Asia/Shanghai, and the date formats accepted in customer files (formats.md: YYYY-MM-DD,
// YYYY/MM/DD, YYYYMMDD, or an Excel date).

import { nfkc } from './text.js';

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** True when year-month-day is a day of the Gregorian calendar (1900-02-29 is not, 2000-02-29 is). */
export function isRealDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  if (month === 2 && day === 29) return isLeapYear(year);
  return day <= DAYS_IN_MONTH[month]!;
}

/** `YYYYMMDD` integer to `YYYY-MM-DD`. */
export function formatYmd(ymd: number): string {
  const y = Math.floor(ymd / 10000);
  const m = Math.floor(ymd / 100) % 100;
  const d = ymd % 100;
  return `${String(y).padStart(4, '0')}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

/** Days since 1970-01-01 of a civil date (H. Hinnant's `days_from_civil`). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** `YYYYMMDD` integer of the civil date `days` after 1970-01-01 (H. Hinnant's `civil_from_days`). */
export function civilFromDays(days: number): number {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return y * 10000 + m * 100 + d;
}

const MS_PER_DAY = 86_400_000;
/** China has kept UTC+8 without daylight saving since 1991; the offset is fixed. */
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
let cachedToday = 0;
let cachedUntil = 0;

/**
 * Today's date in Asia/Shanghai as a `YYYYMMDD` integer. Cached until the next Shanghai
 * midnight, so that a batch pays one clock read per call and no Date object.
 */
export function todayInShanghai(): number {
  const now = Date.now();
  if (now < cachedUntil) return cachedToday;
  const days = Math.floor((now + SHANGHAI_OFFSET_MS) / MS_PER_DAY);
  cachedToday = civilFromDays(days);
  cachedUntil = (days + 1) * MS_PER_DAY - SHANGHAI_OFFSET_MS;
  return cachedToday;
}

let lastTodayOption = '';
let lastTodayValue = 0;

/**
 * Resolves a `today` option (`YYYY-MM-DD`, injected by tests and by batch re-runs) to a
 * `YYYYMMDD` integer; Shanghai's today when absent.
 * @throws RangeError when the option is not a real date: that is a caller's bug, not bad data.
 */
export function resolveToday(today: string | undefined): number {
  if (today === undefined) return todayInShanghai();
  if (today === lastTodayOption) return lastTodayValue;
  const iso = parseDate(today);
  if (iso === undefined)
    throw new RangeError(`today must be a real date YYYY-MM-DD, got ${JSON.stringify(today)}`);
  lastTodayOption = today;
  lastTodayValue = Number(iso.slice(0, 4)) * 10000 + Number(iso.slice(5, 7)) * 100 + Number(iso.slice(8, 10));
  return lastTodayValue;
}

/** `YYYY-MM-DD` to a `YYYYMMDD` integer; the input must come from `parseDate` or `formatYmd`. */
export function ymdOf(iso: string): number {
  return Number(iso.slice(0, 4)) * 10000 + Number(iso.slice(5, 7)) * 100 + Number(iso.slice(8, 10));
}

/**
 * Excel's 1900 date system: serial 1 is 1900-01-01 and serial 60 is the fictitious 1900-02-29
 * that Excel kept for Lotus 1-2-3 compatibility, so serials above 60 count from 1899-12-30.
 * Returns `undefined` for serial 60 and outside 1..2958465 (9999-12-31). A time fraction is dropped.
 */
export function excelSerialToDate(serial: number): string | undefined {
  if (!Number.isFinite(serial)) return undefined;
  const whole = Math.floor(serial);
  if (whole < 1 || whole > 2_958_465 || whole === 60) return undefined;
  const epoch = whole < 60 ? daysFromCivil(1899, 12, 31) : daysFromCivil(1899, 12, 30);
  return formatYmd(civilFromDays(epoch + whole));
}

const SEPARATED_DATE =
  /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:(?:T|\s+)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/;
/** Excel serials up to 99999 (year 2173); longer digit strings are YYYYMMDD or garbage. */
const EXCEL_SERIAL = /^\d{1,5}(?:\.\d+)?$/;

/** `YYYYMMDD` of a string of the form `DDDD-DD-DD` (ASCII digits), else -1. */
function isoDigits(s: string): number {
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return -1;
  let n = 0;
  for (let i = 0; i < 10; i++) {
    if (i === 4 || i === 7) continue;
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * Parses a date as found in customer files: `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY.MM.DD`,
 * `YYYY年M月D日`, `YYYYMMDD`, an ISO date-time (its date part), or an Excel serial number (as a
 * number or a string of at most five digits). Full-width digits are folded.
 * @returns `YYYY-MM-DD`, or `undefined` when the value is not a real calendar date. Never throws.
 */
export function parseDate(value: string | number | undefined | null): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return excelSerialToDate(value);
  if (typeof value !== 'string') return undefined;
  if (value.length === 10) {
    // Fast path: already `YYYY-MM-DD`, which is then its own answer.
    const ymd = isoDigits(value);
    if (ymd >= 0) {
      const y = (ymd / 10000) | 0;
      return isRealDate(y, ((ymd / 100) | 0) % 100, ymd % 100) ? value : undefined;
    }
  }
  const s = nfkc(value).trim();
  if (s === '') return undefined;
  const m = COMPACT_DATE.exec(s) ?? SEPARATED_DATE.exec(s);
  if (m === null) return EXCEL_SERIAL.test(s) ? excelSerialToDate(Number(s)) : undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  return isRealDate(y, mo, d) ? formatYmd(y * 10000 + mo * 100 + d) : undefined;
}
