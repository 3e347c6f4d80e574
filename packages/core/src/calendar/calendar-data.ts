import { readFileSync } from 'node:fs';
import { CustodianError } from '../errors.js';
import { formatDayNumber, isWeekend, parseDayNumber, weekdayOf, yearOf } from './dates.js';

/**
 * Holiday data of a set of years. A year listed in `years` is covered: every day of it is known
 * (a weekday not in `holidays` is a working day, a weekend day not in `workdays` is a day off).
 */
export interface CalendarData {
  /** Days off, `YYYY-MM-DD`, including the weekend days inside a holiday period. */
  holidays: string[];
  /** 调休: weekend days declared working days, `YYYY-MM-DD`. */
  workdays: string[];
  /** Years whose arrangement is fully given. */
  years: number[];
}

/** Keys an override may carry besides the data: free text for the reader, never interpreted. */
const DESCRIPTIVE_KEYS = new Set(['source', 'note', '$comment']);
const DATA_KEYS = new Set(['holidays', 'workdays', 'years']);
const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
/** The People's Republic's calendar of statutory holidays starts in 1949. */
const MIN_YEAR = 1949;
const MAX_YEAR = 9999;

function invalid(source: string, message: string, context: Record<string, unknown>): CustodianError {
  return new CustodianError('CALENDAR_OVERRIDE_INVALID', `calendar override ${source}: ${message}`, {
    source,
    ...context,
  });
}

function readDateList(raw: unknown, key: 'holidays' | 'workdays', source: string): number[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw))
    throw invalid(source, `"${key}" must be an array of "YYYY-MM-DD" strings`, { key });
  return raw.map((entry: unknown, index) => {
    const day = typeof entry === 'string' ? parseDayNumber(entry) : undefined;
    if (day === undefined) {
      throw invalid(
        source,
        `${key}[${index}] ${JSON.stringify(entry)} is not a real calendar date in YYYY-MM-DD form`,
        {
          key,
          index,
          entry,
        },
      );
    }
    return day;
  });
}

function readYears(raw: unknown, source: string): number[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw))
    throw invalid(source, '"years" must be an array of years such as 2027', { key: 'years' });
  return raw.map((entry: unknown, index) => {
    if (typeof entry !== 'number' || !Number.isInteger(entry) || entry < MIN_YEAR || entry > MAX_YEAR) {
      throw invalid(
        source,
        `years[${index}] ${JSON.stringify(entry)} is not a year between ${MIN_YEAR} and ${MAX_YEAR}`,
        {
          key: 'years',
          index,
          entry,
        },
      );
    }
    return entry;
  });
}

/**
 * Checks holiday data given from outside (an override file, or options in code) and returns it
 * normalised: sorted, without duplicates. Throws `CustodianError` `CALENDAR_OVERRIDE_INVALID`
 * naming `source` and the first bad entry when:
 * - it is not an object, has an unknown key, or a list is not an array;
 * - a date is not a real `YYYY-MM-DD` date, or a year not an integer year;
 * - a day is both a holiday and a workday;
 * - a workday is a Monday-Friday (调休 working days are always weekend days, so this is a typo);
 * - a listed year has no holiday at all (every year has at least New Year's Day).
 */
export function validateCalendarData(raw: unknown, source: string): CalendarData {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalid(
      source,
      'expected a JSON object {"holidays": [...], "workdays": [...], "years": [...]}',
      {},
    );
  }
  const record = raw as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!DATA_KEYS.has(key) && !DESCRIPTIVE_KEYS.has(key)) {
      throw invalid(source, `unknown key "${key}" (expected holidays, workdays, years, source, note)`, {
        key,
      });
    }
  }
  const holidays = new Set(readDateList(record['holidays'], 'holidays', source));
  const workdays = new Set(readDateList(record['workdays'], 'workdays', source));
  const years = new Set(readYears(record['years'], source));

  for (const day of workdays) {
    const date = formatDayNumber(day);
    if (holidays.has(day)) {
      throw invalid(source, `${date} is listed both in holidays and in workdays`, { entry: date });
    }
    if (!isWeekend(day)) {
      throw invalid(
        source,
        `workday ${date} is a ${WEEKDAY_NAMES[weekdayOf(day)]}; a 调休 make-up working day is always a Saturday or Sunday`,
        { key: 'workdays', entry: date },
      );
    }
  }
  const holidayYears = new Set([...holidays].map(yearOf));
  for (const year of years) {
    if (!holidayYears.has(year)) {
      throw invalid(
        source,
        `years lists ${year} but no holiday of ${year} is given (every year has New Year's Day)`,
        {
          key: 'years',
          entry: year,
        },
      );
    }
  }
  const sortedDates = (days: Set<number>) => [...days].sort((a, b) => a - b).map(formatDayNumber);
  return {
    holidays: sortedDates(holidays),
    workdays: sortedDates(workdays),
    years: [...years].sort((a, b) => a - b),
  };
}

/**
 * Reads a calendar override file: JSON `{"holidays": [...], "workdays": [...], "years": [...]}`
 * with optional free-text `source` and `note`. Throws `CustodianError`
 * `CALENDAR_OVERRIDE_UNREADABLE` when the file cannot be read or is not JSON, and
 * `CALENDAR_OVERRIDE_INVALID` (see `validateCalendarData`) for bad content; both messages name
 * the file.
 */
export function loadCalendarOverride(path: string): CalendarData {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new CustodianError(
      'CALENDAR_OVERRIDE_UNREADABLE',
      `calendar override ${path}: cannot read the file (${(cause as Error).message})`,
      { source: path },
      { cause },
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new CustodianError(
      'CALENDAR_OVERRIDE_UNREADABLE',
      `calendar override ${path}: not valid JSON (${(cause as Error).message})`,
      { source: path },
      { cause },
    );
  }
  return validateCalendarData(raw, path);
}
