/**
 * Calendar-date arithmetic on plain `YYYY-MM-DD` strings through day numbers: whole days since
 * 1970-01-01 in the proleptic Gregorian calendar. No `Date` object and no time zone is involved,
 * so a date can never shift by a day on a machine with another zone.
 *
 * Civil-date conversions follow Howard Hinnant's `days_from_civil` / `civil_from_days`.
 */

const DASH = 45;
const ZERO = 48;

/** Reads `to - from` decimal digits of `s`; -1 if any is not a digit. */
function readDigits(s: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = s.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : MONTH_DAYS[month - 1]!;
}

/** Day number of a civil date; month 1-12, day 1-31, no range check. */
export function dayNumberOf(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

export function civilDateOf(dayNumber: number): CivilDate {
  const z = dayNumber + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/**
 * Day number of a strict `YYYY-MM-DD` string naming a real calendar date (year 0001-9999), or
 * `undefined` for anything else: other shapes, `2025-02-29`, `2025-13-01`, trailing time parts.
 */
export function parseDayNumber(date: string): number | undefined {
  if (date.length !== 10 || date.charCodeAt(4) !== DASH || date.charCodeAt(7) !== DASH) return undefined;
  const year = readDigits(date, 0, 4);
  const month = readDigits(date, 5, 7);
  const day = readDigits(date, 8, 10);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return dayNumberOf(year, month, day);
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * Formatted dates of day numbers 0 (1970-01-01) to `FORMAT_CACHE_SIZE - 1` (2099-12-31), filled on
 * demand: an access-log audit formats the same few hundred days millions of times.
 */
const FORMAT_CACHE_SIZE = 47_482;
const formatCache: (string | undefined)[] = new Array<string | undefined>(FORMAT_CACHE_SIZE).fill(undefined);

/** `YYYY-MM-DD` of a day number (years 1-9999). */
export function formatDayNumber(dayNumber: number): string {
  const inCache = dayNumber >= 0 && dayNumber < FORMAT_CACHE_SIZE;
  const cached = inCache ? formatCache[dayNumber] : undefined;
  if (cached !== undefined) return cached;
  const { year, month, day } = civilDateOf(dayNumber);
  const formatted = `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
  if (inCache) formatCache[dayNumber] = formatted;
  return formatted;
}

/** 0 = Sunday … 6 = Saturday. Day 0 (1970-01-01) was a Thursday. */
export function weekdayOf(dayNumber: number): number {
  return (((dayNumber + 4) % 7) + 7) % 7;
}

export function isWeekend(dayNumber: number): boolean {
  const weekday = weekdayOf(dayNumber);
  return weekday === 0 || weekday === 6;
}

export function yearOf(dayNumber: number): number {
  return civilDateOf(dayNumber).year;
}

/** Monday-to-Friday days in the inclusive range `[from, to]`; 0 when `to < from`. */
export function countWeekdays(from: number, to: number): number {
  if (to < from) return 0;
  const fullWeeks = Math.floor((to - from + 1) / 7);
  let count = fullWeeks * 5;
  for (let day = from + fullWeeks * 7; day <= to; day++) if (!isWeekend(day)) count++;
  return count;
}
