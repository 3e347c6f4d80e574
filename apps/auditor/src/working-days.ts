import { createCalendar } from '@custodian/core';

/** The core calendar's working-day test (holidays and 调休 included), for callers without a context (bench, generator). */
export function bundledWorkingDays(): (date: string) => boolean {
  const calendar = createCalendar({ onUncoveredYear: () => {} });
  return (date) => calendar.isWorkingDay(date);
}
