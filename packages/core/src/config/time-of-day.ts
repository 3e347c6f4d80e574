import { z } from 'zod';

/** A time of day: '25:99' passed a looser pattern and killed the scheduler when cron read it. */
export const hhmm = z
  .string()
  .regex(/^([01]?\d|2[0-3]):[0-5]\d$/, 'expected a time of day HH:MM (00:00 to 23:59)');
