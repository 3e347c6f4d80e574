/**
 * Mainland China's statutory holidays and make-up working days (调休), as the General Office of
 * the State Council publishes them once a year for the next year, usually in November.
 *
 * Each notice is kept item by item with the item's own text, so that a reader can compare the
 * dates against the published wording; `holiday-data.test.ts` checks every date range against the
 * text (day counts, stated weekdays) and against the data of the npm package `chinese-days`
 * 1.5.7 as a second, independent source.
 *
 * Years not listed here are not known to the system: the calendar judges them by weekends only
 * and warns; a newly published year is added with an override file (see README.md beside this
 * file) until it is added here.
 *
 * 2027: the notice for 2027 was not available from any source this project could consult when
 * this file was written (2026-11); it is deliberately absent, not guessed.
 */

import { CustodianError } from '../errors.js';
import type { CalendarData } from './calendar-data.js';
import { formatDayNumber, parseDayNumber } from './dates.js';

export interface HolidayNoticeItem {
  /** Holiday name as the notice writes it, e.g. `春节`, `国庆节、中秋节`. */
  name: string;
  /** First and last day off, inclusive, `YYYY-MM-DD`; every day in between is off. */
  from: string;
  to: string;
  /** Weekend days declared working days (`上班`) for this holiday, `YYYY-MM-DD`. */
  workdays: readonly string[];
  /** The item's text in the notice, for comparison. */
  text: string;
}

export interface HolidayNotice {
  /** The year the notice arranges. */
  year: number;
  title: string;
  /** Document number (发文字号). */
  number: string;
  /** Date the notice was signed. */
  issued: string;
  /** Where the text and dates were read and checked. */
  sources: readonly string[];
  items: readonly HolidayNoticeItem[];
}

export const HOLIDAY_NOTICES: readonly HolidayNotice[] = [
  {
    year: 2023,
    title: '国务院办公厅关于2023年部分节假日安排的通知',
    number: '国办发明电〔2022〕16号',
    issued: '2022-12-08',
    sources: [
      '中华人民共和国国务院公报 2023年第1号 (text as reproduced by Wikisource)',
      'npm chinese-days 1.5.7 dist/years/2023.json',
    ],
    items: [
      {
        name: '元旦',
        from: '2022-12-31',
        to: '2023-01-02',
        workdays: [],
        text: '一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。',
      },
      {
        name: '春节',
        from: '2023-01-21',
        to: '2023-01-27',
        workdays: ['2023-01-28', '2023-01-29'],
        text: '二、春节：1月21日至27日放假调休，共7天。1月28日（星期六）、1月29日（星期日）上班。',
      },
      {
        name: '清明节',
        from: '2023-04-05',
        to: '2023-04-05',
        workdays: [],
        text: '三、清明节：4月5日放假，共1天。',
      },
      {
        name: '劳动节',
        from: '2023-04-29',
        to: '2023-05-03',
        workdays: ['2023-04-23', '2023-05-06'],
        text: '四、劳动节：4月29日至5月3日放假调休，共5天。4月23日（星期日）、5月6日（星期六）上班。',
      },
      {
        name: '端午节',
        from: '2023-06-22',
        to: '2023-06-24',
        workdays: ['2023-06-25'],
        text: '五、端午节：6月22日至24日放假调休，共3天。6月25日（星期日）上班。',
      },
      {
        name: '中秋节、国庆节',
        from: '2023-09-29',
        to: '2023-10-06',
        workdays: ['2023-10-07', '2023-10-08'],
        text: '六、中秋节、国庆节：9月29日至10月6日放假调休，共8天。10月7日（星期六）、10月8日（星期日）上班。',
      },
    ],
  },
  {
    year: 2024,
    title: '国务院办公厅关于2024年部分节假日安排的通知',
    number: '国办发明电〔2023〕7号',
    issued: '2023-10-25',
    sources: [
      '中华人民共和国国务院公报 2023年第31号 (text as reproduced by Wikisource)',
      'npm chinese-days 1.5.7 dist/years/2024.json',
    ],
    items: [
      {
        name: '元旦',
        from: '2024-01-01',
        to: '2024-01-01',
        workdays: [],
        text: '一、元旦：1月1日放假，与周末连休。',
      },
      {
        name: '春节',
        from: '2024-02-10',
        to: '2024-02-17',
        workdays: ['2024-02-04', '2024-02-18'],
        // New Year's Eve (2024-02-09) is only "encouraged" off: officially a working day.
        text:
          '二、春节：2月10日至17日放假调休，共8天。2月4日（星期日）、2月18日（星期日）上班。' +
          '鼓励各单位结合带薪年休假等制度落实，安排职工在除夕（2月9日）休息。',
      },
      {
        name: '清明节',
        from: '2024-04-04',
        to: '2024-04-06',
        workdays: ['2024-04-07'],
        text: '三、清明节：4月4日至6日放假调休，共3天。4月7日（星期日）上班。',
      },
      {
        name: '劳动节',
        from: '2024-05-01',
        to: '2024-05-05',
        workdays: ['2024-04-28', '2024-05-11'],
        text: '四、劳动节：5月1日至5日放假调休，共5天。4月28日（星期日）、5月11日（星期六）上班。',
      },
      {
        name: '端午节',
        from: '2024-06-10',
        to: '2024-06-10',
        workdays: [],
        text: '五、端午节：6月10日放假，与周末连休。',
      },
      {
        name: '中秋节',
        from: '2024-09-15',
        to: '2024-09-17',
        workdays: ['2024-09-14'],
        text: '六、中秋节：9月15日至17日放假调休，共3天。9月14日（星期六）上班。',
      },
      {
        name: '国庆节',
        from: '2024-10-01',
        to: '2024-10-07',
        workdays: ['2024-09-29', '2024-10-12'],
        text: '七、国庆节：10月1日至7日放假调休，共7天。9月29日（星期日）、10月12日（星期六）上班。',
      },
    ],
  },
  {
    // The first year under the 放假办法 as revised in November 2024: one more day for the Spring
    // Festival (from New Year's Eve) and one more for Labour Day.
    year: 2025,
    title: '国务院办公厅关于2025年部分节假日安排的通知',
    number: '国办发明电〔2024〕12号',
    issued: '2024-11-12',
    sources: [
      'Xinhua release of 2024-11-12 (full text, with document number)',
      'npm chinese-days 1.5.7 dist/years/2025.json',
    ],
    items: [
      {
        name: '元旦',
        from: '2025-01-01',
        to: '2025-01-01',
        workdays: [],
        text: '一、元旦：1月1日（周三）放假1天，不调休。',
      },
      {
        name: '春节',
        from: '2025-01-28',
        to: '2025-02-04',
        workdays: ['2025-01-26', '2025-02-08'],
        text:
          '二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。' +
          '1月26日（周日）、2月8日（周六）上班。',
      },
      {
        name: '清明节',
        from: '2025-04-04',
        to: '2025-04-06',
        workdays: [],
        text: '三、清明节：4月4日（周五）至6日（周日）放假，共3天。',
      },
      {
        name: '劳动节',
        from: '2025-05-01',
        to: '2025-05-05',
        workdays: ['2025-04-27'],
        text: '四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。',
      },
      {
        name: '端午节',
        from: '2025-05-31',
        to: '2025-06-02',
        workdays: [],
        text: '五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。',
      },
      {
        name: '国庆节、中秋节',
        from: '2025-10-01',
        to: '2025-10-08',
        workdays: ['2025-09-28', '2025-10-11'],
        text: '六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。',
      },
    ],
  },
  {
    year: 2026,
    title: '国务院办公厅关于2026年部分节假日安排的通知',
    // The Xinhua release of the text carries no number; this is the number cited by several
    // independent secondary sources.
    number: '国办发明电〔2025〕7号',
    issued: '2025-11-04',
    sources: [
      'Xinhua release of 2025-11-04 (full text, as reprinted by 光明网)',
      'npm chinese-days 1.5.7 dist/years/2026.json',
    ],
    items: [
      {
        name: '元旦',
        from: '2026-01-01',
        to: '2026-01-03',
        workdays: ['2026-01-04'],
        text: '一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。',
      },
      {
        name: '春节',
        from: '2026-02-15',
        to: '2026-02-23',
        workdays: ['2026-02-14', '2026-02-28'],
        text:
          '二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。' +
          '2月14日（周六）、2月28日（周六）上班。',
      },
      {
        name: '清明节',
        from: '2026-04-04',
        to: '2026-04-06',
        workdays: [],
        text: '三、清明节：4月4日（周六）至6日（周一）放假，共3天。',
      },
      {
        name: '劳动节',
        from: '2026-05-01',
        to: '2026-05-05',
        workdays: ['2026-05-09'],
        text: '四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。',
      },
      {
        name: '端午节',
        from: '2026-06-19',
        to: '2026-06-21',
        workdays: [],
        text: '五、端午节：6月19日（周五）至21日（周日）放假，共3天。',
      },
      {
        name: '中秋节',
        from: '2026-09-25',
        to: '2026-09-27',
        workdays: [],
        text: '六、中秋节：9月25日（周五）至27日（周日）放假，共3天。',
      },
      {
        name: '国庆节',
        from: '2026-10-01',
        to: '2026-10-07',
        workdays: ['2026-09-20', '2026-10-10'],
        text: '七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。',
      },
    ],
  },
];

export interface ExpandedNotices {
  data: CalendarData;
  /** Holiday name of each day off, `YYYY-MM-DD` → name. */
  names: ReadonlyMap<string, string>;
}

/**
 * Turns notices into day lists. Throws on a malformed date in a notice: that is a bug in this
 * file, caught by its tests.
 */
export function expandNotices(notices: readonly HolidayNotice[]): ExpandedNotices {
  const holidays: string[] = [];
  const workdays: string[] = [];
  const names = new Map<string, string>();
  for (const notice of notices) {
    for (const item of notice.items) {
      const from = parseDayNumber(item.from);
      const to = parseDayNumber(item.to);
      if (from === undefined || to === undefined || to < from) {
        throw new CustodianError(
          'CALENDAR_DATA_INVALID',
          `holiday notice ${notice.number}: bad range ${item.from}..${item.to}`,
          {
            notice: notice.number,
          },
        );
      }
      for (let day = from; day <= to; day++) {
        const date = formatDayNumber(day);
        holidays.push(date);
        names.set(date, item.name);
      }
      workdays.push(...item.workdays);
    }
  }
  return {
    data: { holidays: holidays.sort(), workdays: [...workdays].sort(), years: notices.map((n) => n.year) },
    names,
  };
}

const bundled = expandNotices(HOLIDAY_NOTICES);

/** The calendar data shipped with Custodian: the years of `HOLIDAY_NOTICES`. */
export const BUNDLED_CALENDAR: CalendarData = bundled.data;
export const BUNDLED_HOLIDAY_NAMES: ReadonlyMap<string, string> = bundled.names;
