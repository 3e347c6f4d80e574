import type { AnomalyData } from '../data/anomalies.js';
import type { ManagementData, PeriodFigures } from '../data/management.js';
import {
  ANOMALY_LABELS,
  codeLabel,
  labels,
  outcomeLabel,
  pick,
  ruleLabel,
  SEVERITY_LABELS,
  shortRule,
} from '../i18n.js';
import { type Block, type ReportDoc, staticRows } from '../model.js';

/**
 * 客户信息管理报告 (weekly, monthly, quarterly; rulebook §4): throughput of problem items and
 * deadlines kept (002 §3.13), trends against the previous periods, where the problems come from,
 * and the access anomalies of the period (rulebook §3).
 */
export function buildManagementDoc(
  data: ManagementData,
  anomalies: AnomalyData | undefined,
  base: Pick<ReportDoc, 'lang' | 'period' | 'periodLabel' | 'generatedAt'>,
): ReportDoc {
  const { lang } = base;
  const L = labels(lang);
  const p = (zh: string, en: string) => pick(lang, zh, en);
  const cur = data.periods[data.periods.length - 1]!;
  const prev = data.periods.length > 1 ? data.periods[data.periods.length - 2] : undefined;
  const rate = (kept: number, missed: number) => (kept + missed > 0 ? kept / (kept + missed) : null);
  const none = p('（未填）', '(none)');
  const kind = L.periodKinds[base.period.kind] ?? '';
  const totalRaised = cur.raised;
  const share = (n: number) => (totalRaised > 0 ? n / totalRaised : 0);
  /** A count KPI: the period's figure beside the previous period's (null when there is none). */
  const countKpi = (label: string, key: Exclude<keyof PeriodFigures, 'key'>) => ({
    label,
    value: cur[key],
    previous: prev?.[key] ?? null,
    format: 'int' as const,
  });

  const blocks: Block[] = [
    {
      type: 'text',
      style: 'body',
      text: p(
        `本报告统计${base.periodLabel}（${kind}报）的问题件处理、时限执行、数据质量和访问审计情况，并与此前 ${data.periods.length - 1} 期对比。所有个人信息均已脱敏。`,
        `This ${kind}ly report covers ${base.periodLabel}: problem items, deadlines (002 §3.13), data quality and access audit, compared with the ${data.periods.length - 1} previous periods. All personal data is masked.`,
      ),
    },
    {
      type: 'kpis',
      title: p('主要指标', 'Key figures'),
      items: [
        countKpi(p('新增问题件', 'Flags raised'), 'raised'),
        countKpi(p('已处理（提交结果）', 'Outcomes recorded'), 'resolved'),
        countKpi(p('已关闭（复核通过）', 'Flags closed (verified)'), 'closed'),
        countKpi(p('期末未关闭', 'Open at end of period'), 'openAtEnd'),
        countKpi(p('期末逾期未处理', 'Overdue at end of period'), 'overdueAtEnd'),
        countKpi(p('本期到期', 'Due in period'), 'due'),
        countKpi(p('按期完成', 'Deadlines kept'), 'kept'),
        countKpi(p('逾期', 'Deadlines missed'), 'missed'),
        {
          label: p('按期完成率', 'Deadlines kept (share)'),
          value: rate(cur.kept, cur.missed),
          previous: prev ? rate(prev.kept, prev.missed) : null,
          format: 'pct',
        },
        countKpi(p('入库批次', 'Batches ingested'), 'batches'),
        countKpi(p('读取记录行', 'Rows read'), 'rowsRead'),
        countKpi(p('隔离行', 'Rows quarantined'), 'rowsQuarantined'),
        {
          label: p('期末档案记录数', 'Records in the archive at end'),
          value: data.archiveAtEnd,
          format: 'int',
        },
      ],
    },
    {
      type: 'chart',
      chart: 'line',
      title: p('问题件趋势', 'Flags over the periods'),
      categories: data.periods.map((x) => x.key),
      series: [
        { name: p('新增', 'raised'), values: data.periods.map((x) => x.raised) },
        { name: p('已处理', 'outcome recorded'), values: data.periods.map((x) => x.resolved) },
        { name: p('已关闭', 'closed'), values: data.periods.map((x) => x.closed) },
        { name: p('期末未关闭', 'open at end'), values: data.periods.map((x) => x.openAtEnd) },
      ],
      unit: L.count,
    },
    {
      type: 'table',
      sheet: p('趋势', 'Trend'),
      title: p('各期对比', 'Period by period'),
      columns: [
        { label: L.period, width: 3 },
        { label: p('新增', 'Raised'), width: 2, align: 'right', format: 'int' },
        { label: p('已处理', 'Resolved'), width: 2, align: 'right', format: 'int' },
        { label: p('已关闭', 'Closed'), width: 2, align: 'right', format: 'int' },
        { label: p('期末未关闭', 'Open at end'), width: 2, align: 'right', format: 'int' },
        { label: p('按期', 'Kept'), width: 2, align: 'right', format: 'int' },
        { label: p('逾期', 'Missed'), width: 2, align: 'right', format: 'int' },
        { label: p('按期率', 'Kept %'), width: 2, align: 'right', format: 'pct' },
        { label: p('读取行', 'Rows read'), width: 2, align: 'right', format: 'int' },
        { label: p('隔离行', 'Quarantined'), width: 2, align: 'right', format: 'int' },
      ],
      rows: staticRows(
        data.periods.map((x) => [
          x.key,
          x.raised,
          x.resolved,
          x.closed,
          x.openAtEnd,
          x.kept,
          x.missed,
          rate(x.kept, x.missed),
          x.rowsRead,
          x.rowsQuarantined,
        ]),
      ),
      emptyText: L.noData,
    },
    {
      type: 'text',
      style: 'heading',
      text: p('各渠道时限执行情况（002 §3.13）', 'Deadlines by channel (002 §3.13)'),
    },
    {
      type: 'chart',
      chart: 'bar',
      title: p('各渠道按期与逾期', 'Deadlines kept and missed by channel'),
      categories: data.channels.map((c) => c.channel ?? none),
      series: [
        { name: p('按期', 'kept'), values: data.channels.map((c) => c.kept) },
        { name: p('逾期', 'missed'), values: data.channels.map((c) => c.missed) },
        { name: p('未到期', 'pending'), values: data.channels.map((c) => c.pending) },
      ],
      unit: L.count,
    },
    {
      type: 'table',
      sheet: p('渠道时限', 'Channels'),
      title: p('各渠道问题件与时限', 'Flags and deadlines by channel'),
      columns: [
        { label: p('渠道', 'Channel'), width: 3 },
        { label: p('新增', 'Raised'), width: 2, align: 'right', format: 'int' },
        { label: p('已关闭', 'Closed'), width: 2, align: 'right', format: 'int' },
        { label: p('本期到期', 'Due'), width: 2, align: 'right', format: 'int' },
        { label: p('按期', 'Kept'), width: 2, align: 'right', format: 'int' },
        { label: p('逾期', 'Missed'), width: 2, align: 'right', format: 'int' },
        { label: p('未到期', 'Pending'), width: 2, align: 'right', format: 'int' },
        { label: p('按期率', 'Kept %'), width: 2, align: 'right', format: 'pct' },
        { label: p('期末未关闭', 'Open at end'), width: 2, align: 'right', format: 'int' },
      ],
      rows: staticRows(
        data.channels.map((c) => [
          c.channel ?? none,
          c.raised,
          c.closed,
          c.due,
          c.kept,
          c.missed,
          c.pending,
          rate(c.kept, c.missed),
          c.openAtEnd,
        ]),
      ),
      emptyText: L.noData,
    },
    { type: 'text', style: 'heading', text: p('问题来源', 'Where the problems come from') },
    {
      type: 'chart',
      chart: 'bar',
      title: p('新增问题件最多的规则', 'Top rules by flags raised'),
      categories: data.topRules.map((r) => shortRule(lang, r.key ?? '')),
      series: [{ name: p('新增问题件', 'flags raised'), values: data.topRules.map((r) => r.n) }],
      unit: L.count,
    },
    {
      type: 'table',
      sheet: p('规则排名', 'Top rules'),
      title: p('规则排名（前 10）', 'Top 10 rules'),
      columns: [
        { label: p('规则', 'Rule'), width: 7 },
        { label: L.count, width: 2, align: 'right', format: 'int' },
        { label: L.share, width: 2, align: 'right', format: 'pct' },
      ],
      rows: staticRows(data.topRules.map((r) => [ruleLabel(lang, r.key ?? ''), r.n, share(r.n)])),
      emptyText: L.noData,
    },
    {
      type: 'table',
      sheet: p('机构排名', 'Top branches'),
      title: p('机构排名（前 10）', 'Top 10 branches'),
      columns: [
        { label: p('机构', 'Branch'), width: 7 },
        { label: L.count, width: 2, align: 'right', format: 'int' },
        { label: L.share, width: 2, align: 'right', format: 'pct' },
      ],
      rows: staticRows(data.topBranches.map((r) => [r.key ?? none, r.n, share(r.n)])),
      emptyText: L.noData,
    },
    {
      type: 'table',
      sheet: p('营销员排名', 'Top agents'),
      title: p('营销员排名（前 10，姓名脱敏）', 'Top 10 agents (names masked)'),
      columns: [
        { label: p('营销员工号', 'Agent'), width: 3 },
        { label: p('姓名', 'Name'), width: 3 },
        { label: p('渠道', 'Channel'), width: 3 },
        { label: L.count, width: 2, align: 'right', format: 'int' },
        { label: L.share, width: 2, align: 'right', format: 'pct' },
      ],
      rows: staticRows(
        data.topAgents.map((r) => [r.key ?? '', r.label ?? '', r.channel ?? none, r.n, share(r.n)]),
      ),
      emptyText: L.noData,
    },
    {
      type: 'table',
      sheet: p('处理结果', 'Outcomes'),
      title: p('本期处理结果', 'Outcomes recorded in the period'),
      columns: [
        { label: p('处理结果', 'Outcome'), width: 7 },
        { label: L.count, width: 2, align: 'right', format: 'int' },
      ],
      rows: staticRows(data.outcomes.map((r) => [`${outcomeLabel(lang, r.key)} (${r.key})`, r.n])),
      emptyText: L.noData,
    },
    {
      type: 'text',
      style: 'heading',
      text: p('访问审计异常（按类型与部门）', 'Access anomalies by code and department'),
    },
  ];

  if (!anomalies) {
    blocks.push({
      type: 'text',
      style: 'body',
      text: p(
        '无访问审计数据（访问日志审计尚未启用）。',
        'No access-audit data (the access-log audit is not set up yet).',
      ),
    });
  } else {
    blocks.push(
      {
        type: 'chart',
        chart: 'bar',
        title: p('各类访问异常', 'Access anomalies by code'),
        categories: anomalies.byCode.map((a) => codeLabel(ANOMALY_LABELS, lang, a.code)),
        series: [{ name: p('异常', 'anomalies'), values: anomalies.byCode.map((a) => a.anomalies) }],
        unit: L.count,
      },
      {
        type: 'table',
        sheet: p('访问异常类型', 'Anomalies by code'),
        title: p('访问异常（按类型）', 'Access anomalies by code'),
        columns: [
          { label: p('类型', 'Code'), width: 7 },
          { label: p('严重程度', 'Severity'), width: 2 },
          { label: p('异常数', 'Anomalies'), width: 2, align: 'right', format: 'int' },
          { label: p('涉及事件', 'Events'), width: 2, align: 'right', format: 'int' },
          { label: p('待处理', 'Open'), width: 2, align: 'right', format: 'int' },
          { label: p('已确认', 'Confirmed'), width: 2, align: 'right', format: 'int' },
        ],
        rows: staticRows(
          anomalies.byCode.map((a) => [
            `${a.code} ${codeLabel(ANOMALY_LABELS, lang, a.code)}`,
            codeLabel(SEVERITY_LABELS, lang, a.severity),
            a.anomalies,
            a.events,
            a.open,
            a.confirmed,
          ]),
        ),
        emptyText: p('本期无访问异常', 'No access anomaly in this period'),
      },
      {
        type: 'table',
        sheet: p('访问异常部门', 'Anomalies by department'),
        title: p('访问异常（按部门）', 'Access anomalies by department'),
        columns: [
          { label: p('部门', 'Department'), width: 7 },
          { label: p('异常数', 'Anomalies'), width: 2, align: 'right', format: 'int' },
          { label: p('涉及事件', 'Events'), width: 2, align: 'right', format: 'int' },
          { label: p('涉及人员', 'Operators'), width: 2, align: 'right', format: 'int' },
        ],
        rows: staticRows(
          anomalies.byDepartment.map((a) => [a.department ?? none, a.anomalies, a.events, a.operators]),
        ),
        emptyText: p('本期无访问异常', 'No access anomaly in this period'),
      },
    );
  }
  return {
    ...base,
    kind: 'management',
    title: p(`${L.titles.management}（${kind}报）`, `${L.titles.management} (${kind}ly)`),
    blocks,
  };
}
