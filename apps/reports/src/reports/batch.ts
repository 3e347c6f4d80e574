import type { BatchData } from '../data/batch.js';
import { formatShanghai } from '../format.js';
import { codeLabel, fieldLabel, labels, pick, ruleLabel, SEVERITY_LABELS, shortRule } from '../i18n.js';
import { type ReportDoc, staticRows } from '../model.js';

/** 批次数据质量报告: the data quality of one ingestion (rulebook §1). */
export function buildBatchDoc(
  data: BatchData,
  base: Pick<ReportDoc, 'lang' | 'period' | 'periodLabel' | 'generatedAt'>,
): ReportDoc {
  const { lang } = base;
  const L = labels(lang);
  const p = (zh: string, en: string) => pick(lang, zh, en);
  const b = data.batch;
  const share = (n: number, of: number) => (of > 0 ? n / of : 0);
  const countColumns = (first: string) => [
    { label: first, width: 6 },
    { label: L.count, width: 2, align: 'right' as const, format: 'int' as const },
    { label: L.share, width: 2, align: 'right' as const, format: 'pct' as const },
  ];
  const none = p('（未填）', '(none)');
  return {
    ...base,
    kind: 'batch',
    title: `${L.titles.batch} #${b.batch_id}`,
    blocks: [
      {
        type: 'text',
        style: 'body',
        text: p(
          `批次 #${b.batch_id}：文件 ${b.file_name}，${b.ingested_on} 入库（${b.profile} 规则配置），状态 ${b.status}，处理时间 ${formatShanghai(b.started_at)} 至 ${formatShanghai(b.finished_at)}。`,
          `Batch #${b.batch_id}: file ${b.file_name}, ingested on ${b.ingested_on} (profile ${b.profile}), status ${b.status}, processed ${formatShanghai(b.started_at)} to ${formatShanghai(b.finished_at)}.`,
        ),
      },
      {
        type: 'kpis',
        title: p('批次概况', 'Batch at a glance'),
        items: [
          { label: p('读取行数', 'Rows read'), value: b.rows_read, format: 'int' },
          {
            label: p('隔离行数（无法解析）', 'Rows quarantined (unreadable)'),
            value: b.rows_quarantined,
            format: 'int',
          },
          { label: p('入库记录', 'Records accepted'), value: data.accepted, format: 'int' },
          { label: p('被标记的记录', 'Records flagged'), value: b.rows_flagged, format: 'int' },
          { label: p('标记率', 'Flagged share'), value: share(b.rows_flagged, data.accepted), format: 'pct' },
          {
            label: p('本批次新产生的问题件', 'Flags raised by this batch'),
            value: data.flagsRaised,
            format: 'int',
          },
          ...data.bySeverity.map((s) => ({
            label: `${p('其中', 'of which')} ${codeLabel(SEVERITY_LABELS, lang, s.key)}`,
            value: s.n,
            format: 'int' as const,
          })),
        ],
      },
      {
        type: 'table',
        sheet: p('必填项完整率', 'Completeness'),
        title: p('必填项完整率（002 §3.5）', 'Completeness of mandatory fields (002 §3.5)'),
        columns: [
          { label: p('字段', 'Field'), width: 6 },
          { label: p('缺失记录', 'Missing'), width: 2, align: 'right', format: 'int' },
          { label: p('完整率', 'Complete'), width: 2, align: 'right', format: 'pct' },
        ],
        rows: staticRows(
          data.completeness.map((c) => [
            `${fieldLabel(lang, c.field)} (${c.field})`,
            c.missing,
            data.accepted > 0 ? 1 - c.missing / data.accepted : 1,
          ]),
        ),
        emptyText: L.none,
      },
      {
        type: 'text',
        style: 'note',
        text: p(
          '完整率 = 1 − 本批次因该字段缺失而产生的问题件（MISSING_REQUIRED）所涉记录数 / 入库记录数；被保险人字段仅在记录含被保险人时要求，未成年被保险人的证件号码除外。',
          'Completeness = 1 − records this batch flagged MISSING_REQUIRED for the field / records accepted; insured fields are required only when the record has an insured party, and a minor insured may lack an ID number.',
        ),
      },
      {
        type: 'chart',
        chart: 'bar',
        title: p('各规则问题件数', 'Flags by rule'),
        categories: data.byRule.slice(0, 12).map((r) => shortRule(lang, r.key ?? '')),
        series: [{ name: p('问题件', 'Flags'), values: data.byRule.slice(0, 12).map((r) => r.n) }],
        unit: L.count,
      },
      {
        type: 'table',
        sheet: p('按规则', 'By rule'),
        title: p('按规则', 'Findings by rule'),
        columns: [
          { label: p('规则', 'Rule'), width: 6 },
          { label: p('严重程度', 'Severity'), width: 2 },
          { label: L.count, width: 2, align: 'right', format: 'int' },
          { label: L.share, width: 2, align: 'right', format: 'pct' },
        ],
        rows: staticRows(
          data.byRule.map((r) => [
            ruleLabel(lang, r.key ?? ''),
            codeLabel(SEVERITY_LABELS, lang, r.severity),
            r.n,
            share(r.n, data.flagsRaised),
          ]),
        ),
        emptyText: p('本批次未产生问题件', 'This batch raised no flags'),
      },
      {
        type: 'table',
        sheet: p('按机构', 'By branch'),
        title: p('按机构', 'Findings by branch'),
        columns: countColumns(p('机构', 'Branch')),
        rows: staticRows(data.byBranch.map((r) => [r.key ?? none, r.n, share(r.n, data.flagsRaised)])),
        emptyText: L.none,
      },
      {
        type: 'table',
        sheet: p('按渠道', 'By channel'),
        title: p('按渠道', 'Findings by channel'),
        columns: countColumns(p('渠道', 'Channel')),
        rows: staticRows(data.byChannel.map((r) => [r.key ?? none, r.n, share(r.n, data.flagsRaised)])),
        emptyText: L.none,
      },
      {
        type: 'table',
        sheet: p('隔离原因', 'Quarantine'),
        title: p('隔离原因', 'Quarantine reasons'),
        columns: countColumns(p('原因', 'Reason')),
        rows: staticRows(
          data.quarantineReasons.map((r) => [r.key ?? '', r.n, share(r.n, b.rows_quarantined)]),
        ),
        emptyText: p('无隔离行', 'No row was quarantined'),
      },
    ],
  };
}
