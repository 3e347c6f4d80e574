import type { Database } from '@custodian/core';
import type { Kysely } from 'kysely';
import { iterateDestructions, iterateDueRecords, type RetentionSummary } from '../data/retention.js';
import { formatShanghai } from '../format.js';
import { labels, pick } from '../i18n.js';
import { type CellValue, PDF_ROW_LIMIT, type ReportDoc } from '../model.js';

const DAY_MS = 86_400_000;

/**
 * 客户档案保管期限与销毁报告 (000; 004 §4.3): what is past its retention period and due for
 * destruction, and every destruction done in the period with its time, method and person.
 */
export function buildRetentionDoc(
  db: Kysely<Database>,
  data: RetentionSummary,
  base: Pick<ReportDoc, 'lang' | 'period' | 'periodLabel' | 'generatedAt'>,
): ReportDoc {
  const { lang } = base;
  const L = labels(lang);
  const p = (zh: string, en: string) => pick(lang, zh, en);
  const asOf = base.period.to;
  const none = p('（未填）', '(none)');
  return {
    ...base,
    kind: 'retention',
    title: L.titles.retention!,
    blocks: [
      {
        type: 'text',
        style: 'body',
        text: p(
          `截至 ${asOf}，已超过保管期限（retention_until）而尚未销毁的客户记录应列入销毁；本期完成的每一次销毁均记录时间、方式和执行人。客户信息均已脱敏。`,
          `As of ${asOf}, customer records past their retention period (retention_until) and not yet destroyed are due for destruction; every destruction done in the period is listed with its time, method and person. Customer data is masked.`,
        ),
      },
      {
        type: 'kpis',
        title: p('汇总', 'Totals'),
        items: [
          {
            label: p('到期待销毁记录（期末）', 'Due for destruction (end of period)'),
            value: data.due,
            format: 'int',
          },
          {
            label: p('其中本期新到期', 'of which newly due in the period'),
            value: data.newlyDue,
            format: 'int',
          },
          { label: p('本期已销毁', 'Destroyed in the period'), value: data.destroyed, format: 'int' },
          ...data.destroyedByMethod.map((m) => ({
            label: `${p('销毁方式', 'method')}: ${m.method}`,
            value: m.n,
            format: 'int' as const,
          })),
        ],
      },
      {
        type: 'chart',
        chart: 'bar',
        title: p('到期待销毁记录（按机构，前 20）', 'Due for destruction by branch (top 20)'),
        categories: data.dueByBranch.map((b) => b.branch ?? none),
        series: [{ name: p('待销毁', 'due'), values: data.dueByBranch.map((b) => b.n) }],
        unit: L.count,
      },
      {
        type: 'table',
        sheet: p('待销毁', 'Due for destruction'),
        title: p('到期待销毁记录', 'Records due for destruction'),
        columns: [
          { label: p('记录编号', 'Record'), width: 3 },
          { label: p('档案编号', 'Archive no.'), width: 3 },
          { label: p('客户（脱敏）', 'Customer (masked)'), width: 2 },
          { label: p('渠道', 'Channel'), width: 2 },
          { label: p('机构', 'Branch'), width: 3 },
          { label: p('签单日期', 'Signed on'), width: 2.5 },
          { label: p('保管期至', 'Retain until'), width: 2.5 },
          { label: p('超期天数', 'Days past'), width: 2, align: 'right', format: 'int' },
        ],
        rows: async function* () {
          const end = Date.parse(`${asOf}T00:00:00Z`);
          for await (const page of iterateDueRecords(db, base.period)) {
            yield page.map((r): CellValue[] => [
              r.record_id,
              r.archive_no ?? '',
              r.holder_name_masked ?? '',
              r.channel ?? '',
              r.branch ?? '',
              r.sign_date ?? '',
              r.retention_until,
              Math.max(0, Math.round((end - Date.parse(`${r.retention_until}T00:00:00Z`)) / DAY_MS)),
            ]);
          }
        },
        emptyText: p('无到期待销毁的记录', 'No record is due for destruction'),
        pdfRowLimit: PDF_ROW_LIMIT,
        total: data.due,
      },
      {
        type: 'table',
        sheet: p('销毁记录', 'Destructions'),
        title: p('本期销毁记录', 'Destructions done in the period'),
        columns: [
          { label: p('销毁时间', 'Destroyed at'), width: 3 },
          { label: p('方式', 'Method'), width: 3 },
          { label: p('执行人', 'Person'), width: 2.5 },
          { label: p('记录编号', 'Record'), width: 3 },
          { label: p('档案编号', 'Archive no.'), width: 3 },
          { label: p('原因', 'Reason'), width: 5 },
        ],
        rows: async function* () {
          for await (const page of iterateDestructions(db, base.period)) {
            yield page.map((r): CellValue[] => [
              formatShanghai(r.destroyed_at),
              r.method,
              r.actor,
              r.record_id,
              r.archive_no ?? '',
              r.reason ?? '',
            ]);
          }
        },
        emptyText: p('本期无销毁', 'No destruction in this period'),
        pdfRowLimit: PDF_ROW_LIMIT,
        total: data.destroyed,
      },
    ],
  };
}
