import { profiles } from '@custodian/validators';
import { z } from 'zod';
import { auditorConfigSchema } from './auditor.js';
import { consoleSettingsSchema } from './console.js';
import { hhmm } from './time-of-day.js';

/**
 * The whole configuration of Custodian, parsed once (see `loadConfig`) from the environment and an
 * optional JSON file, and passed down as a typed object. Every setting carries the reason for its
 * default. Nothing else in the code base reads `process.env`.
 */
// Every object is strict: a misspelt key (`ingest.profle`) is refused with its path, not ignored
// while the default runs in its place. The auditor's and the console's sections live beside this file.
export const configSchema = z.strictObject({
  /** PostgreSQL server URL. Unset: an embedded PostgreSQL (PGlite) in `dataDir`, so a new user needs only Node. */
  databaseUrl: z.string().url().optional(),
  /** Folder for the embedded database, the generated master key and working files. */
  dataDir: z.string().default('./.custodian/data'),
  /**
   * Master keys for personal data, `id:base64key` separated by commas; the first is used to
   * encrypt, all are tried by id to decrypt, so a key can be rotated without re-encrypting at once.
   * Unset: a key is generated into `dataDir/master.key` (mode 0600) on first run, with a warning.
   */
  masterKeys: z.string().optional(),
  /** Time zone in which dates of Chinese business systems and deadlines are read (002 §3.13 working days). */
  timeZone: z.string().default('Asia/Shanghai'),
  /** JSON file adding or correcting holidays and make-up working days (the State Council publishes each year late). */
  calendarOverrideFile: z.string().optional(),
  /** Who is acting, for the audit trail of command-line actions (001 §4: operator of every action). */
  actor: z.string().default('cli'),
  ingest: z
    .strictObject({
      /** Folder where the business systems drop each evening's exports; `done/` and `failed/` are made beside the files. */
      inbox: z.string().default('./inbox'),
      /** Nightly run time (Asia/Shanghai): 01:00 leaves the evening exports time to arrive and the morning for review (002 §3.7, T+1). */
      nightlyAt: hhmm.default('01:00'),
      /**
       * Seconds an inbox file must have been left unchanged (size and modification time) before the
       * nightly job takes it: a file modified more recently may still be being written (an upload
       * that paused), and taking it ingested half of it and moved it away from the writer, the rest
       * never ingested. The job waits for such files. 30 s outlasts the pauses of an upload or a copy
       * between two blocks; 0 takes every file at once.
       */
      inboxSettleSeconds: z.number().min(0).max(3600).default(30),
      /**
       * Longest wait, in seconds, for inbox files still being written: a file still changing after it
       * is left in the inbox for the next run (and listed with the reason), so that a writer that
       * never stops cannot hold the night's other files back. 600: ten minutes of an export still
       * being written is a stuck writer, not a slow one, and the morning list must still be made.
       */
      inboxSettleMaxWaitSeconds: z.number().min(0).max(86_400).default(600),
      /**
       * Seconds the scheduler waits before it tries a nightly run again that found another ingestion
       * holding the lock (a manual `ingest run`) or that broke (the database unreachable): the files
       * would otherwise wait in the inbox for the next night and miss the T+1 listing. Five minutes
       * lets a manual run finish or a database come back without filling the log.
       */
      nightlyRetrySeconds: z.number().min(0.001).max(86_400).default(300),
      /** Mandatory-field profile: `insurance` is 002 §3.5; `telecom` adds the service number. */
      profile: z
        .string()
        // Checked here, at start-up: an unknown name failed every file later, in the encoder threads.
        .refine((p) => Object.hasOwn(profiles, p), {
          message: `unknown profile; known: ${Object.keys(profiles).join(', ')}`,
        })
        .default('insurance'),
      /** Rows per database batch: large enough to amortise round trips, small enough to keep memory flat. */
      batchSize: z.number().int().min(100).max(100_000).default(5_000),
      /** Parser/validator worker threads; 0 = one per core beyond the main thread (at least 1). */
      workers: z.number().int().min(0).max(64).default(0),
      /** Extra header aliases, canonical name → list of accepted headers (formats.md: the mapping is extendable). */
      headerAliases: z.record(z.string(), z.array(z.string())).default({}),
      /** Most mobile numbers one ID may hold with one operator (national real-name practice: five). */
      maxLinesPerId: z.number().int().min(1).default(5),
      /** Verified mis-selling complaints within a year that put an agent's customers up for re-check (002 §3.14: two). */
      recheckComplaints: z.number().int().min(1).default(2),
      /** Working days between ingestion and listing (T+1) and between listing and due date (002 §3.7, §3.13). */
      listAfterWorkingDays: z.number().int().min(0).default(1),
      dueAfterWorkingDays: z.number().int().min(1).default(3),
      /**
       * A file of at least this many rows that is at least half the archive's size has the archive's
       * lookup indexes built again after its upsert instead of updated row by row: PostgreSQL's advice
       * for bulk loads, several times faster at a million rows. Readers of the archive wait for that
       * merge to commit. Small nights never do it.
       */
      rebuildIndexesFrom: z.number().int().min(1).default(100_000),
      /** Seconds such a merge waits for readers of the archive to finish before it updates the indexes row by row instead (new readers queue behind it meanwhile). */
      rebuildLockWaitSeconds: z.number().min(0.001).max(600).default(10),
      /**
       * On a PostgreSQL server, a CSV file is merged while it is read: every this many rows are
       * committed to staging and upserted into the archive (still in the file's one merge
       * transaction) while the encoder threads read on, so that the database's work overlaps theirs.
       * 0: the whole file is staged first, then merged (as on the embedded database, which has one connection).
       */
      mergeSegmentRows: z.number().int().min(0).default(50_000),
      /** Years a record is kept after its sign date before it is due for destruction (company archive rules; 30 is the common life-insurance term). */
      retentionYears: z.number().int().min(1).default(30),
    })
    .prefault({}),
  auditor: auditorConfigSchema.prefault({}),
  reports: z
    .strictObject({
      /** Where scheduled reports and their manifest are written. */
      outDir: z.string().default('./reports'),
      /** The morning problem list must be in the channels' hands at the start of the working day (002 §3.7). */
      morningAt: hhmm.default('07:30'),
    })
    .prefault({}),
  console: consoleSettingsSchema.prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export { type AuditorConfig, auditorConfigSchema } from './auditor.js';
export { type ConsoleSettings, consoleSettingsSchema } from './console.js';
