import {
  type AnomalyDetail,
  auditorConfig,
  getAnomalyDetail as auditorDetail,
  listAnomalies as auditorList,
  resolveAnomaly as auditorResolve,
  DISPOSITIONS,
  type Disposition,
} from '@custodian/auditor';
import { type Anomaly, type CustodianContext, isCustodianError } from '@custodian/core';

/**
 * The console's window on the access-log auditor (apps/auditor): the same queries and the same
 * disposition flow as `pnpm auditor anomalies list|show|resolve` (history entry, audit-trail
 * entry, suppression of repeats for a false positive or a waiver, risk recomputed), through the
 * auditor's own API. Nothing here writes to its tables directly.
 */
export { type AnomalyDetail, DISPOSITIONS, type Disposition };

export function isDisposition(value: string): value is Disposition {
  return (DISPOSITIONS as readonly string[]).includes(value);
}

export async function listAnomalies(
  ctx: CustodianContext,
  opts: { openOnly: boolean; limit: number; offset: number },
): Promise<{ anomalies: Anomaly[]; hasNext: boolean }> {
  const page = await auditorList(ctx.storage.db, opts.openOnly ? { status: 'open' } : {}, {
    limit: opts.limit,
    offset: opts.offset,
    order: 'score',
  });
  return { anomalies: page.anomalies, hasNext: opts.offset + page.anomalies.length < page.total };
}

/** The anomaly with its history, the operator's directory entry and risk; undefined when there is none. */
export async function getAnomalyDetail(
  ctx: CustodianContext,
  anomalyId: number,
): Promise<AnomalyDetail | undefined> {
  try {
    return await auditorDetail(ctx.storage.db, anomalyId);
  } catch (err) {
    if (isCustodianError(err) && err.code === 'ANOMALY_NOT_FOUND') return undefined;
    throw err;
  }
}

/** Records a disposition; throws the auditor's CustodianError DISPOSITION_INVALID for a refused one. */
export function resolveAnomaly(
  ctx: CustodianContext,
  anomalyId: number,
  input: { actor: string; disposition: Disposition; note: string; waivedUntil?: string },
): Promise<Anomaly> {
  return auditorResolve(ctx.storage.db, anomalyId, {
    ...input,
    falsePositiveDays: auditorConfig(ctx).falsePositiveDays,
  });
}
