import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CustodianError } from '../errors.js';
import { formatDayNumber, parseDayNumber } from './dates.js';
import { createCalendar, loadCalendarOverride, type WorkingCalendar } from './index.js';

/** A calendar that records uncovered-year warnings instead of printing them. */
function quietCalendar(opts: Parameters<typeof createCalendar>[0] = {}) {
  const warnings: number[] = [];
  const calendar = createCalendar({ ...opts, onUncoveredYear: (year) => warnings.push(year) });
  return { calendar, warnings };
}

const { calendar: cal, warnings: bundledWarnings } = quietCalendar();

function expectWorking(calendar: WorkingCalendar, dates: string[], working: boolean): void {
  for (const date of dates) expect(calendar.isWorkingDay(date), date).toBe(working);
}

function range(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let d = parseDayNumber(from)!; d <= parseDayNumber(to)!; d++) dates.push(formatDayNumber(d));
  return dates;
}

const tmp = mkdtempSync(join(tmpdir(), 'custodian-calendar-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
function writeOverride(name: string, content: unknown): string {
  const path = join(tmp, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function errorOf(fn: () => unknown): CustodianError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CustodianError);
    return err as CustodianError;
  }
  throw new Error('expected an error');
}

describe('isWorkingDay with the bundled data', () => {
  it('2024: Spring Festival, 调休 Sundays and Saturdays, New Year’s Eve working', () => {
    expectWorking(cal, range('2024-02-10', '2024-02-17'), false);
    expectWorking(cal, ['2024-02-04', '2024-02-18', '2024-04-07', '2024-04-28', '2024-05-11'], true);
    expectWorking(cal, ['2024-09-14', '2024-09-29', '2024-10-12'], true);
    // 除夕 2024-02-09 was only "encouraged" off; officially a working Friday.
    expectWorking(cal, ['2024-02-09'], true);
    expectWorking(cal, ['2024-01-01', '2024-06-10', ...range('2024-10-01', '2024-10-07')], false);
  });

  it('2025: the longer Spring Festival and Labour Day of the revised 放假办法', () => {
    expect(cal.isWorkingDay('2025-01-26')).toBe(true); // Sunday
    expectWorking(cal, range('2025-01-28', '2025-02-04'), false);
    expect(cal.isWorkingDay('2025-02-08')).toBe(true); // Saturday
    expect(cal.isWorkingDay('2025-04-27')).toBe(true); // Sunday
    expectWorking(cal, range('2025-05-01', '2025-05-05'), false);
    expectWorking(cal, range('2025-05-31', '2025-06-02'), false);
    expectWorking(cal, range('2025-10-01', '2025-10-08'), false);
    expectWorking(cal, ['2025-09-28', '2025-10-09', '2025-10-11', '2025-12-31'], true);
    expect(cal.isWorkingDay('2025-10-12')).toBe(false); // an ordinary Sunday
  });

  it('2026', () => {
    expectWorking(cal, range('2026-01-01', '2026-01-03'), false);
    expectWorking(
      cal,
      ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'],
      true,
    );
    expectWorking(cal, range('2026-02-15', '2026-02-23'), false);
    expectWorking(cal, [...range('2026-09-25', '2026-09-27'), ...range('2026-10-01', '2026-10-07')], false);
    expect(cal.isWorkingDay('2026-10-08')).toBe(true);
  });

  it('counts the working days of whole years', () => {
    expect(cal.workingDaysBetween('2023-12-31', '2024-12-31')).toBe(251);
    expect(cal.workingDaysBetween('2024-12-31', '2025-12-31')).toBe(248);
    expect(cal.workingDaysBetween('2025-12-31', '2026-12-31')).toBe(248);
  });

  it('names holidays', () => {
    expect(cal.holidayName?.('2025-10-03')).toBe('国庆节、中秋节');
    expect(cal.holidayName?.('2026-02-16')).toBe('春节');
    expect(cal.holidayName?.('2025-01-26')).toBeUndefined();
    expect(cal.holidayName?.('2025-03-03')).toBeUndefined();
  });

  it('reports covered years and never warned about them', () => {
    expect([2023, 2024, 2025, 2026].map((y) => cal.isCovered(y))).toEqual([true, true, true, true]);
    expect(cal.isCovered(2027)).toBe(false);
    expect(bundledWarnings).toEqual([]);
  });
});

describe('addWorkingDays and friends', () => {
  it('crosses the National Day week of 2025', () => {
    expect(cal.addWorkingDays('2025-09-30', 1)).toBe('2025-10-09');
    expect(cal.addWorkingDays('2025-09-29', 3)).toBe('2025-10-10');
    expect(cal.addWorkingDays('2025-10-01', 1)).toBe('2025-10-09');
  });

  it('lands on and steps over a 调休 Saturday', () => {
    expect(cal.addWorkingDays('2025-10-10', 1)).toBe('2025-10-11');
    expect(cal.addWorkingDays('2025-10-11', 1)).toBe('2025-10-13');
    expect(cal.addWorkingDays('2025-02-07', 1)).toBe('2025-02-08');
    expect(cal.addWorkingDays('2026-02-13', 1)).toBe('2026-02-14');
    expect(cal.addWorkingDays('2026-02-14', 1)).toBe('2026-02-24');
  });

  it('n = 0 keeps a working day and moves off a day off', () => {
    expect(cal.addWorkingDays('2025-10-09', 0)).toBe('2025-10-09');
    expect(cal.addWorkingDays('2025-10-01', 0)).toBe('2025-10-09');
    expect(cal.addWorkingDays('2025-01-26', 0)).toBe('2025-01-26');
  });

  it('gives the flag deadlines of 002 §3.7 and §3.13 around holidays', () => {
    // Ingested the day before National Day: listed on the first working day after, due 3 working days later.
    const listed = cal.nextWorkingDay('2025-09-30');
    expect(listed).toBe('2025-10-09');
    expect(cal.addWorkingDays(listed, 3)).toBe('2025-10-13');
    // Ingested on the Monday before the Spring Festival: the due date is the 调休 Saturday.
    const listedSpring = cal.nextWorkingDay('2025-01-27');
    expect(listedSpring).toBe('2025-02-05');
    expect(cal.addWorkingDays(listedSpring, 3)).toBe('2025-02-08');
  });

  it('nextWorkingDay is strictly after, firstWorkingDayOnOrAfter is not', () => {
    expect(cal.nextWorkingDay('2025-01-24')).toBe('2025-01-26'); // Friday -> the 调休 Sunday
    expect(cal.nextWorkingDay('2025-10-09')).toBe('2025-10-10');
    expect(cal.firstWorkingDayOnOrAfter('2025-10-09')).toBe('2025-10-09');
    expect(cal.firstWorkingDayOnOrAfter('2025-10-01')).toBe('2025-10-09');
    expect(cal.firstWorkingDayOnOrAfter('2026-01-01')).toBe('2026-01-04'); // a Sunday
  });

  it('workingDaysBetween counts (from, to] and is antisymmetric', () => {
    expect(cal.workingDaysBetween('2025-09-30', '2025-10-13')).toBe(4);
    expect(cal.workingDaysBetween('2025-10-13', '2025-09-30')).toBe(-4);
    expect(cal.workingDaysBetween('2025-10-03', '2025-10-03')).toBe(0);
    expect(cal.workingDaysBetween('2025-10-01', '2025-10-08')).toBe(0);
  });

  it('agrees with itself on every day of 2023-2026 (addWorkingDays, workingDaysBetween, isWorkingDay)', () => {
    for (let d = parseDayNumber('2023-01-01')!; d <= parseDayNumber('2026-12-31')!; d++) {
      const date = formatDayNumber(d);
      const next = cal.nextWorkingDay(date);
      expect(cal.isWorkingDay(next)).toBe(true);
      expect(cal.workingDaysBetween(date, next)).toBe(1);
      expect(cal.addWorkingDays(date, 1)).toBe(next);
      for (const n of [2, 3, 7]) {
        const later = cal.addWorkingDays(date, n);
        expect(cal.workingDaysBetween(date, later)).toBe(n);
        expect(cal.workingDaysBetween(later, date)).toBe(-n);
        expect(cal.isWorkingDay(later)).toBe(true);
      }
      expect(cal.firstWorkingDayOnOrAfter(date)).toBe(cal.isWorkingDay(date) ? date : next);
    }
  });

  it('rejects bad dates and bad n', () => {
    for (const bad of ['2025-02-29', '2025-1-5', '2025-01-05T00:00:00Z', '', '2025/01/05']) {
      expect(() => cal.isWorkingDay(bad), bad).toThrow(CustodianError);
    }
    expect(() => cal.isWorkingDay('2025-13-01')).toThrow(/YYYY-MM-DD/);
    expect(() => cal.addWorkingDays('2025-01-05', -1)).toThrow(CustodianError);
    expect(() => cal.addWorkingDays('2025-01-05', 1.5)).toThrow(CustodianError);
    expect(errorOf(() => cal.isWorkingDay('2025-02-30')).code).toBe('CALENDAR_BAD_DATE');
    expect(errorOf(() => cal.addWorkingDays('2025-01-05', -1)).code).toBe('CALENDAR_BAD_ARGUMENT');
  });
});

describe('years without data', () => {
  it('are judged by weekends only, with one warning per year', () => {
    const { calendar, warnings } = quietCalendar();
    expect(calendar.isCovered(2027)).toBe(false);
    expect(calendar.isWorkingDay('2027-01-01')).toBe(true); // a Friday; surely a holiday, but not known
    expect(calendar.isWorkingDay('2027-01-02')).toBe(false); // Saturday
    expect(calendar.isWorkingDay('2027-10-04')).toBe(true);
    expect(warnings).toEqual([2027]);
    expect(calendar.addWorkingDays('2028-12-29', 1)).toBe('2029-01-01');
    expect(warnings).toEqual([2027, 2028, 2029]);
    expect(calendar.workingDaysBetween('2021-12-31', '2022-01-07')).toBe(5);
    expect(warnings).toEqual([2027, 2028, 2029, 2022]);
  });

  it('warn through process warnings by default', async () => {
    const emitted: string[] = [];
    const listener = (warning: Error & { code?: string }) => {
      if (warning.code === 'CUSTODIAN_CALENDAR_UNCOVERED_YEAR') emitted.push(warning.message);
    };
    process.on('warning', listener);
    try {
      const calendar = createCalendar();
      calendar.isWorkingDay('2031-03-03');
      calendar.isWorkingDay('2031-03-04');
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', listener);
    }
    expect(emitted).toHaveLength(1);
    expect(emitted[0]).toContain('no holiday arrangement is known for 2031');
  });

  it('a deadline running into 2027 is computed and warned about', () => {
    const { calendar, warnings } = quietCalendar();
    expect(calendar.addWorkingDays('2026-12-30', 3)).toBe('2027-01-04');
    expect(warnings).toEqual([2027]);
  });
});

describe('overrides', () => {
  // Made-up arrangement for a far year: test data, not a real notice.
  const year2031 = {
    source: 'test fixture, not a real notice',
    years: [2031],
    holidays: ['2031-01-01', '2031-01-02', '2031-01-03'],
    workdays: ['2031-01-05'],
  };

  it('a file adds a year', () => {
    const path = writeOverride('2031.json', year2031);
    const { calendar, warnings } = quietCalendar({ overrideFile: path });
    expect(calendar.isCovered(2031)).toBe(true);
    expect(calendar.isWorkingDay('2031-01-01')).toBe(false); // Wednesday
    expect(calendar.isWorkingDay('2031-01-05')).toBe(true); // Sunday
    expect(calendar.nextWorkingDay('2030-12-31')).toBe('2031-01-05');
    expect(calendar.isWorkingDay('2025-10-01')).toBe(false); // bundled data kept
    expect(calendar.holidayName?.('2031-01-01')).toBeUndefined();
    // 2027-2030 lie between covered years and stay uncovered.
    expect(calendar.isWorkingDay('2029-06-01')).toBe(true);
    expect(warnings).toEqual([2029]);
  });

  it('loadCalendarOverride returns the data sorted and de-duplicated', () => {
    const path = writeOverride('unsorted.json', {
      years: [2031],
      holidays: ['2031-01-02', '2031-01-01', '2031-01-02'],
    });
    expect(loadCalendarOverride(path)).toEqual({
      years: [2031],
      holidays: ['2031-01-01', '2031-01-02'],
      workdays: [],
    });
  });

  it('a listed year replaces the bundled data of that year', () => {
    const { calendar } = quietCalendar({
      overrides: { years: [2025], holidays: ['2025-01-01'], workdays: [] },
    });
    expect(calendar.isWorkingDay('2025-01-01')).toBe(false);
    expect(calendar.isWorkingDay('2025-10-01')).toBe(true);
    expect(calendar.isWorkingDay('2025-01-26')).toBe(false);
    expect(calendar.isWorkingDay('2024-10-01')).toBe(false);
  });

  it('dates of unlisted years patch the existing data', () => {
    const { calendar } = quietCalendar({ overrides: { workdays: ['2025-10-04'], holidays: ['2025-09-28'] } });
    expect(calendar.isWorkingDay('2025-10-04')).toBe(true);
    expect(calendar.isWorkingDay('2025-09-28')).toBe(false);
    expect(calendar.isWorkingDay('2025-10-03')).toBe(false);
    expect(calendar.holidayName?.('2025-10-04')).toBeUndefined();
  });

  it('options apply after the file', () => {
    const path = writeOverride('2031b.json', year2031);
    const { calendar } = quietCalendar({ overrideFile: path, overrides: { workdays: ['2031-01-04'] } });
    expect(calendar.isWorkingDay('2031-01-04')).toBe(true);
    expect(calendar.isWorkingDay('2031-01-03')).toBe(false);
  });
});

describe('bad override files', () => {
  it('name the file and the bad entry', () => {
    const path = writeOverride('bad-date.json', {
      years: [2031],
      holidays: ['2031-01-01', '2031-02-30'],
      workdays: [],
    });
    const err = errorOf(() => loadCalendarOverride(path));
    expect(err.code).toBe('CALENDAR_OVERRIDE_INVALID');
    expect(err.message).toContain(path);
    expect(err.message).toContain('holidays[1] "2031-02-30"');
    expect(err.context).toMatchObject({ source: path, key: 'holidays', index: 1, entry: '2031-02-30' });
    // The same error surfaces from createCalendar.
    expect(() => createCalendar({ overrideFile: path })).toThrow(path);
  });

  const cases: [string, unknown, RegExp][] = [
    ['not-json.json', '{"years": [2031],', /not valid JSON/],
    ['array.json', [], /expected a JSON object/],
    ['unknown-key.json', { years: [], holiday: ['2031-01-01'] }, /unknown key "holiday"/],
    ['number-date.json', { holidays: [20310101] }, /holidays\[0\] 20310101 is not a real calendar date/],
    ['not-array.json', { workdays: '2031-01-04' }, /"workdays" must be an array/],
    ['weekday-workday.json', { workdays: ['2031-01-06'] }, /workday 2031-01-06 is a Monday/],
    ['both.json', { holidays: ['2031-01-04'], workdays: ['2031-01-04'] }, /2031-01-04 is listed both/],
    ['bad-year.json', { years: ['2031'], holidays: ['2031-01-01'] }, /years\[0\] "2031" is not a year/],
    [
      'empty-year.json',
      { years: [2031], holidays: ['2030-10-01'] },
      /years lists 2031 but no holiday of 2031/,
    ],
  ];
  for (const [name, content, message] of cases) {
    it(`${name}: ${message.source}`, () => {
      const path = writeOverride(name, content);
      const err = errorOf(() => loadCalendarOverride(path));
      expect(err.message).toMatch(message);
      expect(err.message).toContain(path);
    });
  }

  it('a missing file', () => {
    const path = join(tmp, 'missing.json');
    const err = errorOf(() => loadCalendarOverride(path));
    expect(err.code).toBe('CALENDAR_OVERRIDE_UNREADABLE');
    expect(err.message).toContain(path);
  });

  it('bad data given in options', () => {
    expect(() => createCalendar({ overrides: { workdays: ['2031-01-06'] } })).toThrow(
      /createCalendar options/,
    );
  });
});
