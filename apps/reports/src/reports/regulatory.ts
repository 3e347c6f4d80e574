import type { Database } from '@custodian/core';
import type { Kysely } from 'kysely';
import { iterateFalseInfoRecords, type RegulatoryData } from '../data/regulatory.js';
import { formatShanghai } from '../format.js';
import { labels, pick, ruleLabel } from '../i18n.js';
import { type CellValue, PDF_ROW_LIMIT, type ReportDoc, staticRows } from '../model.js';

/**
 * 提供虚假客户信息的营销员及代理机构汇总 (quarterly, for the regulator; 002 §3.22-23): who
 * provided confirmed false customer information, how often, and the records concerned (masked).
 */
export function buildRegulatoryDoc(
  db: Kysely<Database>,
  data: RegulatoryData,
  base: Pick<ReportDoc, 'lang' | 'period' | 'periodLabel' | 'generatedAt'>,
): ReportDoc {
  const { lang } = base;
  const L = labels(lang);
  const p = (zh: string, en: string) => pick(lang, zh, en);
  const agents = data.providers.filter((x) => x.is_agent);
  const agencies = data.providers.filter((x) => !x.is_agent);
  return {
    ...base,
    kind: 'regulatory',
    title: L.titles.regulatory!,
    blocks: [
      {
        type: 'text',
        style: 'body',
        text: p(
          `依据 002 §3.22-23，本表汇总${base.periodLabel}经合规复核确认的“虚假信息”处理结果，按提供虚假客户信息的营销员及代理机构列示。客户信息均已脱敏。`,
          `Under 002 §3.22-23, this summary lists the outcomes "confirmed false information" verified by compliance in ${base.periodLabel}, by the agent or agency that provided the false customer information. Customer data is masked.`,
        ),
      },
      {
        type: 'kpis',
        title: p('汇总', 'Totals'),
        items: [
          { label: p('涉及营销员', 'Agents concerned'), value: agents.length, format: 'int' },
          {
            label: p('涉及代理机构及其他', 'Agencies and others concerned'),
            value: agencies.length,
            format: 'int',
          },
          {
            label: p('确认的虚假信息问题件', 'Confirmed false-information flags'),
            value: data.totalFlags,
            format: 'int',
          },
          { label: p('涉及客户记录', 'Customer records concerned'), value: data.totalRecords, format: 'int' },
          {
            label: p('待复核（下季度报送）', 'Awaiting verification (reported once verified)'),
            value: data.pendingVerification,
            format: 'int',
          },
        ],
      },
      {
        type: 'table',
        sheet: p('责任人汇总', 'Providers'),
        title: p('营销员及代理机构', 'Agents and agencies'),
        columns: [
          { label: p('工号/机构', 'Agent / agency'), width: 4 },
          { label: p('类别', 'Kind'), width: 2 },
          { label: p('姓名（脱敏）', 'Name (masked)'), width: 3 },
          { label: p('渠道', 'Channel'), width: 3 },
          { label: p('机构', 'Branch'), width: 3 },
          { label: p('本季问题件', 'Flags (quarter)'), width: 2, align: 'right', format: 'int' },
          { label: p('本季记录数', 'Records (quarter)'), width: 2, align: 'right', format: 'int' },
          { label: p('本年累计', 'Year to date'), width: 2, align: 'right', format: 'int' },
        ],
        rows: staticRows(
          data.providers.map((x) => [
            x.attributed_to,
            x.is_agent ? p('营销员', 'agent') : p('代理机构/其他', 'agency/other'),
            x.name_masked ?? '',
            x.channel ?? '',
            x.branch ?? '',
            x.flags,
            x.records,
            x.year_to_date,
          ]),
        ),
        emptyText: p('本季度无确认的虚假客户信息', 'No confirmed false customer information this quarter'),
      },
      {
        type: 'table',
        sheet: p('涉及记录', 'Records'),
        title: p('涉及的客户记录（脱敏）', 'Records concerned (masked)'),
        columns: [
          { label: p('工号/机构', 'Agent / agency'), width: 3 },
          { label: p('问题件', 'Flag'), width: 2, align: 'right' },
          { label: p('记录编号/档案编号', 'Record / archive no.'), width: 4 },
          { label: p('客户（脱敏）', 'Customer (masked)'), width: 5 },
          { label: p('规则', 'Rule'), width: 5 },
          { label: p('原因', 'Reason'), width: 8 },
          { label: p('渠道/机构', 'Channel / branch'), width: 3 },
          { label: p('确认时间', 'Verified at'), width: 3 },
        ],
        rows: async function* () {
          for await (const page of iterateFalseInfoRecords(db, base.period)) {
            yield page.map((r): CellValue[] => [
              r.attributed_to,
              r.flag_id,
              [r.record_id, r.archive_no].filter(Boolean).join('\n'),
              [r.holder_name_masked, r.holder_id_masked].filter(Boolean).join(' '),
              ruleLabel(lang, r.rule),
              lang === 'en' ? r.reason_en : r.reason_zh,
              [r.channel, r.branch].filter(Boolean).join('\n'),
              formatShanghai(r.closed_at),
            ]);
          }
        },
        emptyText: p('无', 'None'),
        pdfRowLimit: PDF_ROW_LIMIT,
        total: data.totalFlags,
      },
    ],
  };
}
