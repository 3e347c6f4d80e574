// Calendar arithmetic on day numbers (days since 1970-01-01, UTC), without Date objects in the hot
// path. Algorithms from Howard Hinnant's "chrono-compatible low-level date algorithms".

/** Day number of a proleptic Gregorian date. */
export function dayFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** [year, month, day] of a day number. */
export function civilFromDay(dayNumber: number): [number, number, number] {
  civilInto(dayNumber);
  return [scratch[0]!, scratch[1]!, scratch[2]!];
}

/** Year, month, day of the last civilInto call: no allocation in the formatters below. */
const scratch = [0, 0, 0];

function civilInto(dayNumber: number): void {
  const z = dayNumber + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  scratch[0] = yoe + era * 400 + (month <= 2 ? 1 : 0);
  scratch[1] = month;
  scratch[2] = day;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/**
 * Formatted dates of 1940-01-01 .. 2039-12-31, built on first use (about 36,500 of each form):
 * every birth and sign date the generator writes falls in this range, and a lookup is several
 * times cheaper than formatting.
 */
const TABLE_FROM = dayFromCivil(1940, 1, 1);
const TABLE_TO = dayFromCivil(2039, 12, 31);
let compactTable: string[] | undefined;
let isoTable: string[] | undefined;

function buildTables(): void {
  compactTable = [];
  isoTable = [];
  for (let n = TABLE_FROM; n <= TABLE_TO; n++) {
    civilInto(n);
    const m = pad2(scratch[1]!);
    const d = pad2(scratch[2]!);
    compactTable.push(`${scratch[0]}${m}${d}`);
    isoTable.push(`${scratch[0]}-${m}-${d}`);
  }
}

/** YYYYMMDD, as printed in ID numbers. */
export function compactDate(dayNumber: number): string {
  if (dayNumber >= TABLE_FROM && dayNumber <= TABLE_TO) {
    if (compactTable === undefined) buildTables();
    return compactTable![dayNumber - TABLE_FROM]!;
  }
  civilInto(dayNumber);
  return `${scratch[0]}${pad2(scratch[1]!)}${pad2(scratch[2]!)}`;
}

/** YYYY-MM-DD. */
export function isoDate(dayNumber: number): string {
  if (dayNumber >= TABLE_FROM && dayNumber <= TABLE_TO) {
    if (isoTable === undefined) buildTables();
    return isoTable![dayNumber - TABLE_FROM]!;
  }
  civilInto(dayNumber);
  return `${scratch[0]}-${pad2(scratch[1]!)}-${pad2(scratch[2]!)}`;
}

/** Parses YYYY-MM-DD strictly; throws RangeError on anything else (options are a programming contract). */
export function parseIsoDate(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) throw new RangeError(`not a YYYY-MM-DD date: ${text}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const n = dayFromCivil(y, mo, d);
  const back = civilFromDay(n);
  if (back[0] !== y || back[1] !== mo || back[2] !== d) throw new RangeError(`no such date: ${text}`);
  return n;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** The day a person born on `birthDay` turns `years` old (29 February birthdays turn on 1 March). */
export function anniversary(birthDay: number, years: number): number {
  const [y, m, d] = civilFromDay(birthDay);
  if (m === 2 && d === 29 && !isLeapYear(y + years)) return dayFromCivil(y + years, 3, 1);
  return dayFromCivil(y + years, m, d);
}
