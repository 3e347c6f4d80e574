// ID_LINE_LIMIT: telecom real-name registration practice allows one ID number at most five mobile
// numbers with one operator (national practice, beyond the seeds: rulebook §1); landlines and IoT
// cards are not counted. The count is archive-wide: the ingest counts in SQL over the archive
// (packages/core cross-record-rules.ts), and this pure function does the same for (ID, mobile
// number) pairs held in memory. One company's archive is one operator's.

import { type Finding, makeFinding } from './findings.js';
import { maskIdNumber } from './masking.js';

/** Limit of the real-name practice: five numbers per ID number and operator. */
export const DEFAULT_LINE_LIMIT = 5;

export interface LineEntry {
  /** Normalised ID number (`normalizeIdNumber`). */
  idNumber: string;
  /** Normalised mobile number (`validatePhone(...).normalized` where its `kind` is mobile): the limit counts mobile lines. */
  serviceNumber: string;
  recordId?: string;
}

export interface LineLimitViolation {
  idNumber: string;
  /** Distinct service numbers, in first-seen order. */
  serviceNumbers: string[];
  /** Records involved, in input order, without duplicates. */
  recordIds: string[];
  finding: Finding;
}

/**
 * Every ID number holding more than `limit` distinct service numbers, with an `ID_LINE_LIMIT`
 * warning: a flag for review, not a rejection (validation-cases.md).
 */
export function findLineLimitViolations(
  entries: Iterable<LineEntry>,
  limit = DEFAULT_LINE_LIMIT,
): LineLimitViolation[] {
  const byId = new Map<string, { numbers: Set<string>; records: Set<string> }>();
  for (const e of entries) {
    let group = byId.get(e.idNumber);
    if (group === undefined) {
      group = { numbers: new Set(), records: new Set() };
      byId.set(e.idNumber, group);
    }
    group.numbers.add(e.serviceNumber);
    if (e.recordId !== undefined) group.records.add(e.recordId);
  }
  const out: LineLimitViolation[] = [];
  for (const [idNumber, group] of byId) {
    const n = group.numbers.size;
    if (n <= limit) continue;
    out.push({
      idNumber,
      serviceNumbers: [...group.numbers],
      recordIds: [...group.records],
      finding: makeFinding(
        'ID_LINE_LIMIT',
        'warning',
        `同一证件号码登记了${n}个服务号码，超过${limit}个的实名制上限，请核查`,
        `one ID number holds ${n} service numbers, more than the real-name limit of ${limit}; please review`,
        maskIdNumber(idNumber),
      ),
    });
  }
  return out;
}
