import type { Anomaly } from '@custodian/core';

/**
 * Plain-text tables for the terminal: the top anomalies and the riskiest operator-days. Only
 * masked values appear (operator ids, archive numbers, counts).
 */
function pad(s: string, n: number): string {
  // East-Asian characters take two columns.
  let w = 0;
  for (const ch of s) w += /[\u1100-\uFFDC]/.test(ch) ? 2 : 1;
  return w >= n ? s : s + ' '.repeat(n - w);
}

export function anomalyTable(rows: Anomaly[]): string[] {
  const out = [
    `${pad('#', 7)}${pad('score', 8)}${pad('code', 27)}${pad('sev', 8)}${pad('operator', 10)}${pad('day', 11)}${pad('events', 7)}archives / reason`,
  ];
  for (const a of rows) {
    const arch =
      a.archive_nos.slice(0, 3).join(',') + (a.archive_nos.length > 3 ? ` +${a.archive_nos.length - 3}` : '');
    out.push(
      `${pad(String(a.anomaly_id), 7)}${pad(a.score.toFixed(1), 8)}${pad(a.code, 27)}${pad(a.severity, 8)}${pad(a.operator_id, 10)}${pad(a.day, 11)}${pad(String(a.event_count), 7)}${arch ? `${arch}  ` : ''}${a.reason_zh}`,
    );
  }
  return out;
}

export function riskTable(
  rows: {
    operator_id: string;
    day: string;
    score: number;
    anomaly_count: number;
    department: string | null;
  }[],
): string[] {
  const out = [`${pad('operator', 10)}${pad('day', 11)}${pad('risk', 8)}${pad('anomalies', 10)}department`];
  for (const r of rows)
    out.push(
      `${pad(r.operator_id, 10)}${pad(r.day, 11)}${pad(r.score.toFixed(1), 8)}${pad(String(r.anomaly_count), 10)}${r.department ?? '-'}`,
    );
  return out;
}
