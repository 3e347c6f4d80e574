import { isCustodianError } from '@custodian/core';
import {
  getAnomalyDetail,
  isDisposition,
  listAnomalies,
  resolveAnomaly,
} from '../anomalies/anomaly-source.js';
import { type Reply, type RequestContext, redirect, userOf, withDone } from '../http/context.js';
import { renderAnomaly, renderAnomalyList } from '../views/anomalies.js';
import { doneNotice, errorPage, page } from '../views/layout.js';

const PAGE_SIZE = 50;

function anomalyId(c: RequestContext): number | undefined {
  const raw = c.params.id ?? '';
  return /^\d{1,9}$/.test(raw) && Number(raw) > 0 ? Number(raw) : undefined;
}

/** The auditors' queue of access anomalies (rulebook §3; 004 §7). */
export async function anomalies(c: RequestContext): Promise<Reply> {
  const openOnly = !c.query.get('all');
  const p = Number.parseInt(c.query.get('page') ?? '1', 10);
  const pageNo = Number.isInteger(p) && p >= 1 && p <= 10_000 ? p : 1;
  const result = await listAnomalies(c.deps.ctx, {
    openOnly,
    limit: PAGE_SIZE,
    offset: (pageNo - 1) * PAGE_SIZE,
  });
  return page(
    c,
    c.t('anom.title'),
    renderAnomalyList(c, result.anomalies, { openOnly, page: pageNo, hasNext: result.hasNext }),
    {
      notice: doneNotice(c),
    },
  );
}

export async function anomaly(c: RequestContext): Promise<Reply> {
  const id = anomalyId(c);
  const detail = id === undefined ? undefined : await getAnomalyDetail(c.deps.ctx, id);
  if (!detail) return errorPage(c, 404, c.t('error.notFound'));
  return page(c, `${c.t('anom.title')} #${detail.anomaly.anomaly_id}`, renderAnomaly(c, detail), {
    notice: doneNotice(c),
  });
}

export async function resolve(c: RequestContext): Promise<Reply> {
  const id = anomalyId(c);
  const detail = id === undefined ? undefined : await getAnomalyDetail(c.deps.ctx, id);
  if (!detail || id === undefined) return errorPage(c, 404, c.t('error.notFound'));
  const disposition = c.form.get('disposition') ?? '';
  const note = (c.form.get('note') ?? '').trim();
  const until = (c.form.get('until') ?? '').trim();
  const again = (error: string) =>
    page(c, `${c.t('anom.title')} #${id}`, renderAnomaly(c, detail), { status: 400, error });
  if (!isDisposition(disposition)) return again(c.t('error.badRequest'));
  if (!note) return again(c.t('error.NOTE_REQUIRED'));
  if (disposition === 'waived' && !/^\d{4}-\d{2}-\d{2}$/.test(until)) return again(c.t('anom.untilRequired'));
  try {
    await resolveAnomaly(c.deps.ctx, id, {
      actor: userOf(c).username,
      disposition,
      note,
      ...(until ? { waivedUntil: until } : {}),
    });
  } catch (err) {
    if (isCustodianError(err) && err.code === 'DISPOSITION_INVALID') {
      return again(c.t('error.generic', { detail: err.message }));
    }
    throw err;
  }
  return redirect(withDone(`/anomalies/${id}`, 'done.anomalyResolved'));
}
