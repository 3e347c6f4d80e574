import { readFile } from 'node:fs/promises';
import { appendAuditTrail, shanghaiDate } from '@custodian/core';
import { loadDashboardStats } from '../dashboard/stats.js';
import { type Reply, type RequestContext, userOf } from '../http/context.js';
import { listReportFiles, locateReportFile } from '../reports/report-files.js';
import { renderDashboard } from '../views/dashboard.js';
import { errorPage, page } from '../views/layout.js';

export async function dashboard(c: RequestContext): Promise<Reply> {
  const [stats, reports] = await Promise.all([
    loadDashboardStats(c.deps.ctx.storage.db, shanghaiDate(c.now)),
    listReportFiles(c.deps.ctx.config.reports.outDir),
  ]);
  return page(c, c.t('dash.title'), renderDashboard(c, stats, reports));
}

/** A generated report file; the download is audited (003 §23: copies and extracts are recorded). */
export async function downloadReport(c: RequestContext): Promise<Reply> {
  const path = c.query.get('file') ?? '';
  const found = await locateReportFile(c.deps.ctx.config.reports.outDir, path);
  if (!found) return errorPage(c, 404, c.t('error.notFound'));
  const body = await readFile(found.file);
  await appendAuditTrail(c.deps.ctx.storage.db, {
    actor: userOf(c).username,
    action: 'report.download',
    targetType: 'report',
    targetId: path,
    detail: { bytes: body.length },
  });
  const ascii = found.name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return {
    status: 200,
    headers: {
      'content-type': found.contentType,
      'content-disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(found.name)}`,
    },
    body,
  };
}
