/**
 * Fast reading of log timestamps (formats.md: ISO 8601 with offset). The common shape
 * `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM|±HHMM]` is read by hand (Date.parse is the single largest
 * cost of a naive reader at ten million lines); anything else goes through Date.parse, and a
 * timestamp without a zone is refused: read in the machine's zone it would shift every judgement
 * of working hours.
 */
const HAS_ZONE = /\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function d2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  if (a < 0 || a > 9 || b < 0 || b > 9) return Number.NaN;
  return a * 10 + b;
}

/**
 * The common shape read in place from `s[base, base + len)`: epoch milliseconds, NaN for a day
 * that does not exist, undefined when it is not the common shape.
 */
function commonShape(s: string, base: number, len: number): number | undefined {
  if (
    len >= 20 &&
    s.charCodeAt(base + 4) === 45 &&
    s.charCodeAt(base + 7) === 45 &&
    s.charCodeAt(base + 13) === 58
  ) {
    const sep = s.charCodeAt(base + 10);
    if ((sep === 84 || sep === 32) && s.charCodeAt(base + 16) === 58) {
      const year = d2(s, base) * 100 + d2(s, base + 2);
      const month = d2(s, base + 5);
      const day = d2(s, base + 8);
      const hour = d2(s, base + 11);
      const minute = d2(s, base + 14);
      const second = d2(s, base + 17);
      let i = 19;
      let ms = 0;
      if (s.charCodeAt(base + i) === 46) {
        i++;
        let scale = 100;
        while (i < len) {
          const c = s.charCodeAt(base + i) - 48;
          if (c < 0 || c > 9) break;
          ms += c * scale;
          scale /= 10;
          i++;
        }
        ms = Math.floor(ms);
      }
      let offsetMin = Number.NaN;
      const z = i < len ? s.charCodeAt(base + i) : Number.NaN;
      if ((z === 90 || z === 122) && i === len - 1) offsetMin = 0;
      else if (z === 43 || z === 45) {
        const oh = i + 3 <= len ? d2(s, base + i + 1) : Number.NaN;
        let om = 0;
        if (i + 3 === len) om = 0;
        else if (s.charCodeAt(base + i + 3) === 58 && i + 6 === len) om = d2(s, base + i + 4);
        else if (i + 5 === len) om = d2(s, base + i + 3);
        else om = Number.NaN;
        offsetMin = (z === 45 ? -1 : 1) * (oh * 60 + om);
      }
      if (
        month >= 1 &&
        month <= 12 &&
        day >= 1 &&
        day <= 31 &&
        hour <= 23 &&
        minute <= 59 &&
        second <= 60 &&
        !Number.isNaN(offsetMin)
      ) {
        // Date.UTC rolls 31 February over to March: a day that does not exist is refused.
        if (day > 28 && day > daysInMonth(year, month)) return Number.NaN;
        return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMin * 60_000;
      }
    }
  }
  return undefined;
}

/** Epoch milliseconds of an ISO 8601 timestamp with a zone; NaN when it is not one. */
export function parseTimestamp(s: string): number {
  const common = commonShape(s, 0, s.length);
  if (common !== undefined) return common;
  const trimmed = s.trim();
  if (!HAS_ZONE.test(trimmed)) return Number.NaN;
  return Date.parse(trimmed);
}

/** `s[from, to)` read in place when it has the common shape (what `parseTimestamp` would return); NaN otherwise. */
export function parseTimestampIn(s: string, from: number, to: number): number {
  return commonShape(s, from, to - from) ?? Number.NaN;
}

const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
/** Asia/Shanghai has been a fixed UTC+8 since 1992 (see core's shanghai-time). */
export const SHANGHAI_OFFSET_MS = 8 * HOUR_MS;

/** Day number (days since 1970-01-01) of an instant in Asia/Shanghai. */
export function shanghaiDayNumber(ms: number): number {
  return Math.floor((ms + SHANGHAI_OFFSET_MS) / DAY_MS);
}

/** Minute of the day (0-1439) of an instant in Asia/Shanghai. */
export function shanghaiMinuteOfDay(ms: number): number {
  const local = ms + SHANGHAI_OFFSET_MS;
  return Math.floor((local - Math.floor(local / DAY_MS) * DAY_MS) / 60_000);
}

const dayStrings = new Map<number, string>();

/** `YYYY-MM-DD` of a day number. */
export function dayString(dayNumber: number): string {
  let s = dayStrings.get(dayNumber);
  if (s === undefined) {
    s = new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
    dayStrings.set(dayNumber, s);
  }
  return s;
}

/** Day number of a `YYYY-MM-DD` string (NaN when malformed). */
export function dayNumberOf(date: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return Number.NaN;
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

/** An instant as ISO 8601 in Asia/Shanghai (`2026-11-20T09:15:02.000+08:00`), the form evidence shows. */
export function shanghaiIso(ms: number): string {
  return `${new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 23)}+08:00`;
}
