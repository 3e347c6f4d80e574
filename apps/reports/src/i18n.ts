import { OUTCOME_LABELS, type ReviewOutcome } from '@custodian/core';
import { FIELD_LABELS } from '@custodian/validators';

/**
 * Labels of the reports in Chinese (the default: the readers are Chinese managers, compliance
 * staff and the regulator) and English. Every label a renderer prints comes from here, so that a
 * report is entirely in one language; codes (rule codes, outcome codes) stay as written.
 */
export type Lang = 'zh' | 'en';

export const LANGS: readonly Lang[] = ['zh', 'en'];

const zh = {
  marking: '内部资料 注意保密',
  page: (n: number, total: number) => `第 ${n} 页 / 共 ${total} 页`,
  period: '报告期',
  generatedAt: '生成时间',
  scheduledNote: '（计划时点）',
  continued: '（续）',
  truncated: (shown: number, total: number | undefined) =>
    `PDF 仅列出前 ${shown.toLocaleString('en-US')} 行${total !== undefined ? `（共 ${total.toLocaleString('en-US')} 行）` : ''}，完整清单见同名 Excel 工作簿。`,
  none: '无',
  noData: '本期无数据',
  chartDataNote:
    'Excel 工作簿不含原生图表（exceljs 不支持写入图表）：图表数据列于本工作表，图形见同名 PDF 报告。',
  summary: '概要',
  chartData: '图表数据',
  item: '项目',
  value: '数值',
  count: '数量',
  share: '占比',
  previous: '上期',
  change: '变化',
  periodKinds: { day: '日', week: '周', month: '月', quarter: '季度' } as Record<string, string>,
  titles: {
    'problem-list': '问题件清单',
    batch: '批次数据质量报告',
    management: '客户信息管理报告',
    regulatory: '提供虚假客户信息的营销员及代理机构汇总（季度）',
    retention: '客户档案保管期限与销毁报告',
  } as Record<string, string>,
};

export type Labels = typeof zh;

const en: Labels = {
  marking: '内部资料 注意保密 · Internal — confidential',
  page: (n, total) => `Page ${n} of ${total}`,
  period: 'Period',
  generatedAt: 'Generated',
  scheduledNote: ' (scheduled time)',
  continued: ' (continued)',
  truncated: (shown, total) =>
    `The PDF lists the first ${shown.toLocaleString('en-US')} rows${total !== undefined ? ` of ${total.toLocaleString('en-US')}` : ''}; the workbook of the same report holds them all.`,
  none: 'none',
  noData: 'No data for this period',
  chartDataNote:
    'The workbook holds no native charts (exceljs cannot write them): the chart data is in this sheet; the drawn charts are in the PDF of the same report.',
  summary: 'Summary',
  chartData: 'Chart data',
  item: 'Item',
  value: 'Value',
  count: 'Count',
  share: 'Share',
  previous: 'Previous',
  change: 'Change',
  periodKinds: { day: 'day', week: 'week', month: 'month', quarter: 'quarter' },
  titles: {
    'problem-list': 'Suspicious-record list',
    batch: 'Batch data-quality report',
    management: 'Customer-information management report',
    regulatory: 'Agents and agencies that provided false customer information (quarterly)',
    retention: 'Retention and destruction report',
  },
};

export function labels(lang: Lang): Labels {
  return lang === 'en' ? en : zh;
}

/** Picks the Chinese or English text. */
export function pick(lang: Lang, zhText: string, enText: string): string {
  return lang === 'en' ? enText : zhText;
}

/** Names of the rule codes of rulebook §1. */
export const RULE_LABELS: Record<string, { zh: string; en: string }> = {
  MISSING_REQUIRED: { zh: '必填项缺失', en: 'mandatory field missing' },
  ID_FORMAT: { zh: '证件号码格式错误', en: 'ID number format' },
  ID_REGION: { zh: '证件地区码无效', en: 'ID region code' },
  ID_BIRTHDATE: { zh: '证件出生日期无效', en: 'ID birth date invalid' },
  ID_CHECKSUM: { zh: '证件校验码错误', en: 'ID check digit' },
  ID_GENDER_MISMATCH: { zh: '性别与证件不符', en: 'gender differs from ID' },
  ID_BIRTHDATE_MISMATCH: { zh: '出生日期与证件不符', en: 'birth date differs from ID' },
  DUP_PHONE: { zh: '不同客户同一电话', en: 'phone shared by customers' },
  DUP_BANK_ACCOUNT: { zh: '不同客户同一账号', en: 'bank account shared by customers' },
  AGENT_CONTACT_SUBSTITUTION: { zh: '营销员联系方式代填', en: 'agent contact in place of customer' },
  BANK_ACCOUNT_HOLDER_MISMATCH: { zh: '缴费账户非投保人', en: 'account not in holder name' },
  CONSENT_MISSING: { zh: '未经客户同意采集', en: 'collected without consent' },
  PHONE_FORMAT: { zh: '电话号码无效', en: 'phone number invalid' },
  PHONE_PLACEHOLDER: { zh: '疑似占位电话', en: 'placeholder phone' },
  BANK_ACCOUNT_FORMAT: { zh: '银行账号格式错误', en: 'bank account format' },
  BANK_ACCOUNT_LUHN: { zh: '银行账号校验错误', en: 'bank account check digit' },
  ID_CONFLICT: { zh: '同一证件不同身份', en: 'one ID, different identities' },
  ID_LINE_LIMIT: { zh: '一证号码超限', en: 'too many lines per ID' },
  AGENT_RECHECK: { zh: '营销员被投诉需复核', en: 'agent under re-check' },
};

export function ruleLabel(lang: Lang, rule: string): string {
  const l = RULE_LABELS[rule];
  return l ? `${rule} ${lang === 'en' ? l.en : l.zh}` : rule;
}

/** The rule's name alone (chart categories), or its code when it has none. */
export function shortRule(lang: Lang, rule: string): string {
  const l = RULE_LABELS[rule];
  return l ? (lang === 'en' ? l.en : l.zh) : rule;
}

export const SEVERITY_LABELS: Record<string, { zh: string; en: string }> = {
  error: { zh: '错误', en: 'error' },
  warning: { zh: '警告', en: 'warning' },
  info: { zh: '提示', en: 'info' },
};

export const STATUS_LABELS: Record<string, { zh: string; en: string }> = {
  open: { zh: '待处理', en: 'open' },
  assigned: { zh: '已分派', en: 'assigned' },
  resolved: { zh: '待复核', en: 'awaiting verification' },
  closed: { zh: '已关闭', en: 'closed' },
};

export const ALL_OUTCOME_LABELS: Record<string, { zh: string; en: string }> = {
  ...OUTCOME_LABELS,
  auto_corrected: { zh: '来源已更正', en: 'corrected at source' },
};

/** Access-anomaly codes of rulebook §3. */
export const ANOMALY_LABELS: Record<string, { zh: string; en: string }> = {
  ACCESS_WITHOUT_APPROVAL: { zh: '无审批访问', en: 'access without approval' },
  APPROVAL_SCOPE_EXCEEDED: { zh: '超出审批范围', en: 'approval scope exceeded' },
  ACCESS_AFTER_DEPARTURE: { zh: '离岗后访问', en: 'access after departure' },
  CLEARANCE_VIOLATION: { zh: '越级访问涉密档案', en: 'clearance violation' },
  BULK_EXPORT: { zh: '批量导出', en: 'bulk export' },
  LOAN_OVERDUE: { zh: '借阅逾期未还', en: 'loan overdue' },
  VOLUME_SPIKE: { zh: '访问量突增', en: 'volume spike' },
  OFF_HOURS_ACCESS: { zh: '非工作时间访问', en: 'off-hours access' },
  ENUMERATION: { zh: '遍历查询', en: 'enumeration' },
  TARGET_SNOOPING: { zh: '定向窥探', en: 'target snooping' },
  LOGIN_BRUTE_FORCE: { zh: '暴力登录', en: 'login brute force' },
  CONCURRENT_SESSION: { zh: '并发会话', en: 'concurrent session' },
  DELETION_WITHOUT_APPROVAL: { zh: '无审批删除', en: 'deletion without approval' },
};

export function codeLabel(
  table: Record<string, { zh: string; en: string }>,
  lang: Lang,
  code: string | null,
): string {
  if (code === null) return '';
  const l = table[code];
  return l ? (lang === 'en' ? l.en : l.zh) : code;
}

/** Label of a canonical customer field (`holder_phone` → 投保人电话). */
export function fieldLabel(lang: Lang, field: string): string {
  const l = FIELD_LABELS[field];
  return l ? (lang === 'en' ? l.en : l.zh) : field;
}

export function outcomeLabel(lang: Lang, outcome: ReviewOutcome | string | null): string {
  return codeLabel(ALL_OUTCOME_LABELS, lang, outcome);
}
