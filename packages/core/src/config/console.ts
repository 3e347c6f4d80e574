import { z } from 'zod';

/**
 * The console's own settings: the `console` section of Custodian's configuration (file, then
 * CUSTODIAN_CONSOLE_PORT), here in core so that every app refuses an unknown key in it. Every
 * default carries its reason.
 */
export const consoleSettingsSchema = z.strictObject({
  /** Port to listen on (tests that want a free one pass port 0 to the server directly, not through the configuration). */
  port: z.number().int().min(1).max(65535).default(8080),
  /** Loopback by default: the console holds personal data and is reached through the company network's proxy, not exposed. */
  host: z.string().default('127.0.0.1'),
  /** Passwords expire after this many days (004 §4.4 account management; common 等保 practice: 90). */
  passwordMaxAgeDays: z.number().int().min(1).max(3650).default(90),
  /** Consecutive failed logins that lock an account (guessing defence; 5 is the usual 等保 threshold). */
  lockoutAttempts: z.number().int().min(1).max(100).default(5),
  /** How long a locked account stays locked, in minutes (an admin can unlock earlier). */
  lockoutMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(15),
  /** A session unused for this long ends (an unattended screen shows personal data). */
  sessionIdleMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(30),
  /** A session ends after this long whatever its use: one working day. */
  sessionMaxHours: z.number().int().min(1).max(72).default(10),
  /**
   * Mark cookies `Secure`. Browsers keep such cookies over plain http only on localhost/127.0.0.1;
   * anywhere else the console must sit behind HTTPS. Turn off only for a test set-up without TLS.
   */
  secureCookies: z.boolean().default(true),
  /** Interface language when the user has not chosen one (zh: the staff's language). */
  defaultLanguage: z.enum(['zh', 'en']).default('zh'),
  /** How long a queue count is reused for the same filters (0: never): the rows are always fresh. */
  queueCountCacheSeconds: z.number().int().min(0).max(3600).default(30),
  /** Rows per page of the review queue. */
  pageSize: z.number().int().min(10).max(500).default(50),
});

export type ConsoleSettings = z.infer<typeof consoleSettingsSchema>;
