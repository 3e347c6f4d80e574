import { CustodianError } from '../errors.js';
import { dayNumberOf, formatDayNumber, weekdayOf } from './dates.js';

/**
 * Wall-clock reading of an instant in Asia/Shanghai, the zone in which working hours and holidays
 * are judged (an access at 23:30 UTC on a Sunday is a Monday 07:30 access in Shanghai).
 */
export interface ShanghaiTimeOfDay {
  /** `YYYY-MM-DD` in Asia/Shanghai. */
  date: string;
  hour: number;
  minute: number;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const SHANGHAI_OFFSET_MS = 8 * HOUR_MS;
/**
 * China last observed daylight saving time in 1991 (until 1991-09-15); from 1992 on Asia/Shanghai
 * is a fixed UTC+8, computed here by arithmetic. Earlier instants go through the tz database.
 */
const FIXED_OFFSET_SINCE_MS = Date.UTC(1992, 0, 1);
/** A timestamp string must say which instant it is: a time of day followed by `Z` or a UTC offset. */
const HAS_ZONE = /\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$/;

let tzFormatter: Intl.DateTimeFormat | undefined;

function epochMs(ts: Date | string): number {
  let ms = Number.NaN;
  if (ts instanceof Date) ms = ts.getTime();
  else if (typeof ts === 'string' && HAS_ZONE.test(ts.trim())) ms = Date.parse(ts.trim());
  if (Number.isNaN(ms)) {
    throw new CustodianError(
      'CALENDAR_BAD_TIMESTAMP',
      `not an instant: ${JSON.stringify(String(ts))} (expected a valid Date or an ISO 8601 timestamp ending in Z or a UTC offset)`,
      { timestamp: String(ts) },
    );
  }
  return ms;
}

function viaTzDatabase(ms: number): ShanghaiTimeOfDay {
  tzFormatter ??= new Intl.DateTimeFormat('en-US', {
    timeZone: 'Asia/Shanghai',
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  });
  const parts: Record<string, number> = {};
  for (const part of tzFormatter.formatToParts(ms)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const day = dayNumberOf(parts['year']!, parts['month']!, parts['day']!);
  return {
    date: formatDayNumber(day),
    hour: parts['hour']!,
    minute: parts['minute']!,
    weekday: weekdayOf(day),
  };
}

/**
 * Date, hour, minute and weekday of an instant in Asia/Shanghai. A string must be an ISO 8601
 * timestamp with `Z` or an offset: a zone-less string would be read in the machine's own zone, so
 * it throws `CustodianError` `CALENDAR_BAD_TIMESTAMP`, as does an invalid Date.
 */
export function shanghaiTimeOfDay(ts: Date | string): ShanghaiTimeOfDay {
  const ms = epochMs(ts);
  if (ms < FIXED_OFFSET_SINCE_MS) return viaTzDatabase(ms);
  const local = ms + SHANGHAI_OFFSET_MS;
  const day = Math.floor(local / DAY_MS);
  const msOfDay = local - day * DAY_MS;
  return {
    date: formatDayNumber(day),
    hour: Math.floor(msOfDay / HOUR_MS),
    minute: Math.floor((msOfDay % HOUR_MS) / 60_000),
    weekday: weekdayOf(day),
  };
}

/** Calendar date (`YYYY-MM-DD`) of an instant in Asia/Shanghai; same input rules as `shanghaiTimeOfDay`. */
export function shanghaiDate(ts: Date | string): string {
  return shanghaiTimeOfDay(ts).date;
}
