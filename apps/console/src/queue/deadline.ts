import { shanghaiDate, type WorkingCalendar } from '@custodian/core';

/**
 * Deadline state of a flag in working days (002 §3.13: the channel investigates within three
 * working days; holidays and make-up working days per the national calendar). `today` is the
 * Asia/Shanghai date.
 */
export type DeadlineState =
  | { kind: 'onTime'; workingDaysLeft: number }
  | { kind: 'dueToday' }
  | { kind: 'overdue'; workingDaysLate: number }
  | { kind: 'kept' }
  | { kind: 'late' };

export function deadlineOf(
  flag: { status: string; due_on: string; closed_at: Date | string | null },
  today: string,
  calendar: WorkingCalendar,
): DeadlineState {
  if (flag.status === 'closed') {
    const closedOn = flag.closed_at ? shanghaiDate(flag.closed_at) : today;
    return closedOn <= flag.due_on ? { kind: 'kept' } : { kind: 'late' };
  }
  if (flag.due_on === today) return { kind: 'dueToday' };
  if (flag.due_on > today)
    return { kind: 'onTime', workingDaysLeft: calendar.workingDaysBetween(today, flag.due_on) };
  // Past the due date; on a weekend right after it no working day has passed yet, but it is late all the same.
  return { kind: 'overdue', workingDaysLate: Math.max(1, calendar.workingDaysBetween(flag.due_on, today)) };
}
