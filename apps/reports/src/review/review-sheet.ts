import { createHmac } from 'node:crypto';
import { type Keyring, OUTCOME_LABELS, REVIEW_OUTCOMES, type ReviewOutcome } from '@custodian/core';
import { FIELD_LABELS } from '@custodian/validators';
import type { ProblemRow } from '../data/problem-list.js';
import {
  codeLabel,
  fieldLabel,
  type Lang,
  labels,
  outcomeLabel,
  pick,
  ruleLabel,
  SEVERITY_LABELS,
  STATUS_LABELS,
} from '../i18n.js';

/**
 * The layout of a channel's sheet in the problem-list workbook (问题件清单), shared by the writer
 * and `import-review`: which columns the channel fills in (outcome, note, who provided false
 * information, corrected values) and which are locked. Every row carries, in a hidden column, a
 * keyed hash (HMAC-SHA-256 under the archive's index key) of its locked cells: a row whose locked
 * cells were changed after the sheet protection was lifted is detected on import, and cannot be
 * re-hashed by whoever holds only the workbook.
 */
export const REVIEW_FORMAT = 'custodian-review-1';

/** Rows: 1 title, 2 header, data from 3. */
export const HEADER_ROW = 2;
export const FIRST_DATA_ROW = 3;

export const LOCKED_COLUMNS = 14;
/** 1-based column numbers of the cells a channel fills in, and of the hidden check. */
export const COL = {
  flagId: 1,
  outcome: 15,
  note: 16,
  attributedTo: 17,
  corrected: 18,
  check: 19,
} as const;

export function reviewHeaders(lang: Lang): { label: string; width: number }[] {
  const p = (zh: string, en: string) => pick(lang, zh, en);
  return [
    { label: p('问题件编号', 'Flag'), width: 9 },
    { label: p('规则', 'Rule'), width: 24 },
    { label: p('严重程度', 'Severity'), width: 8 },
    { label: p('记录编号', 'Record'), width: 13 },
    { label: p('档案编号', 'Archive no.'), width: 13 },
    { label: p('客户（脱敏）', 'Customer (masked)'), width: 26 },
    { label: p('涉及的值（脱敏）', 'Values concerned (masked)'), width: 30 },
    { label: p('关联记录', 'Related records'), width: 16 },
    { label: p('原因', 'Reason'), width: 44 },
    { label: p('机构', 'Branch'), width: 12 },
    { label: p('营销员', 'Agent'), width: 10 },
    { label: p('列入日期', 'Listed on'), width: 11 },
    { label: p('到期日', 'Due on'), width: 11 },
    { label: p('状态', 'Status'), width: 10 },
    { label: p('处理结果（下拉选择）', 'Outcome (choose)'), width: 16 },
    { label: p('说明（必填）', 'Note (required)'), width: 30 },
    { label: p('虚假信息责任人/机构', 'False info: agent/agency'), width: 18 },
    { label: p('更正值（字段=值；…）', 'Corrected values (field=value; …)'), width: 30 },
    { label: p('校验', 'Check'), width: 10 },
  ];
}

export function maskedValuesText(lang: Lang, values: Record<string, string | null> | null): string {
  if (!values) return '';
  return Object.entries(values)
    .map(([k, v]) => `${fieldLabel(lang, k)}: ${v ?? pick(lang, '（缺失）', '(missing)')}`)
    .join('; ');
}

/** The 14 locked cells of a row, as written (strings, except the flag id). */
export function lockedValues(lang: Lang, r: ProblemRow): (string | number)[] {
  const customer = [r.holder_name_masked, r.holder_id_masked].filter(Boolean).join(' ');
  return [
    r.flag_id,
    ruleLabel(lang, r.rule),
    codeLabel(SEVERITY_LABELS, lang, r.severity),
    r.record_id,
    r.archive_no ?? '',
    customer,
    maskedValuesText(lang, r.masked_values),
    r.related_record_ids.join(', '),
    lang === 'en' ? r.reason_en : r.reason_zh,
    r.branch ?? '',
    r.agent_id ?? '',
    r.listed_on,
    r.due_on,
    codeLabel(STATUS_LABELS, lang, r.status),
  ];
}

/** Keyed hash of a row's locked cells; cells are compared as text, so a number read back as text still matches. */
export function lockHash(keyring: Keyring, cells: readonly unknown[]): string {
  const text = cells.map((c) => (c === null || c === undefined ? '' : String(c))).join('\u001f');
  return createHmac('sha256', keyring.indexKey)
    .update(`${REVIEW_FORMAT}\0${text}`)
    .digest('base64url')
    .slice(0, 32);
}

/** The drop-down choices of the outcome column in the workbook's language. */
export function outcomeChoices(lang: Lang): string[] {
  return REVIEW_OUTCOMES.map((o) => outcomeLabel(lang, o));
}

/** Reads an outcome cell: the code, or its Chinese or English label, in any case. Undefined when unknown. */
export function parseOutcome(text: string): ReviewOutcome | undefined {
  const t = text.trim().toLowerCase();
  for (const o of REVIEW_OUTCOMES) {
    const l = OUTCOME_LABELS[o];
    if (t === o || t === l.zh.toLowerCase() || t === l.en.toLowerCase()) return o;
  }
  return undefined;
}

/**
 * Reads the corrected-values cell: `field=value` pairs separated by `;` or `；` or new lines,
 * the field by its canonical name or its Chinese or English label. Returns the pairs and the
 * parts it could not read.
 */
export function parseCorrected(text: string): { values: Record<string, string>; bad: string[] } {
  const values: Record<string, string> = {};
  const bad: string[] = [];
  const byLabel = new Map<string, string>();
  for (const [field, l] of Object.entries(FIELD_LABELS)) {
    byLabel.set(field, field);
    byLabel.set(l.zh, field);
    byLabel.set(l.en.toLowerCase(), field);
  }
  for (const part of text.split(/[;；\n]/)) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.search(/[=＝:：]/);
    const key = eq > 0 ? p.slice(0, eq).trim() : '';
    const field = byLabel.get(key) ?? byLabel.get(key.toLowerCase());
    if (!field) {
      bad.push(p.replace(/[=＝:：].*$/, '=…'));
      continue;
    }
    values[field] = p.slice(eq + 1).trim();
  }
  return { values, bad };
}

export function instructions(lang: Lang): string[] {
  const L = labels(lang);
  return lang === 'en'
    ? [
        'How to fill in: for each row, choose the outcome in the drop-down and write a note (required).',
        'Outcomes: corrected (give the corrected values as field=value; …), confirmed genuine (say what evidence),',
        'confirmed false information (name the agent or agency; the record’s agent by default), dismissed.',
        'The investigation is due within 3 working days of listing (002 §3.13); compliance verifies every outcome.',
        'Only the outcome, note, agent/agency and corrected-values columns can be edited; changing any other cell voids the row on import.',
        L.marking,
      ]
    : [
        '填写说明：请在每行“处理结果”下拉框中选择结果，并填写说明（必填）。',
        '处理结果：已更正（在“更正值”列按 字段=值；… 填写更正后的值）、核实无误（说明核实依据）、',
        '虚假信息（填写提供虚假信息的营销员或代理机构，默认为该记录的营销员）、不予处理。',
        '渠道须在列入清单后 3 个工作日内完成核查（002 §3.13），合规部门对处理结果进行复核。',
        '仅“处理结果”“说明”“责任人/机构”“更正值”四列可编辑；其他单元格被改动的行在导入时作废。',
        L.marking,
      ];
}
