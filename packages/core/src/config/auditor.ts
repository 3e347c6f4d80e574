import { z } from 'zod';
import { hhmm } from './time-of-day.js';

/**
 * Settings of the access-log auditor: the `auditor` section of the configuration, here in core so
 * that every app refuses an unknown key in it (apps/auditor parses nothing of its own). Every
 * threshold carries the reason for its default; a deployment tunes them in custodian.config.json,
 * never in code. Every object is strict: a misspelt threshold is refused, not silently defaulted.
 */
// Working hours keep the auditor's looser pattern of before (an end of 24:00 is a day's end).
const clock = z.string().regex(/^\d{1,2}:\d{2}$/, 'expected HH:MM');

const ACTIONS = z.enum(['view', 'query', 'export', 'print', 'update', 'delete', 'borrow']);

export const auditorConfigSchema = z.strictObject({
  /** Folder the archive system drops its daily logs into (the nightly job reads files named with the date). */
  logsDir: z.string().default('./logs'),
  /** 02:00 Asia/Shanghai: after the archive system has rotated the previous day's log at midnight. */
  nightlyAt: hhmm.default('02:00'),
  /** Missed nights the scheduler catches up at start: a long weekend with the server down is 3-4 days; a week leaves margin. */
  catchUpDays: z.number().int().min(0).max(366).default(7),
  /**
   * Working hours on working days of the core calendar. 08:30–18:00: branch offices open at 08:30
   * and close at 17:30; half an hour is left for closing work. Anything outside, and any access on
   * a rest day or statutory holiday (调休 included), is off-hours (000 "客户管理档案管理制度" §7.3).
   */
  workingHours: z.strictObject({ start: clock.default('08:30'), end: clock.default('18:00') }).prefault({}),
  approval: z
    .strictObject({
      /**
       * Actions that always need an approval: export and print are copies/extracts (003 §23),
       * borrow is lending of material (003 §19), delete destroys records (001 §3.5.3, 004 §4.3).
       */
      requiredActions: z.array(ACTIONS).default(['export', 'print', 'borrow', 'delete']),
      /** Any access to records at or above this level needs an approval: 机密 and 绝密 are kept apart (003 §22; 004 §5, §7). */
      secrecyAtLeast: z.enum(['秘密', '机密', '绝密']).default('机密'),
      /**
       * A query returning more records than this needs an approval: serving a customer means one
       * customer or a household (a handful); 100 rows is an extract in all but name (003 §23).
       */
      queryRecordsOver: z.number().int().min(1).default(100),
      /**
       * Approval kinds that permit each action. Viewing is permitted by any approval of the
       * record; an export needs an export (or share) approval, so "approved to view, then
       * exported" is an escalation.
       */
      kindsFor: z.record(z.string(), z.array(z.string())).default({
        view: ['query', 'export', 'print', 'borrow', 'share', 'delete'],
        query: ['query', 'export', 'share'],
        update: ['query'],
        export: ['export', 'share'],
        print: ['print', 'export'],
        borrow: ['borrow'],
        delete: ['delete'],
      }),
    })
    .prefault({}),
  /** Borrowed material must be back within three days (003 §19), counted as 72 hours from the borrow. */
  loanDays: z.number().min(0.5).default(3),
  offHours: z
    .strictObject({
      /**
       * Record accesses outside working hours in one day before OFF_HOURS_ACCESS is raised: one or
       * two look-ups while closing a case after 18:00 are routine; three or more is a session of
       * work nobody could see. Export, print, borrow and delete off-hours raise it at once.
       */
      minEvents: z.number().int().min(1).default(3),
    })
    .prefault({}),
  volume: z
    .strictObject({
      /** Days of own history (same day type) before the own baseline is trusted: two working weeks. */
      minOwnDays: z.number().int().min(3).default(10),
      /**
       * Own days (short of `minOwnDays`) from which a peer alarm also needs `minRatio` × the own
       * median: even one day shows whether a person works at a higher volume than the department,
       * and someone who always does is not spiking (this only ever silences the peer rung; a
       * first day that was itself a spike was judged against the peers).
       */
      partialOwnDays: z.number().int().min(1).default(1),
      /** Department peers active the same day needed for a peer baseline: fewer and one person's day decides. */
      minPeers: z.number().int().min(2).default(5),
      /** Robust z: records above median + k·1.4826·MAD. 5 keeps daily noise (z≈2-3) well below the line. */
      madK: z.number().min(1).default(5),
      /** …and at least this multiple of the median: a three-fold day is what an extract looks like, not a busy day. */
      minRatio: z.number().min(1).default(3),
      /** …and at least this many records: spikes of tiny counts (2 → 9) are not worth a reviewer's time. */
      minRecords: z.number().int().min(1).default(150),
      /** Cold start without history or peers: 1,500 records a day is about 3 a minute for a whole working day. */
      staticRecords: z.number().int().min(1).default(1500),
      /** History window: eight weeks, long enough for a stable median, short enough to follow a change of post. */
      historyDays: z.number().int().min(7).default(56),
      /** MAD floor as a share of the median: identical days (MAD 0) would make any extra look like a spike. */
      madFloorRatio: z.number().min(0).default(0.15),
    })
    .prefault({}),
  enumeration: z
    .strictObject({
      /** Consecutive archive numbers in one run: a clerk working through a batch rarely opens 20 in strict order; a scraper does. */
      minRun: z.number().int().min(3).default(20),
      /** Largest step still "consecutive": scrapers skip numbers that do not exist or were refused. */
      maxStep: z.number().int().min(1).default(2),
      /** A pause longer than this ends a run. */
      maxGapMinutes: z.number().min(1).default(30),
    })
    .prefault({}),
  /**
   * Distinct operators on one customer in one day for TARGET_SNOOPING: a claim or complaint
   * involves a handful of handlers (clerk, claims, quality check, supervisor); ten people in a day
   * on one customer, without an approval naming it, is curiosity about a person (000 §7.3).
   */
  snoopingMinOperators: z.number().int().min(2).default(10),
  loginBurst: z
    .strictObject({
      /** Failed logins within the window: typing a password wrong twice is normal, five in ten minutes is guessing. */
      failures: z.number().int().min(2).default(5),
      windowMinutes: z.number().min(1).default(10),
    })
    .prefault({}),
  concurrent: z
    .strictObject({
      /**
       * One account switching back and forth between two client addresses within this window
       * (A → B → A) is in use at two places at once; a single move (logout at A, login at B) is not.
       */
      windowMinutes: z.number().min(1).default(10),
      minSwitches: z.number().int().min(2).default(2),
    })
    .prefault({}),
  /** Records exported or printed by one person in a day that make BULK_EXPORT (003 §23): about a branch's monthly new business. */
  bulkExportRecords: z.number().int().min(1).default(1000),
  /** How long a confirmed false positive suppresses repeats of the same operator and code: a quarter, then it is looked at again. */
  falsePositiveDays: z.number().int().min(1).default(90),
  /** Events kept as evidence per anomaly (masked): enough to judge, bounded so that nothing grows with the logs. */
  evidenceEvents: z.number().int().min(1).max(200).default(20),
  /** Archive numbers kept per anomaly. */
  evidenceArchives: z.number().int().min(1).max(5000).default(200),
  /**
   * Custodian's own audit trail rows audited as events of their actor: an action matching a key
   * (a regular expression) counts as the given access action (unmasking a record is a view).
   */
  trailActions: z.record(z.string(), ACTIONS).default({ reveal$: 'view', unmask$: 'view' }),
  /** Parser worker threads: 1 puts parsing on the second core while detection runs on the main thread; 0 parses inline. */
  workers: z.number().int().min(0).max(1).default(1),
  /** Weight of each code in the score (score = weight × (1 + log10(events)) × factor); reviewers read the riskiest first. */
  weights: z.record(z.string(), z.number().min(0)).default({}),
});

export type AuditorConfig = z.infer<typeof auditorConfigSchema>;
