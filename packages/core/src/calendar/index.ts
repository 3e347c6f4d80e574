export { type CalendarData, loadCalendarOverride, validateCalendarData } from './calendar-data.js';
export {
  BUNDLED_CALENDAR,
  HOLIDAY_NOTICES,
  type HolidayNotice,
  type HolidayNoticeItem,
} from './holiday-data.js';
export { type ShanghaiTimeOfDay, shanghaiDate, shanghaiTimeOfDay } from './shanghai-time.js';
export { type CreateCalendarOptions, createCalendar, type WorkingCalendar } from './working-days.js';
