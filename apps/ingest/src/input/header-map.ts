/**
 * Header mapping of the customer-record files (formats.md "Customer records"): canonical English
 * names and the Chinese headers business systems export. Extendable by configuration
 * (`ingest.headerAliases`); unknown headers are kept as extra columns, never dropped.
 */
import {
  type CustomerField,
  type PartialParty,
  type Profile,
  partialParties,
  profiles,
  requiredColumns,
} from '@custodian/validators';

export { CUSTOMER_FIELDS, type CustomerField } from '@custodian/validators';

const CUSTOMER_ALIASES: Record<CustomerField, string[]> = {
  record_id: ['记录编号', '流水号'],
  archive_no: ['档案编号', '客户编号'],
  customer_type: ['客户类型'],
  customer_class: ['客户分类'],
  holder_name: ['投保人姓名', '机主姓名', '客户姓名', '姓名'],
  holder_gender: ['投保人性别', '性别'],
  holder_birth_date: ['投保人出生日期', '出生日期'],
  holder_id_type: ['投保人证件类型', '证件类型'],
  holder_id_number: ['投保人证件号码', '证件号码', '身份证号'],
  holder_phone: ['投保人手机号码', '手机号码', '联系电话'],
  holder_address: ['投保人联系地址', '联系地址', '地址'],
  insured_name: ['被保险人姓名', '使用人姓名'],
  insured_gender: ['被保险人性别', '使用人性别'],
  insured_birth_date: ['被保险人出生日期', '使用人出生日期'],
  insured_id_type: ['被保险人证件类型', '使用人证件类型'],
  insured_id_number: ['被保险人证件号码', '使用人证件号码'],
  bank_account: ['银行账号', '缴费账号'],
  bank_account_name: ['账户名', '开户名'],
  service_number: ['服务号码', '业务号码'],
  agent_id: ['营销员工号', '业务员工号', '代理人编号'],
  channel: ['销售渠道', '渠道'],
  branch: ['分支机构', '机构'],
  contract_no: ['保单号', '合同号'],
  sign_date: ['签单日期', '签约日期', '受理日期'],
  consent: ['同意采集', '授权同意'],
  secrecy_level: ['密级'],
};

export const AGENT_FIELDS = [
  'agent_id',
  'name',
  'phone',
  'address',
  'channel',
  'branch',
  'status',
  'hired_on',
] as const;
export type AgentField = (typeof AGENT_FIELDS)[number];
const AGENT_ALIASES: Record<AgentField, string[]> = {
  agent_id: ['工号', '营销员工号', '业务员工号', '代理人编号'],
  name: ['姓名'],
  phone: ['手机号码', '联系电话'],
  address: ['联系地址', '地址'],
  channel: ['渠道', '销售渠道'],
  branch: ['机构', '分支机构'],
  status: ['状态'],
  hired_on: ['入职日期'],
};

export const COMPLAINT_FIELDS = ['complaint_id', 'agent_id', 'received_on', 'category', 'verified'] as const;
export type ComplaintField = (typeof COMPLAINT_FIELDS)[number];
const COMPLAINT_ALIASES: Record<ComplaintField, string[]> = {
  complaint_id: ['投诉编号'],
  agent_id: ['工号', '营销员工号', '业务员工号', '代理人编号'],
  received_on: ['受理日期', '投诉日期'],
  category: ['投诉类别', '类别'],
  verified: ['是否属实', '核实'],
};

export type HeaderKind = 'customers' | 'agents' | 'complaints';

function headerKey(h: string): string {
  return h
    .normalize('NFKC')
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

export interface HeaderMapping {
  /** For each column of the file: its canonical field, or null for an extra column. */
  fields: (string | null)[];
  /** The header text of each column, as in the file. */
  headers: string[];
  /**
   * Canonical fields that more than one column maps to (a Chinese export with both 手机号码 and
   * 联系电话), once each, in column order; `duplicateGroups` gives their columns. For a warning
   * to the operator (`describeDuplicates`); each row takes the first non-empty value among them
   * (`takeFirstNonEmpty`).
   */
  duplicates: string[];
  /** The columns (0-based, in column order) of each field in `duplicates`. */
  duplicateGroups: number[][];
}

/**
 * The columns of each canonical field that several columns map to, in column order. From the
 * fields alone, so that a worker holding only `fields` can compute it once per chunk.
 */
export function findDuplicateGroups(fields: readonly (string | null)[]): number[][] {
  const columns = new Map<string, number[]>();
  fields.forEach((f, i) => {
    if (f) columns.set(f, [...(columns.get(f) ?? []), i]);
  });
  return [...columns.values()].filter((c) => c.length > 1);
}

/**
 * A row's values where every column of a duplicated field holds the first non-empty value among
 * them, in column order: whichever column a consumer reads, a later empty 联系电话 no longer hides
 * the 手机号码 before it (the later column used to win even when empty, and every phone was lost).
 * Returns `values` itself when there is nothing to do.
 */
export function takeFirstNonEmpty(groups: readonly number[][], values: string[]): string[] {
  if (groups.length === 0) return values;
  const out = values.slice();
  for (const g of groups) {
    let chosen = '';
    for (const i of g) {
      const v = values[i] ?? '';
      if (v.trim() !== '') {
        chosen = v;
        break;
      }
    }
    for (const i of g) out[i] = chosen;
  }
  return out;
}

/**
 * One warning line per duplicated field, for the operator: the field and the header names of its
 * columns (recognised header names only, never a value).
 */
export function describeDuplicates(mapping: HeaderMapping): string[] {
  return mapping.duplicateGroups.map((g) => {
    const field = mapping.fields[g[0]!]!;
    const names = g.map((i) => mapping.headers[i]).join(', ');
    return `columns ${names} all map to ${field}: each row takes the first non-empty of them, in that order`;
  });
}

function aliasTable(kind: HeaderKind): Record<string, string[]> {
  return kind === 'customers' ? CUSTOMER_ALIASES : kind === 'agents' ? AGENT_ALIASES : COMPLAINT_ALIASES;
}

/** Where an operator adds header names: the configuration key of extra aliases. */
export const HEADER_ALIASES_KEY = 'ingest.headerAliases';

/** Where a header line was read, for the words of a failure (`describeMissingColumns`). */
export interface HeaderSource {
  /** Its line in the file (1 unless empty lines come before it), or its row in the sheet. */
  line?: number;
  /** How the file was decoded (`TableInfo.encoding`: "utf-8", "utf-8+BOM", "gb18030", "xlsx"). */
  encoding?: string;
}

/**
 * `text` with the characters a header name never holds that a wrong decoding leaves shown as
 * U+FFFD: U+FFFD itself (bytes that are not text in the encoding read) and control characters
 * other than tab and line ends (a UTF-16 file without a byte order mark read as 8-bit text has a
 * NUL in every other place).
 */
function markUndecoded(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    out += (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f ? '\uFFFD' : ch;
  }
  return out;
}

/** A cell of the header line that holds characters that could not be decoded. */
interface UndecodedCell {
  /** 0-based column. */
  column: number;
  /** The cell with what could not be decoded shown as U+FFFD. */
  readable: string;
  /** The field the cell names once those characters are left out, if any. */
  field: string | null;
}

/**
 * The header cells holding bytes the decoding could not read. In a GB18030 file a stray byte 0x80
 * is read as '€' (WHATWG's GB18030 decoder, as Windows code page 936 does), not as U+FFFD: a '€'
 * in a cell that names a field without it counts as such a byte.
 */
function undecodedCells(
  kind: HeaderKind,
  headers: readonly string[],
  source: HeaderSource,
  extra: Record<string, string[]>,
): UndecodedCell[] {
  const gb = (source.encoding ?? '').startsWith('gb18030');
  const fieldOf = (text: string) => mapHeaders(kind, [text], extra).fields[0] ?? null;
  const out: UndecodedCell[] = [];
  headers.forEach((cell, column) => {
    let readable = markUndecoded(cell);
    if (gb && readable.includes('€') && fieldOf(readable.replaceAll('€', '').replaceAll('\uFFFD', '')))
      readable = readable.replaceAll('€', '\uFFFD');
    if (!readable.includes('\uFFFD')) return;
    out.push({ column, readable, field: fieldOf(readable.replaceAll('\uFFFD', '')) });
  });
  return out;
}

/** The kinds of value a cell of a data row has the shape of, never seen in a header name. */
const VALUE_SHAPES: [kind: string, shape: RegExp][] = [
  ['an ID number', /^(\d{17}[\dXx]|\d{15})$/],
  ['a phone number', /^(\+?86[- ]?)?1[3-9]\d{9}$|^0\d{2,3}-?\d{7,8}$/],
  ['a date', /^(19|20)\d\d[-/.年]\d{1,2}[-/.月]\d{1,2}日?$|^(19|20)\d{6}$/],
  ['a record id or account number', /^[A-Za-z]{0,4}[-_]?[A-Za-z0-9]*\d[A-Za-z0-9_-]*$/],
];

/**
 * When no cell of the line is a known header name and at least two have the shape of a value
 * (a record id, a date, an ID number, a phone number), the line is a data row: the columns and
 * the kind of each, never the values (a customer's data).
 */
function valueCells(mapping: HeaderMapping): { column: number; kind: string }[] {
  if (mapping.fields.some((f) => f !== null)) return [];
  const cells: { column: number; kind: string }[] = [];
  mapping.headers.forEach((cell, column) => {
    const text = cell.trim();
    const shape = VALUE_SHAPES.find(([, re]) => re.test(text));
    if (shape) cells.push({ column, kind: shape[0] });
  });
  return cells.length >= 2 ? cells : [];
}

/** "1, 3 and 4" */
function listed(items: readonly (string | number)[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/**
 * A header line of one cell that holds what looks like a separator the reader did not split on:
 * ';' or '|' inside double quotes (the reader splits on them, as on commas and tabs, only outside
 * quotes: csv-blocks.ts, detectDelimiter), or a full-width comma or semicolon, or '、', which no
 * reader takes for one. Only the character is named, never the cell.
 */
function unsplitSeparator(mapping: HeaderMapping): string | undefined {
  if (mapping.headers.length !== 1) return undefined;
  const cell = mapping.headers[0]!;
  const quoted = [';', '|'].find((c) => cell.includes(c));
  if (quoted)
    return `the header line is one cell holding '${quoted}' inside double quotes: a separator is recognised only outside quotes (save the file without quotes around the header line, or as CSV)`;
  const wide = ['，', '；', '、'].find((c) => cell.split(c).length > 2);
  if (wide)
    return `the header line is one cell holding '${wide}' between names: it is not a separator (comma, tab, semicolon or pipe); save the file separated by commas (CSV)`;
  return undefined;
}

/**
 * What is wrong with the header line itself, when something is, in words for the operator and
 * before the list of missing columns: its first line is a data row (no header line), it holds
 * bytes that could not be decoded, or it is one cell whose separator was not split on. Undefined
 * when the line reads as a header whose names are not those accepted.
 */
export function headerLineCause(
  kind: HeaderKind,
  mapping: HeaderMapping,
  extra: Record<string, string[]>,
  source: HeaderSource,
): string | undefined {
  // First: a data row is never echoed, not even a cell that could not be decoded.
  const values = valueCells(mapping);
  if (values.length > 0) {
    const kinds = [...new Set(values.map((v) => v.kind))].map((kind) => {
      const columns = values.filter((v) => v.kind === kind).map((v) => v.column + 1);
      return `${kind} (column${columns.length > 1 ? 's' : ''} ${listed(columns)})`;
    });
    return (
      `the first line looks like a data row: the file seems to have no header line (none of its ` +
      `${mapping.headers.length} cells is a known header name, and some have the shape of values: ` +
      `${kinds.join(', ')}); put the header line back above the data`
    );
  }
  const undecoded = undecodedCells(kind, mapping.headers, source, extra);
  if (undecoded.length > 0) {
    const where = source.line !== undefined ? ` (line ${source.line})` : '';
    const xlsx = source.encoding === 'xlsx';
    const encoding = source.encoding?.replace(/\+BOM$/, '');
    const as = xlsx
      ? 'text that could not be read from the workbook'
      : `bytes that could not be decoded${
          encoding
            ? ` as ${encoding} (${source.encoding!.endsWith('+BOM') ? 'named by its byte order mark' : 'the encoding detected for the file'})`
            : ''
        }`;
    // Header names are no personal data, but a line none of whose cells names a field may be
    // something else: then only the columns are named.
    const echo = mapping.fields.some((f) => f !== null) || undecoded.some((c) => c.field !== null);
    const cells = echo
      ? listed(
          undecoded.map(
            (c) =>
              `column ${c.column + 1} reads "${c.readable}"${c.field ? `, ${c.field} without them` : ''}`,
          ),
        )
      : undecoded.length === mapping.headers.length && undecoded.length > 1
        ? `every one of its ${undecoded.length} cells`
        : `column${undecoded.length > 1 ? 's' : ''} ${listed(undecoded.map((c) => c.column + 1))}`;
    const stray =
      (source.encoding ?? '').startsWith('gb18030') &&
      undecoded.some((c) => mapping.headers[c.column]!.includes('€'))
        ? "; GB18030 reads a stray byte 0x80 as '€', shown so"
        : '';
    return (
      `the header line${where} holds ${as}: ${cells}` +
      `${echo ? ` (\uFFFD marks what could not be decoded${stray})` : ''}; ` +
      (xlsx
        ? 'correct the header cells in Excel and save the workbook again'
        : 'correct the header line, or save the file again as UTF-8 if it is in another encoding (a header saved in another encoding than the rows: the whole file in one)') +
      `; adding names to ${HEADER_ALIASES_KEY} would not help`
    );
  }
  return unsplitSeparator(mapping);
}

/**
 * Why a header line lacks required columns (record_id, or those of the profile), in words for the
 * operator (printed, and stored in clear with the batch): first what is wrong with the line itself
 * when something is (`headerLineCause`: no header line, undecodable bytes, a separator not split
 * on), then each missing field with the names accepted for it, `why` after them (which profile
 * requires them), the cells of the line that are recognised header names, and, when the line
 * itself is not at fault, where the accepted names can be extended. Never the other cells: a file
 * without a header line starts with a customer's data (a name, a birth date, an ID number), and so
 * may a line that is not a header at all. `source` names the line and the encoding read.
 */
export function describeMissingColumns(
  kind: HeaderKind,
  mapping: HeaderMapping,
  fields: readonly string[],
  extra: Record<string, string[]> = {},
  why?: string,
  source: HeaderSource = {},
): string {
  const missing = fields.map((field) => {
    const accepted = [field, ...(aliasTable(kind)[field] ?? []), ...(extra[field] ?? [])];
    return `${field} (accepted names: ${accepted.join(', ')})`;
  });
  const recognised = mapping.headers.filter((_, i) => mapping.fields[i] !== null);
  const cause = headerLineCause(kind, mapping, extra, source);
  return (
    (cause ? `${cause}; ` : '') +
    `the header line has no column recognised as ${missing.join(', nor as ')}${why ? `, ${why}` : ''}; ` +
    `of its ${mapping.headers.length} cells, recognised as header names: ${recognised.length > 0 ? recognised.join(', ') : 'none'}` +
    (cause
      ? ''
      : `; other header names can be accepted by adding them to ${HEADER_ALIASES_KEY} in the configuration (canonical field → list of header names)`)
  );
}

/**
 * The columns a customer file lacks, in order: record_id (every row's identity), then each column
 * the profile requires (requiredColumns: the insured, optional as a whole, is not among them).
 * @throws RangeError for a profile that is not known.
 */
export function missingCustomerColumns(fields: readonly (string | null)[], profileName: string): string[] {
  const profile = profileNamed(profileName);
  return [...new Set(['record_id', ...requiredColumns(profile)])].filter((f) => !fields.includes(f));
}

/**
 * The parties optional as a whole (the insured) that a customer file's header carries in part
 * (`partialParties`): with some of their columns, a file must have them all.
 * @throws RangeError for a profile that is not known.
 */
export function partialCustomerParties(
  fields: readonly (string | null)[],
  profileName: string,
): PartialParty[] {
  return partialParties(profileNamed(profileName), fields);
}

function profileNamed(name: string): Profile {
  const profile = Object.hasOwn(profiles, name) ? profiles[name] : undefined;
  if (!profile) throw new RangeError(`unknown profile "${name}"; known: ${Object.keys(profiles).join(', ')}`);
  return profile;
}

/** Maps a header row; `extra` adds aliases (canonical → accepted headers) from configuration. */
export function mapHeaders(
  kind: HeaderKind,
  headers: string[],
  extra: Record<string, string[]> = {},
): HeaderMapping {
  const table = aliasTable(kind);
  const lookup = new Map<string, string>();
  for (const [canonical, aliases] of Object.entries(table)) {
    lookup.set(headerKey(canonical), canonical);
    for (const a of [...aliases, ...(extra[canonical] ?? [])]) lookup.set(headerKey(a), canonical);
  }
  const fields = headers.map((h) => lookup.get(headerKey(h)) ?? null);
  const duplicateGroups = findDuplicateGroups(fields);
  const duplicates = duplicateGroups.map((g) => fields[g[0]!]!);
  return { fields, headers, duplicates, duplicateGroups };
}
