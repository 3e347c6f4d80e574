import type { Database } from '@custodian/core';
import type { Kysely } from 'kysely';
import { type ChannelCount, countProblemsByChannel, iterateProblems } from '../data/problem-list.js';
import { codeLabel, type Lang, labels, outcomeLabel, pick, STATUS_LABELS, shortRule } from '../i18n.js';
import { type CellValue, PDF_ROW_LIMIT, type ReportDoc, staticRows } from '../model.js';
import type { Period } from '../periods.js';
import { instructions, lockedValues } from '../review/review-sheet.js';

/**
 * 问题件清单: the flags listed on one working day, a table per channel. The PDF is for reading;
 * the workbook (render/xlsx-problem-list.ts) is the one channels fill in and send back.
 */
export interface ProblemListData {
  day: string;
  channels: ChannelCount[];
}

export async function loadProblemList(db: Kysely<Database>, period: Period): Promise<ProblemListData> {
  return { day: period.from, channels: await countProblemsByChannel(db, period.from) };
}

export function channelName(lang: Lang, channel: string | null): string {
  return channel ?? pick(lang, '未分渠道', '(no channel)');
}

export function buildProblemListDoc(
  db: Kysely<Database>,
  data: ProblemListData,
  base: Pick<ReportDoc, 'lang' | 'period' | 'periodLabel' | 'generatedAt'>,
): ReportDoc {
  const { lang } = base;
  const L = labels(lang);
  const p = (zh: string, en: string) => pick(lang, zh, en);
  const total = data.channels.reduce((a, c) => a + c.flags, 0);
  const doc: ReportDoc = {
    ...base,
    kind: 'problem-list',
    title: `${L.titles['problem-list']} ${data.day}`,
    blocks: [
      {
        type: 'text',
        style: 'body',
        text: p(
          `本清单列出 ${data.day} 列入的疑似问题客户记录共 ${total} 条，按销售渠道分发核查（002 §3.7、§3.13）。所有个人信息均已脱敏。`,
          `${total} suspicious customer records listed on ${data.day}, distributed by sales channel for investigation (002 §3.7, §3.13). All personal data is masked.`,
        ),
      },
      {
        type: 'table',
        sheet: L.summary,
        title: p('各渠道问题件数量', 'Flags by channel'),
        columns: [
          { label: p('渠道', 'Channel'), width: 4 },
          { label: p('问题件', 'Flags'), width: 2, align: 'right', format: 'int' },
          { label: p('未关闭', 'Not closed'), width: 2, align: 'right', format: 'int' },
          { label: p('错误级', 'Errors'), width: 2, align: 'right', format: 'int' },
        ],
        rows: staticRows(data.channels.map((c) => [channelName(lang, c.channel), c.flags, c.open, c.errors])),
        emptyText: p('当日无列入的问题件', 'No flags listed on this day'),
      },
      ...instructions(lang)
        .slice(0, -1)
        .map((text) => ({ type: 'text' as const, style: 'note' as const, text })),
    ],
  };
  for (const c of data.channels) {
    doc.blocks.push({
      type: 'table',
      sheet: channelName(lang, c.channel),
      title: `${p('渠道', 'Channel')}: ${channelName(lang, c.channel)} (${c.flags})`,
      columns: [
        { label: p('编号', 'Flag'), width: 4, align: 'right' },
        { label: p('规则', 'Rule'), width: 11 },
        { label: p('记录编号/档案编号', 'Record / archive no.'), width: 8 },
        { label: p('客户（脱敏）', 'Customer (masked)'), width: 9 },
        { label: p('涉及的值（脱敏）', 'Values concerned (masked)'), width: 10 },
        { label: p('原因', 'Reason'), width: 15 },
        { label: p('机构/营销员', 'Branch / agent'), width: 7 },
        { label: p('到期日', 'Due on'), width: 5.5 },
        { label: p('状态/结果', 'Status / outcome'), width: 6 },
      ],
      rows: async function* () {
        for await (const page of iterateProblems(db, data.day, c.channel)) {
          yield page.map((r): CellValue[] => {
            const v = lockedValues(lang, r);
            return [
              r.flag_id,
              `${r.rule}\n${shortRule(lang, r.rule)}`,
              [r.record_id, r.archive_no].filter(Boolean).join('\n'),
              v[5] as string,
              v[6] as string,
              v[8] as string,
              [r.branch, r.agent_id].filter(Boolean).join('\n'),
              r.due_on,
              [codeLabel(STATUS_LABELS, lang, r.status), r.outcome ? outcomeLabel(lang, r.outcome) : '']
                .filter(Boolean)
                .join('\n'),
            ];
          });
        }
      },
      emptyText: L.none,
      pdfRowLimit: PDF_ROW_LIMIT,
      total: c.flags,
    });
  }
  return doc;
}
