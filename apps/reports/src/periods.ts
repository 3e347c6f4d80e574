import { CustodianError, echoValue } from '@custodian/core';

/**
 * Report periods: a working day (`2026-11-21`), an ISO 8601 week (`2026-W47`, Monday to Sunday),
 * a month (`2026-11`) or a quarter (`2026-Q4`). Dates are calendar dates in Asia/Shanghai, the
 * zone of the business systems and of the deadlines (002 §3.13); bounds are inclusive.
 */
export type PeriodKind = 'day' | 'week' | 'month' | 'quarter';

export interface Period {
  kind: PeriodKind;
  /** The period as written on the command line and in file names: `2026-11-21`, `2026-W47`, `2026-11`, `2026-Q4`. */
  key: string;
  /** First day, `YYYY-MM-DD`. */
  from: string;
  /** Last day, `YYYY-MM-DD` (inclusive). */
  to: string;
}

const DAY_MS = 86_400_000;

function toDays(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS;
}

function fromDays(days: number): string {
  return new Date(days * DAY_MS).toISOString().slice(0, 10);
}

/** `date` plus `n` calendar days. */
export function addDays(date: string, n: number): string {
  return fromDays(toDays(date) + n);
}

function isRealDate(date: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(date) && fromDays(toDays(date)) === date;
}

/** ISO weekday, Monday 1 … Sunday 7. */
function isoWeekday(date: string): number {
  const d = new Date(toDays(date) * DAY_MS).getUTCDay();
  return d === 0 ? 7 : d;
}

/** Monday of ISO week 1 of `year`: the week holding 4 January. */
function isoWeekOneMonday(year: number): string {
  const jan4 = `${String(year).padStart(4, '0')}-01-04`;
  return addDays(jan4, 1 - isoWeekday(jan4));
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function monthPeriod(year: number, month: number): Period {
  const from = `${year}-${pad2(month)}-01`;
  const next = month === 12 ? `${year + 1}-01-01` : `${year}-${pad2(month + 1)}-01`;
  return { kind: 'month', key: `${year}-${pad2(month)}`, from, to: addDays(next, -1) };
}

function quarterPeriod(year: number, quarter: number): Period {
  const first = monthPeriod(year, quarter * 3 - 2);
  const last = monthPeriod(year, quarter * 3);
  return { kind: 'quarter', key: `${year}-Q${quarter}`, from: first.from, to: last.to };
}

function weekPeriod(year: number, week: number): Period {
  const from = addDays(isoWeekOneMonday(year), (week - 1) * 7);
  return { kind: 'week', key: `${year}-W${pad2(week)}`, from, to: addDays(from, 6) };
}

function badPeriod(spec: string): CustodianError {
  return new CustodianError(
    'USAGE',
    `${echoValue(spec)} is not a period: expected 2026-11-21 (day), 2026-W47 (ISO week), 2026-11 (month) or 2026-Q4 (quarter)`,
  );
}

/** Parses a period; throws CustodianError `USAGE` for anything else (a bad date, week 54, Q5). */
export function parsePeriod(spec: string): Period {
  const s = spec.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (m) {
    if (!isRealDate(s)) throw badPeriod(spec);
    return { kind: 'day', key: s, from: s, to: s };
  }
  m = /^(\d{4})-W(\d{1,2})$/i.exec(s);
  if (m) {
    const year = Number(m[1]);
    const week = Number(m[2]);
    if (week < 1 || week > isoWeeksInYear(year)) throw badPeriod(spec);
    return weekPeriod(year, week);
  }
  m = /^(\d{4})-(\d{2})$/.exec(s);
  if (m) {
    const month = Number(m[2]);
    if (month < 1 || month > 12) throw badPeriod(spec);
    return monthPeriod(Number(m[1]), month);
  }
  m = /^(\d{4})-Q([1-4])$/i.exec(s);
  if (m) return quarterPeriod(Number(m[1]), Number(m[2]));
  throw badPeriod(spec);
}

/** 52 or 53: a year has 53 ISO weeks when 28 December falls in week 53. */
export function isoWeeksInYear(year: number): number {
  const monday = isoWeekOneMonday(year);
  const nextMonday = isoWeekOneMonday(year + 1);
  return (toDays(nextMonday) - toDays(monday)) / 7;
}

/** The period of `kind` holding `date`. */
export function periodContaining(kind: PeriodKind, date: string): Period {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  switch (kind) {
    case 'day':
      return { kind, key: date, from: date, to: date };
    case 'month':
      return monthPeriod(year, month);
    case 'quarter':
      return quarterPeriod(year, Math.ceil(month / 3));
    case 'week': {
      // The ISO year of a date is the year of its week's Thursday.
      const thursday = addDays(date, 4 - isoWeekday(date));
      const isoYear = Number(thursday.slice(0, 4));
      const week = Math.floor((toDays(thursday) - toDays(isoWeekOneMonday(isoYear))) / 7) + 1;
      return weekPeriod(isoYear, week);
    }
  }
}

/** The period just before `p`, of the same kind. */
export function previousPeriod(p: Period): Period {
  return periodContaining(p.kind, addDays(p.from, -1));
}

/** `p` and the `n - 1` periods before it, oldest first (for trends). */
export function periodSeries(p: Period, n: number): Period[] {
  const out = [p];
  while (out.length < n) out.unshift(previousPeriod(out[0]!));
  return out;
}

/** Number of calendar days of a period. */
export function periodDays(p: Period): number {
  return toDays(p.to) - toDays(p.from) + 1;
}

/**
 * The instant a Shanghai calendar day starts, as an ISO timestamp with offset. China has kept
 * UTC+8 without daylight saving since 1991, so a fixed offset is exact for the archive's dates.
 */
export function shanghaiDayStart(date: string): string {
  return `${date}T00:00:00+08:00`;
}

/** Half-open instant bounds `[start, end)` of a period, for comparing timestamps in SQL. */
export function periodInstants(p: Period): { start: string; end: string } {
  return { start: shanghaiDayStart(p.from), end: shanghaiDayStart(addDays(p.to, 1)) };
}
