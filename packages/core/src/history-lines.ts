import { shanghaiTimeOfDay } from './calendar/shanghai-time.js';

/**
 * One step of a history (a flag's, an anomaly's) for a reader: the time in Asia/Shanghai (the
 * reviewers' clock, not UTC), who, what, the step's details as `key value`, and its note last, on
 * lines of its own.
 */
export function historyLines(e: {
  at: Date | string;
  actor: string;
  action: string;
  detail: unknown;
}): string[] {
  const t = shanghaiTimeOfDay(new Date(e.at));
  const when = `${t.date} ${String(t.hour).padStart(2, '0')}:${String(t.minute).padStart(2, '0')}`;
  const detail = (e.detail ?? {}) as Record<string, unknown>;
  const parts = Object.entries(detail)
    .filter(([k, v]) => k !== 'note' && v !== null && v !== undefined)
    .map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  const lines = [`${when}  ${e.actor}  ${e.action}${parts.length > 0 ? `  ${parts.join(', ')}` : ''}`];
  if (typeof detail['note'] === 'string') {
    const [first, ...rest] = detail['note'].split(/\r?\n/);
    lines.push(`  note: ${first}`, ...rest.map((l) => `        ${l}`));
  }
  return lines;
}
