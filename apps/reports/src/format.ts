import { shanghaiTimeOfDay } from '@custodian/core';
import type { Lang } from './i18n.js';
import type { CellValue } from './model.js';
import type { Period } from './periods.js';

/** Display formats shared by the PDF and XLSX renderers. */
export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatPct(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

export function formatCell(v: CellValue, format: 'text' | 'int' | 'pct' | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    if (format === 'pct') return formatPct(v);
    if (format === 'int' || Number.isInteger(v)) return formatInt(v);
    return v.toFixed(2);
  }
  return v;
}

/** `2026-11-23 07:30` in Asia/Shanghai. */
export function formatShanghai(ts: Date | string | null): string {
  if (ts === null) return '';
  const t = shanghaiTimeOfDay(typeof ts === 'string' ? new Date(ts) : ts);
  return `${t.date} ${String(t.hour).padStart(2, '0')}:${String(t.minute).padStart(2, '0')}`;
}

/** A Shanghai wall-clock time as an instant: `2026-11-23` + `07:30` → 2026-11-22T23:30:00Z. */
export function shanghaiInstant(date: string, hhmm: string): Date {
  const [h, m] = hhmm.split(':');
  return new Date(`${date}T${h!.padStart(2, '0')}:${m}:00+08:00`);
}

export function periodLabel(p: Period, lang: Lang): string {
  const [y, m] = [p.from.slice(0, 4), Number(p.from.slice(5, 7))];
  switch (p.kind) {
    case 'day':
      return p.from;
    case 'week':
      return `${p.key} (${p.from} – ${p.to})`;
    case 'month':
      return lang === 'en' ? `${p.key} (${p.from} – ${p.to})` : `${y}年${m}月`;
    case 'quarter':
      return lang === 'en'
        ? `${p.key} (${p.from} – ${p.to})`
        : `${y}年第${p.key.slice(-1)}季度（${p.from} 至 ${p.to}）`;
  }
}

/** Change from `previous` to `current`, as `+12.5%` / `-3` / `—` when not comparable. */
export function formatChange(current: number, previous: number | null | undefined): string {
  if (previous === null || previous === undefined) return '—';
  if (previous === 0) return current === 0 ? '0' : `+${formatInt(current)}`;
  const pct = ((current - previous) / previous) * 100;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`;
}
