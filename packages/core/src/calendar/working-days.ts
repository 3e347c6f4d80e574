import { CustodianError } from '../errors.js';
import { type CalendarData, loadCalendarOverride, validateCalendarData } from './calendar-data.js';
import { countWeekdays, dayNumberOf, formatDayNumber, isWeekend, parseDayNumber, yearOf } from './dates.js';
import { BUNDLED_CALENDAR, BUNDLED_HOLIDAY_NAMES } from './holiday-data.js';

/**
 * Working days of mainland China: Monday to Friday, except statutory holidays, plus the weekend
 * days declared working days (调休). All dates are `YYYY-MM-DD` calendar dates; a bad date string
 * is a bug of the caller and throws `CustodianError` `CALENDAR_BAD_DATE`.
 *
 * A year without holiday data ("uncovered") is judged by weekends only, and the calendar reports
 * it once per year through `onUncoveredYear`.
 */
export interface WorkingCalendar {
  isWorkingDay(date: string): boolean;
  /**
   * The n-th working day strictly after `date` (n >= 1); for n = 0, `date` itself if it is a
   * working day, else the next one. Throws `CALENDAR_BAD_ARGUMENT` for a negative or fractional n.
   */
  addWorkingDays(date: string, n: number): string;
  /** The first working day strictly after `date`. */
  nextWorkingDay(date: string): string;
  firstWorkingDayOnOrAfter(date: string): string;
  /**
   * Working days in `(from, to]`: how many working days have passed from `from` to `to`, so that
   * `workingDaysBetween(d, addWorkingDays(d, n)) === n` for n >= 1. Negative when `to < from`.
   */
  workingDaysBetween(from: string, to: string): number;
  /** Whether the holiday arrangement of `year` is known. */
  isCovered(year: number): boolean;
  /** Name of the holiday `date` belongs to (e.g. `春节`), when known; undefined on other days. */
  holidayName?(date: string): string | undefined;
}

export interface CreateCalendarOptions {
  /** JSON file adding or replacing years, see `loadCalendarOverride`; applied over the bundled data. */
  overrideFile?: string;
  /** Data applied last, over the bundled data and the override file. */
  overrides?: Partial<CalendarData>;
  /**
   * Told once per uncovered year, the first time a date of that year is judged. Defaults to
   * `process.emitWarning` with code `CUSTODIAN_CALENDAR_UNCOVERED_YEAR`.
   */
  onUncoveredYear?: (year: number, message: string) => void;
}

interface MergedData {
  holidays: Set<number>;
  workdays: Set<number>;
  years: Set<number>;
  names: Map<number, string>;
}

function toDayNumbers(dates: readonly string[]): number[] {
  return dates.map((date) => {
    const day = parseDayNumber(date);
    if (day === undefined)
      throw new CustodianError('CALENDAR_BAD_DATE', `not a YYYY-MM-DD date: ${date}`, { date });
    return day;
  });
}

function bundledData(): MergedData {
  const names = new Map<number, string>();
  for (const [date, name] of BUNDLED_HOLIDAY_NAMES) names.set(parseDayNumber(date)!, name);
  return {
    holidays: new Set(toDayNumbers(BUNDLED_CALENDAR.holidays)),
    workdays: new Set(toDayNumbers(BUNDLED_CALENDAR.workdays)),
    years: new Set(BUNDLED_CALENDAR.years),
    names,
  };
}

/**
 * Applies an override: a year it lists replaces that year's data entirely (a corrected or newly
 * published notice); its dates in other years are patches over the existing data. A date it gives
 * as a holiday stops being a workday and the other way round.
 */
function applyOverride(base: MergedData, override: CalendarData): void {
  const replaced = new Set(override.years);
  for (const set of [base.holidays, base.workdays]) {
    for (const day of set) if (replaced.has(yearOf(day))) set.delete(day);
  }
  for (const day of base.names.keys()) if (replaced.has(yearOf(day))) base.names.delete(day);
  for (const year of override.years) base.years.add(year);
  for (const day of toDayNumbers(override.holidays)) {
    base.holidays.add(day);
    base.workdays.delete(day);
  }
  for (const day of toDayNumbers(override.workdays)) {
    base.workdays.add(day);
    base.holidays.delete(day);
    base.names.delete(day);
  }
}

const JUDGED_CACHE_LIMIT = 100_000;
const WORKING = 1;
const UNCOVERED = 2;

function defaultOnUncoveredYear(_year: number, message: string): void {
  process.emitWarning(message, { code: 'CUSTODIAN_CALENDAR_UNCOVERED_YEAR' });
}

function uncoveredMessage(year: number): string {
  return (
    `working-day calendar: no holiday arrangement is known for ${year}; its dates are judged by weekends ` +
    `only (Monday to Friday working). Add the State Council notice for ${year} with a calendar override file.`
  );
}

/**
 * Builds the calendar: bundled data (see `holiday-data.ts`), then `overrideFile`, then
 * `overrides`. Throws `CustodianError` (`CALENDAR_OVERRIDE_*`) on a bad override.
 *
 * Every day from the first to the last year mentioned in the data is precomputed into a table,
 * with a running count of working days: a day is judged by one array read, `workingDaysBetween`
 * is constant time inside the table, and `isWorkingDay` also remembers its answer per date string
 * (about 40 ns a call once warm, against about 90 ns with parsing).
 */
export function createCalendar(opts: CreateCalendarOptions = {}): WorkingCalendar {
  const data = bundledData();
  if (opts.overrideFile !== undefined) applyOverride(data, loadCalendarOverride(opts.overrideFile));
  if (opts.overrides !== undefined) {
    applyOverride(data, validateCalendarData(opts.overrides, 'given in createCalendar options'));
  }
  const onUncoveredYear = opts.onUncoveredYear ?? defaultOnUncoveredYear;

  const mentionedYears = [...data.years, ...[...data.holidays, ...data.workdays].map(yearOf)];
  const firstYear = Math.min(...mentionedYears);
  const lastYear = Math.max(...mentionedYears);
  const tableStart = dayNumberOf(firstYear, 1, 1);
  const tableEnd = dayNumberOf(lastYear, 12, 31);
  const status = new Uint8Array(tableEnd - tableStart + 1);
  for (let year = firstYear; year <= lastYear; year++) {
    const uncovered = data.years.has(year) ? 0 : UNCOVERED;
    const last = dayNumberOf(year, 12, 31);
    for (let day = dayNumberOf(year, 1, 1); day <= last; day++) {
      status[day - tableStart] = uncovered | (isWeekend(day) ? 0 : WORKING);
    }
  }
  for (const day of data.holidays) status[day - tableStart]! &= ~WORKING;
  for (const day of data.workdays) status[day - tableStart]! |= WORKING;
  /** workingBefore[i]: working days among the first i days of the table. */
  const workingBefore = new Int32Array(status.length + 1);
  for (let i = 0; i < status.length; i++) workingBefore[i + 1] = workingBefore[i]! + (status[i]! & WORKING);

  const warnedYears = new Set<number>();
  const warnUncovered = (year: number): void => {
    if (data.years.has(year) || warnedYears.has(year)) return;
    warnedYears.add(year);
    onUncoveredYear(year, uncoveredMessage(year));
  };

  const isWorkingDayNumber = (day: number): boolean => {
    const index = day - tableStart;
    if (index >= 0 && index < status.length) {
      const s = status[index]!;
      if (s & UNCOVERED) warnUncovered(yearOf(day));
      return (s & WORKING) !== 0;
    }
    warnUncovered(yearOf(day));
    return !isWeekend(day);
  };

  /** Working days in the inclusive range [from, to], from <= to. */
  const countWorking = (from: number, to: number): number => {
    for (let year = yearOf(from), last = yearOf(to); year <= last; year++) warnUncovered(year);
    let count =
      countWeekdays(from, Math.min(to, tableStart - 1)) + countWeekdays(Math.max(from, tableEnd + 1), to);
    const inFrom = Math.max(from, tableStart);
    const inTo = Math.min(to, tableEnd);
    if (inFrom <= inTo) count += workingBefore[inTo - tableStart + 1]! - workingBefore[inFrom - tableStart]!;
    return count;
  };

  /** isWorkingDay answers by date string: log audits ask about the same few hundred dates millions of times. */
  const judged = new Map<string, boolean>();

  const firstWorkingOnOrAfter = (day: number): number => {
    let d = day;
    while (!isWorkingDayNumber(d)) d++;
    return d;
  };

  return {
    isWorkingDay(date) {
      let working = judged.get(date);
      if (working === undefined) {
        working = isWorkingDayNumber(dayNumber(date));
        if (judged.size >= JUDGED_CACHE_LIMIT) judged.clear();
        judged.set(date, working);
      }
      return working;
    },

    addWorkingDays(date, n) {
      if (!Number.isInteger(n) || n < 0) {
        throw new CustodianError('CALENDAR_BAD_ARGUMENT', `addWorkingDays needs a whole n >= 0, got ${n}`, {
          n,
        });
      }
      let day = dayNumber(date);
      if (n === 0) return formatDayNumber(firstWorkingOnOrAfter(day));
      for (let left = n; left > 0; ) {
        day++;
        if (isWorkingDayNumber(day)) left--;
      }
      return formatDayNumber(day);
    },

    nextWorkingDay: (date) => formatDayNumber(firstWorkingOnOrAfter(dayNumber(date) + 1)),

    firstWorkingDayOnOrAfter: (date) => formatDayNumber(firstWorkingOnOrAfter(dayNumber(date))),

    workingDaysBetween(from, to) {
      const a = dayNumber(from);
      const b = dayNumber(to);
      if (a === b) return 0;
      return a < b ? countWorking(a + 1, b) : -countWorking(b + 1, a);
    },

    isCovered: (year) => data.years.has(year),

    holidayName(date) {
      const day = dayNumber(date);
      return data.holidays.has(day) ? data.names.get(day) : undefined;
    },
  };
}

function dayNumber(date: string): number {
  const day = typeof date === 'string' ? parseDayNumber(date) : undefined;
  if (day === undefined) {
    throw new CustodianError(
      'CALENDAR_BAD_DATE',
      `not a calendar date in YYYY-MM-DD form: ${JSON.stringify(date)}`,
      {
        date,
      },
    );
  }
  return day;
}
