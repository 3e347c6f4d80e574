import {
  appendAuditTrail,
  type CorrectionCodec,
  type CustodianContext,
  CustodianError,
  checkResolution,
  type Flag,
  isCustodianError,
  resolveFlag,
} from '@custodian/core';
import ExcelJS from 'exceljs';
import { loadFlagStates } from '../data/problem-list.js';
import { type Lang, pick } from '../i18n.js';
import { sha256File } from '../output/manifest.js';
import { META_SHEET } from '../render/xlsx-problem-list.js';
import {
  COL,
  FIRST_DATA_ROW,
  HEADER_ROW,
  LOCKED_COLUMNS,
  lockHash,
  parseCorrected,
  parseOutcome,
  REVIEW_FORMAT,
  reviewHeaders,
} from './review-sheet.js';

/**
 * `import-review`: reads back a problem-list workbook a channel filled in and records each
 * outcome on its flag through core's review rules (`checkResolution`, then `resolveFlag`, the
 * same path as `ingest flags resolve`), so the history and the audit trail say who, when, why.
 *
 * Every row is validated before anything is written. A bad row (unknown outcome, missing note,
 * flag closed or unknown, a locked cell changed, a row of another day's list, a flag twice) is
 * reported by sheet and row and changes nothing. The good rows are applied: the rule is
 * that bad rows change nothing, and holding back a channel's valid work for one typo would delay
 * the 3-working-day deadline (002 §3.13). `strict` applies nothing when any row is bad, for who
 * prefers all-or-nothing. Rows without an outcome (not yet investigated) are skipped. A row whose
 * flag already carries that outcome, awaiting verification, is left alone, so importing the same
 * workbook twice records nothing twice.
 *
 * Corrected values are checked against the record by the codec when the row is recorded and held
 * on the flag until compliance verifies it (`verifyFlag`): importing a workbook never changes a
 * customer record by itself.
 */
export interface ImportReviewOptions {
  /** All-or-nothing: apply no row when any row is bad. */
  strict?: boolean;
  /** Checks corrected values against the record (outcome `corrected`); without it such rows are bad. */
  correctionCodec?: CorrectionCodec | undefined;
  /** Validate and report only. */
  dryRun?: boolean;
}

export interface RowRef {
  sheet: string;
  row: number;
  flagId: number | null;
}

export interface BadRow extends RowRef {
  problems: string[];
}

export interface ImportReviewResult {
  file: string;
  sha256: string;
  listedOn: string;
  rowsRead: number;
  applied: (RowRef & { outcome: string })[];
  bad: BadRow[];
  /** Rows with no outcome yet. */
  skipped: number;
  /** Rows whose flag already has that outcome. */
  unchanged: number;
  /** Valid rows not applied because `strict` and some row was bad, or `dryRun`. */
  held: number;
}

interface ReadRow extends RowRef {
  locked: unknown[];
  outcome: string;
  note: string;
  attributedTo: string;
  corrected: string;
  check: string;
}

/** Text of a cell as a person typed it (rich text, formula results and hyperlinks flattened). */
function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    const o = v as { richText?: { text: string }[]; result?: unknown; text?: unknown };
    if (Array.isArray(o.richText))
      return o.richText
        .map((r) => r.text)
        .join('')
        .trim();
    if ('result' in o) return cellText(o.result);
    if ('text' in o) return cellText(o.text);
  }
  return String(v).trim();
}

/** The locked cells as read back; a number read as text and back compares equal (lockHash stringifies). */
function lockedCell(v: unknown): unknown {
  if (typeof v === 'number' || typeof v === 'string') return v;
  return cellText(v);
}

/**
 * Reads the workbook with exceljs's full reader. Its streaming reader is not used: it decodes each
 * compressed chunk separately and garbles a Chinese character cut at a chunk boundary (exceljs
 * issues #2063, #2316), which here would void an honest row as "tampered". A list of 50,000 rows
 * costs a few hundred MB this way, once.
 */
async function readWorkbook(
  file: string,
): Promise<{ lang: Lang; listedOn: string; rows: ReadRow[]; bad: BadRow[] }> {
  const meta = new Map<string, string>();
  const sheets: { name: string; header: string[]; rows: ReadRow[] }[] = [];
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  for (const ws of wb.worksheets) {
    const name = ws.name;
    const sheet = { name, header: [] as string[], rows: [] as ReadRow[] };
    ws.eachRow((row) => {
      const values = row.values as unknown[];
      if (name === META_SHEET) {
        meta.set(cellText(values[1]), cellText(values[2]));
        return;
      }
      if (row.number === HEADER_ROW) sheet.header = values.slice(1).map(cellText);
      if (row.number < FIRST_DATA_ROW) return;
      const locked = Array.from({ length: LOCKED_COLUMNS }, (_, i) => lockedCell(values[i + 1]));
      const editable = [COL.outcome, COL.note, COL.attributedTo, COL.corrected].map((c) =>
        cellText(values[c]),
      );
      if (locked.every((c) => c === '' || c === null || c === undefined) && editable.every((t) => t === ''))
        return;
      const id = Number(locked[0]);
      sheet.rows.push({
        sheet: name,
        row: row.number,
        flagId: Number.isInteger(id) && id > 0 ? id : null,
        locked,
        outcome: editable[0]!,
        note: editable[1]!,
        attributedTo: editable[2]!,
        corrected: editable[3]!,
        check: cellText(values[COL.check]),
      });
    });
    if (name !== META_SHEET) sheets.push(sheet);
  }
  if (meta.get('format') !== REVIEW_FORMAT) {
    throw new CustodianError(
      'NOT_A_REVIEW_WORKBOOK',
      `${file} is not a problem-list workbook written by Custodian (no "${META_SHEET}" sheet of format ${REVIEW_FORMAT})`,
    );
  }
  const lang: Lang = meta.get('lang') === 'en' ? 'en' : 'zh';
  const listedOn = meta.get('listed_on') ?? '';
  const expected = reviewHeaders(lang).map((h) => h.label);
  const rows: ReadRow[] = [];
  const bad: BadRow[] = [];
  for (const s of sheets) {
    // The instructions sheet has no review header; a channel sheet must have it unchanged.
    const isChannel = s.header[0] === expected[0];
    if (!isChannel) continue;
    if (expected.some((label, i) => s.header[i] !== label)) {
      bad.push({
        sheet: s.name,
        row: HEADER_ROW,
        flagId: null,
        problems: [pick(lang, '表头被改动 / header row changed', 'header row changed / 表头被改动')],
      });
      continue;
    }
    rows.push(...s.rows);
  }
  return { lang, listedOn, rows, bad };
}

export async function importReview(
  ctx: CustodianContext,
  file: string,
  opts: ImportReviewOptions = {},
): Promise<ImportReviewResult> {
  const { listedOn, rows, bad } = await readWorkbook(file);
  const { sha256 } = await sha256File(file);
  const flags = await loadFlagStates(
    ctx.storage.db,
    rows.map((r) => r.flagId).filter((id): id is number => id !== null),
  );

  const seen = new Map<number, RowRef>();
  const good: { ref: RowRef; flagId: number; input: Parameters<typeof resolveFlag>[2] }[] = [];
  let skipped = 0;
  let unchanged = 0;
  for (const r of rows) {
    const ref: RowRef = { sheet: r.sheet, row: r.row, flagId: r.flagId };
    const problems: string[] = [];
    if (lockHash(ctx.keyring, r.locked) !== r.check) {
      problems.push('locked cells were changed (tampered) / 锁定单元格被改动');
    }
    const flag = r.flagId === null ? undefined : flags.get(r.flagId);
    if (r.flagId === null) problems.push('no flag number in the row / 缺少问题件编号');
    else if (!flag) problems.push(`flag ${r.flagId} does not exist / 问题件不存在`);
    else if (flag.listed_on !== listedOn) {
      problems.push(`flag ${r.flagId} was listed on ${flag.listed_on}, not on ${listedOn} / 不属于本清单`);
    }
    if (r.flagId !== null) {
      const first = seen.get(r.flagId);
      if (first)
        problems.push(`flag ${r.flagId} appears twice (first in ${first.sheet} row ${first.row}) / 重复`);
      else seen.set(r.flagId, ref);
    }
    if (r.outcome === '') {
      if (r.note || r.attributedTo || r.corrected)
        problems.push('a note without an outcome / 已填说明但未选择处理结果');
      if (problems.length === 0) {
        skipped++;
        continue;
      }
      bad.push({ ...ref, problems });
      continue;
    }
    const outcome = parseOutcome(r.outcome);
    const corrected = r.corrected ? parseCorrected(r.corrected) : undefined;
    if (corrected && corrected.bad.length > 0) {
      problems.push(`unreadable corrected values / 更正值无法识别: ${corrected.bad.join('; ')}`);
    }
    if (corrected && outcome !== 'corrected')
      problems.push('corrected values need the outcome corrected / 仅“已更正”可填更正值');
    if (r.attributedTo && outcome !== 'false_info') {
      problems.push('an agent or agency is named only for false_info / 仅“虚假信息”可填责任人');
    }
    if (outcome === 'corrected' && !opts.correctionCodec) {
      problems.push(
        'corrected values cannot be applied from a workbook by this installation: use pnpm ingest flags resolve --set / 请用命令行录入更正值',
      );
    }
    const input = {
      actor: ctx.config.actor,
      outcome: outcome ?? r.outcome,
      note: r.note,
      ...(corrected && Object.keys(corrected.values).length > 0 ? { corrected: corrected.values } : {}),
      ...(r.attributedTo ? { attributedTo: r.attributedTo } : {}),
    };
    if (flag) problems.push(...checkResolution({ status: flag.status as Flag['status'] }, input));
    if (problems.length > 0) {
      bad.push({ ...ref, problems });
      continue;
    }
    if (flag?.status === 'resolved' && flag.outcome === outcome) {
      unchanged++;
      continue;
    }
    good.push({ ref, flagId: r.flagId!, input });
  }

  const applied: ImportReviewResult['applied'] = [];
  const hold = opts.dryRun || (opts.strict && bad.length > 0);
  if (!hold) {
    for (const g of good) {
      try {
        const f = await resolveFlag(
          ctx.storage.db,
          g.flagId,
          g.input,
          opts.correctionCodec ? { keyring: ctx.keyring, codec: opts.correctionCodec } : undefined,
        );
        applied.push({ ...g.ref, outcome: f.outcome ?? g.input.outcome });
      } catch (err) {
        // Changed between validation and now (another reviewer), or a correction the codec refused.
        if (!isCustodianError(err)) throw err;
        bad.push({ ...g.ref, problems: [err.message] });
      }
    }
    await appendAuditTrail(ctx.storage.db, {
      actor: ctx.config.actor,
      action: 'reports.review_imported',
      targetType: 'review_workbook',
      targetId: sha256,
      detail: {
        listed_on: listedOn,
        rows: rows.length,
        applied: applied.length,
        bad: bad.length,
        skipped,
        unchanged,
      },
    });
  }
  bad.sort((a, b) => (a.sheet === b.sheet ? a.row - b.row : a.sheet < b.sheet ? -1 : 1));
  return {
    file,
    sha256,
    listedOn,
    rowsRead: rows.length,
    applied,
    bad,
    skipped,
    unchanged,
    held: hold ? good.length : 0,
  };
}
