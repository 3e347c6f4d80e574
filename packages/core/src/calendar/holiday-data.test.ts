import { describe, expect, it } from 'vitest';
import { dayNumberOf, formatDayNumber, isWeekend, parseDayNumber, weekdayOf } from './dates.js';
import { BUNDLED_CALENDAR, BUNDLED_HOLIDAY_NAMES, HOLIDAY_NOTICES } from './holiday-data.js';

/**
 * Second source: the day lists of the npm package chinese-days 1.5.7 (dist/years/<year>.json,
 * keys of "holidays" and "workdays"), copied here so that an edit of a range in holiday-data.ts
 * that disagrees with them fails. 2022-12-31 (a 2023 New Year's Day holiday) is in its 2022 file.
 */
const SECOND_SOURCE: Record<number, { holidays: string; workdays: string }> = {
  2023: {
    holidays: `
      2022-12-31 2023-01-01 2023-01-02 2023-01-21 2023-01-22 2023-01-23 2023-01-24 2023-01-25
      2023-01-26 2023-01-27 2023-04-05 2023-04-29 2023-04-30 2023-05-01 2023-05-02 2023-05-03
      2023-06-22 2023-06-23 2023-06-24 2023-09-29 2023-09-30 2023-10-01 2023-10-02 2023-10-03
      2023-10-04 2023-10-05 2023-10-06
    `,
    workdays: `
      2023-01-28 2023-01-29 2023-04-23 2023-05-06 2023-06-25 2023-10-07 2023-10-08
    `,
  },
  2024: {
    holidays: `
      2024-01-01 2024-02-10 2024-02-11 2024-02-12 2024-02-13 2024-02-14 2024-02-15 2024-02-16
      2024-02-17 2024-04-04 2024-04-05 2024-04-06 2024-05-01 2024-05-02 2024-05-03 2024-05-04
      2024-05-05 2024-06-10 2024-09-15 2024-09-16 2024-09-17 2024-10-01 2024-10-02 2024-10-03
      2024-10-04 2024-10-05 2024-10-06 2024-10-07
    `,
    workdays: `
      2024-02-04 2024-02-18 2024-04-07 2024-04-28 2024-05-11 2024-09-14 2024-09-29 2024-10-12
    `,
  },
  2025: {
    holidays: `
      2025-01-01 2025-01-28 2025-01-29 2025-01-30 2025-01-31 2025-02-01 2025-02-02 2025-02-03
      2025-02-04 2025-04-04 2025-04-05 2025-04-06 2025-05-01 2025-05-02 2025-05-03 2025-05-04
      2025-05-05 2025-05-31 2025-06-01 2025-06-02 2025-10-01 2025-10-02 2025-10-03 2025-10-04
      2025-10-05 2025-10-06 2025-10-07 2025-10-08
    `,
    workdays: `
      2025-01-26 2025-02-08 2025-04-27 2025-09-28 2025-10-11
    `,
  },
  2026: {
    holidays: `
      2026-01-01 2026-01-02 2026-01-03 2026-02-15 2026-02-16 2026-02-17 2026-02-18 2026-02-19
      2026-02-20 2026-02-21 2026-02-22 2026-02-23 2026-04-04 2026-04-05 2026-04-06 2026-05-01
      2026-05-02 2026-05-03 2026-05-04 2026-05-05 2026-06-19 2026-06-20 2026-06-21 2026-09-25
      2026-09-26 2026-09-27 2026-10-01 2026-10-02 2026-10-03 2026-10-04 2026-10-05 2026-10-06
      2026-10-07
    `,
    workdays: `
      2026-01-04 2026-02-14 2026-02-28 2026-05-09 2026-09-20 2026-10-10
    `,
  },
};

function dateList(text: string): string[] {
  return text.split(/\s+/).filter((date) => date !== '');
}

const CHINESE_WEEKDAYS = '日一二三四五六';

/** Every `[YYYY年][M月]D日（…周X…）` or `（…星期X…）` of a notice item: the date and the weekday it states. */
function statedWeekdays(text: string, noticeYear: number): { date: string; weekday: number }[] {
  const stated: { date: string; weekday: number }[] = [];
  let year = noticeYear;
  let month = 0;
  for (const m of text.matchAll(/(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日(?:（([^）]*)）)?/g)) {
    if (m[1] !== undefined) year = Number(m[1]);
    if (m[2] !== undefined) month = Number(m[2]);
    const weekday = m[4]?.match(/(?:周|星期)([日一二三四五六])/)?.[1];
    if (weekday !== undefined) {
      stated.push({
        date: formatDayNumber(dayNumberOf(year, month, Number(m[3]))),
        weekday: CHINESE_WEEKDAYS.indexOf(weekday),
      });
    }
  }
  return stated;
}

function monthDay(date: string): { month: number; day: number } {
  return { month: Number(date.slice(5, 7)), day: Number(date.slice(8, 10)) };
}

describe('bundled holiday data', () => {
  it('covers 2023 to 2026 and nothing else', () => {
    expect(BUNDLED_CALENDAR.years).toEqual([2023, 2024, 2025, 2026]);
  });

  for (const notice of HOLIDAY_NOTICES) {
    describe(`${notice.year} (${notice.number})`, () => {
      it('gives the same days off and make-up working days as the second source', () => {
        const expected = SECOND_SOURCE[notice.year]!;
        const holidays = notice.items.flatMap((item) => {
          const days: string[] = [];
          for (let d = parseDayNumber(item.from)!; d <= parseDayNumber(item.to)!; d++)
            days.push(formatDayNumber(d));
          return days;
        });
        expect(holidays.sort()).toEqual(dateList(expected.holidays));
        expect(notice.items.flatMap((item) => item.workdays).sort()).toEqual(dateList(expected.workdays));
      });

      for (const item of notice.items) {
        it(`${item.name}: dates agree with the notice text`, () => {
          const from = parseDayNumber(item.from)!;
          const to = parseDayNumber(item.to)!;
          expect(to).toBeGreaterThanOrEqual(from);
          const count = item.text.match(/(?:共|放假)(\d+)天/)?.[1];
          if (count !== undefined) expect(to - from + 1).toBe(Number(count));

          const start = monthDay(item.from);
          expect(item.text).toContain(`${start.month}月${start.day}日`);
          if (to !== from) {
            const end = monthDay(item.to);
            const endMonth = end.month === start.month ? '' : `${end.month}月`;
            expect(item.text).toMatch(new RegExp(`至(?:\\d{4}年)?${endMonth}${end.day}日`));
          }
          for (const workday of item.workdays) {
            const { month, day } = monthDay(workday);
            expect(item.text).toContain(`${month}月${day}日`);
            expect(isWeekend(parseDayNumber(workday)!), `${workday} is a weekend day`).toBe(true);
          }
          for (const { date, weekday } of statedWeekdays(item.text, notice.year)) {
            expect(weekdayOf(parseDayNumber(date)!), `weekday of ${date}`).toBe(weekday);
          }
        });
      }
    });
  }

  it('never has a day both off and working, and names every day off', () => {
    const workdays = new Set(BUNDLED_CALENDAR.workdays);
    for (const date of BUNDLED_CALENDAR.holidays) {
      expect(workdays.has(date), date).toBe(false);
      expect(BUNDLED_HOLIDAY_NAMES.get(date), date).toBeTruthy();
    }
  });

  it('reads the stated weekdays of a notice text', () => {
    expect(
      statedWeekdays('二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）', 2026),
    ).toEqual([
      { date: '2026-02-15', weekday: 0 },
      { date: '2026-02-23', weekday: 1 },
    ]);
  });
});
