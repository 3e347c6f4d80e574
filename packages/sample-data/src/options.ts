// Options shared by every generator, and their defaults.
import { parseIsoDate } from './dates.js';

export type Profile = 'insurance' | 'telecom';

export interface SampleOptions {
  /** PRNG seed; the same options always give the same data. Default 1. */
  seed?: number;
  /** Number of customer records. */
  customers: number;
  /** Share of records carrying an injected defect (multi-record defects count every record). Default 0.05. */
  defectRate?: number;
  /** Insurance (policyholder + insured, premiums by card) or telecom (account holder + service number). */
  profile?: Profile;
  /** First possible sign date, YYYY-MM-DD. Default 2025-01-01. */
  signDateFrom?: string;
  /** Last possible sign date, YYYY-MM-DD. Default 2025-12-31. */
  signDateTo?: string;
  /** The night the batch is ingested, YYYY-MM-DD: AGENT_RECHECK counts complaints of the 365 days before it. Default the day after signDateTo. */
  batchDate?: string;
  /** Number of agents. Default customers / 100, between 10 and 2,000. */
  agents?: number;
  /** Prefix for record_id, archive_no and contract_no, so that two nights don't collide. Default ''. */
  idPrefix?: string;
  /**
   * Index of the first record. Batches made with the same seed and disjoint ranges
   * [indexOffset, indexOffset + customers) never share a customer, phone, card or ID number.
   * (Batches made with different seeds are independent draws and may, rarely, share one.) Default 0.
   */
  indexOffset?: number;
}

export interface ResolvedOptions {
  seed: number;
  customers: number;
  defectRate: number;
  profile: Profile;
  signFrom: number;
  signTo: number;
  batchDay: number;
  agents: number;
  idPrefix: string;
  indexOffset: number;
}

/** Records that one seed can number: the phone partitions and the minor-insured ID space set the bound. */
export const MAX_RECORD_INDEX = 30_000_000;

/** Validates options and fills defaults. Throws RangeError on options no generator could honour. */
export function resolveOptions(opts: SampleOptions): ResolvedOptions {
  const customers = opts.customers;
  if (!Number.isInteger(customers) || customers < 0)
    throw new RangeError(`customers must be a non-negative integer: ${customers}`);
  const indexOffset = opts.indexOffset ?? 0;
  if (!Number.isInteger(indexOffset) || indexOffset < 0 || indexOffset + customers > MAX_RECORD_INDEX) {
    throw new RangeError(`indexOffset + customers must stay within ${MAX_RECORD_INDEX}`);
  }
  const defectRate = opts.defectRate ?? 0.05;
  if (!(defectRate >= 0 && defectRate <= 0.5))
    throw new RangeError(`defectRate must be within [0, 0.5]: ${defectRate}`);
  const signFrom = parseIsoDate(opts.signDateFrom ?? '2025-01-01');
  const signTo = parseIsoDate(opts.signDateTo ?? '2025-12-31');
  if (signTo < signFrom) throw new RangeError('signDateTo is before signDateFrom');
  const batchDay = opts.batchDate === undefined ? signTo + 1 : parseIsoDate(opts.batchDate);
  if (batchDay <= signTo) throw new RangeError('batchDate must come after signDateTo');
  const idPrefix = opts.idPrefix ?? '';
  if (/[",\r\n]/.test(idPrefix))
    throw new RangeError('idPrefix must not hold a comma, a quote or a line break');
  const agents = opts.agents ?? Math.min(2000, Math.max(10, Math.ceil(customers / 100)));
  if (!Number.isInteger(agents) || agents < 1 || agents > 1_000_000)
    throw new RangeError(`agents out of range: ${agents}`);
  return {
    seed: (opts.seed ?? 1) >>> 0,
    customers,
    defectRate,
    profile: opts.profile ?? 'insurance',
    signFrom,
    signTo,
    batchDay,
    agents,
    idPrefix,
    indexOffset,
  };
}
