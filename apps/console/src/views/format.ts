import { shanghaiTimeOfDay } from '@custodian/core';
import type { MessageKey, Translate } from '../i18n.js';
import { isMessageKey } from '../i18n.js';
import type { DeadlineState } from '../queue/deadline.js';
import { html, type SafeHtml } from './html.js';

/** An instant as Asia/Shanghai `YYYY-MM-DD HH:MM`, the time staff read. */
export function formatInstant(ts: Date | string | null | undefined): string {
  if (!ts) return '';
  const d = shanghaiTimeOfDay(ts);
  return `${d.date} ${String(d.hour).padStart(2, '0')}:${String(d.minute).padStart(2, '0')}`;
}

/** A translated label for `prefix.value` when one exists, else the value itself (shown as text). */
export function label(t: Translate, prefix: string, value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return t('common.none');
  const key = `${prefix}.${value}`;
  return isMessageKey(key) ? t(key as MessageKey) : value;
}

export function deadlineBadge(t: Translate, d: DeadlineState): SafeHtml {
  switch (d.kind) {
    case 'onTime':
      return html`<span class="badge ok">${t('deadline.onTime', { n: d.workingDaysLeft })}</span>`;
    case 'dueToday':
      return html`<span class="badge warn">${t('deadline.dueToday')}</span>`;
    case 'overdue':
      return html`<span class="badge bad">${t('deadline.overdue', { n: d.workingDaysLate })}</span>`;
    case 'kept':
      return html`<span class="badge ok">${t('deadline.kept')}</span>`;
    case 'late':
      return html`<span class="badge bad">${t('deadline.late')}</span>`;
  }
}

export function severityBadge(t: Translate, severity: string): SafeHtml {
  return html`<span class="sev sev-${severity === 'error' || severity === 'warning' ? severity : 'info'}">${label(t, 'severity', severity)}</span>`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
