// Phone numbers: mainland mobile numbers against the allocated segments (phone-segments.ts),
// landlines with an area code, and the numbers that are not a person's phone (IoT, data-only,
// placeholders). Implements 002 §3.3 ("联系电话……真实有效"): rule codes PHONE_FORMAT and
// PHONE_PLACEHOLDER.

import { type Finding, hasNoError, makeFinding } from './findings.js';
import { maskPhone } from './masking.js';
import { IOT_PREFIXES, MOBILE_SEGMENTS, type MobileSegment, PLACEHOLDER_NUMBERS } from './phone-segments.js';
import { foldWidth, isExcelScientific } from './text.js';

export type PhoneKind = 'mobile' | 'landline' | 'iot' | 'unknown';

export interface PhoneResult {
  /** No error-severity finding (a data-only or placeholder number is ok, with a warning). */
  ok: boolean;
  kind: PhoneKind;
  /**
   * Mobile: the 11 digits, no country code. Landline: `0AREA-LOCAL` or `0AREA-LOCAL-EXT`
   * (`0755-6226567`). IoT: the 13 digits. Absent when the shape is not recognised.
   */
  normalized?: string;
  /** The segment has no voice service (145, 146, 147, 148, 149). */
  dataOnly?: boolean;
  /** A satellite phone segment (1349, 174). */
  satellite?: boolean;
  /** Looks like a number typed for want of the real one (13800138000, 11111111111, ...). */
  placeholder?: boolean;
  /** Operator the segment was allocated to; portability means it may have moved since. */
  operator?: MobileSegment['operator'];
  findings: Finding[];
}

const segmentByPrefix = new Map(MOBILE_SEGMENTS.map((s) => [s.prefix, s]));
const placeholderSet = new Set(PLACEHOLDER_NUMBERS);

/** Extension written after the number: `转123`, `分机123`, `ext 123`, `x123`, `#123`, `,123`. */
const EXTENSION = /(?:转|分机|ext\.?|x|#|,)\s*(\d{1,6})$/i;
/** `+86`, `0086`, `(+86)`, `+86-` at the start. */
const COUNTRY_CODE = /^\(?(?:\+|00)86\)?[\s-]*/;
/** Grouping characters people put inside phone numbers. */
const GROUPING = /[\s\-().\u2010-\u2015\u2212]+/;

/** True when `s` is made of ASCII digits only. */
function isDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** True when the digits are one repeated digit or a run ascending or descending by one (mod 10). */
function isPatterned(digits: string): boolean {
  let same = true;
  let up = true;
  let down = true;
  for (let i = 1; i < digits.length; i++) {
    const prev = digits.charCodeAt(i - 1) - 48;
    const d = digits.charCodeAt(i) - 48;
    if (d !== prev) same = false;
    if (d !== (prev + 1) % 10) up = false;
    if (d !== (prev + 9) % 10) down = false;
  }
  return same || up || down;
}

function isMobilePlaceholder(digits: string): boolean {
  return placeholderSet.has(digits) || isPatterned(digits) || digits.endsWith('00000000');
}

function result(kind: PhoneKind, findings: Finding[], extra: Partial<PhoneResult> = {}): PhoneResult {
  return { ok: hasNoError(findings), kind, ...extra, findings };
}

/** Segments by their leading digits as a number (3 or 4 digits, the first one a 1). */
const segmentBy3 = new Map<number, MobileSegment>();
const segmentBy4 = new Map<number, MobileSegment>();
for (const [prefix, s] of segmentByPrefix) {
  if (/^1\d{2}$/.test(prefix)) segmentBy3.set(Number(prefix), s);
  else if (/^1\d{3}$/.test(prefix)) segmentBy4.set(Number(prefix), s);
}

/** The segment of 11 mobile digits: the longest prefix wins (`1349` over `134`). */
function segmentOf(digits: string): MobileSegment | undefined {
  const p3 =
    (digits.charCodeAt(0) - 48) * 100 + (digits.charCodeAt(1) - 48) * 10 + (digits.charCodeAt(2) - 48);
  return segmentBy4.get(p3 * 10 + (digits.charCodeAt(3) - 48)) ?? segmentBy3.get(p3);
}

function validateMobile(digits: string): PhoneResult {
  const placeholder = isMobilePlaceholder(digits);
  const segment = segmentOf(digits);
  if (!placeholder && segment !== undefined && segment.use === 'voice') {
    // The common case: a personal mobile number, nothing to report.
    return { ok: true, kind: 'mobile', normalized: digits, operator: segment.operator, findings: [] };
  }
  const masked = maskPhone(digits);
  const findings: Finding[] = [];
  const extra: Partial<PhoneResult> = { normalized: digits };
  if (segment === undefined) {
    findings.push(
      makeFinding(
        'PHONE_FORMAT',
        'error',
        `手机号段${digits.slice(0, 3)}未分配`,
        `mobile segment ${digits.slice(0, 3)} is not allocated`,
        masked,
      ),
    );
  } else {
    extra.operator = segment.operator;
    if (segment.use === 'data') {
      extra.dataOnly = true;
      findings.push(
        makeFinding(
          'PHONE_FORMAT',
          'warning',
          `号段${segment.prefix}为数据专用号段（上网卡），不能通话`,
          `segment ${segment.prefix} is data-only: the number takes no voice calls`,
          masked,
        ),
      );
    } else if (segment.use === 'satellite') {
      extra.satellite = true;
      findings.push(
        makeFinding(
          'PHONE_FORMAT',
          'warning',
          `号段${segment.prefix}为卫星电话号段`,
          `segment ${segment.prefix} is a satellite phone segment`,
          masked,
        ),
      );
    }
  }
  if (placeholder) {
    extra.placeholder = true;
    findings.push(
      makeFinding(
        'PHONE_PLACEHOLDER',
        'warning',
        '疑似占位号码（示例号码、重复或连续数字），不是客户的真实电话',
        'looks like a placeholder (sample number, repeated or sequential digits), not the customer’s phone',
        masked,
      ),
    );
  }
  return result('mobile', findings, extra);
}

/**
 * Validates a landline: `0` + area code + local number. Area codes 010 and 02x have two digits
 * after the 0 and take 8 local digits; every other area code has three and takes 7 or 8. Local
 * numbers never start with 0 or 1.
 */
function validateLandline(digits: string, groups: readonly string[], ext: string | undefined): PhoneResult {
  const areaLength = digits[1] === '1' || digits[1] === '2' ? 3 : 4;
  const area = digits.slice(0, areaLength);
  let local = digits.slice(areaLength);
  let extension = ext;
  const lengthFits = (n: number) => (areaLength === 3 ? n === 8 : n === 7 || n === 8);
  // `0755-6226567-123`: when the digits after the area code are too many, a last group of at
  // most 6 digits that leaves a local number of the right length is an extension.
  const last = groups[groups.length - 1]!;
  if (
    extension === undefined &&
    !lengthFits(local.length) &&
    groups.length >= 3 &&
    groups[0] === area &&
    last.length <= 6
  ) {
    const middle = groups.slice(1, -1).join('');
    if (lengthFits(middle.length)) {
      local = middle;
      extension = last;
    }
  }
  const canonical = `${area}-${local}${extension === undefined ? '' : `-${extension}`}`;
  const masked = maskPhone(canonical);
  const findings: Finding[] = [];
  const lengthOk = lengthFits(local.length);
  if (digits[1] === '0' || (digits[1] === '1' && area !== '010')) {
    findings.push(
      makeFinding('PHONE_FORMAT', 'error', `区号${area}不存在`, `area code ${area} does not exist`, masked),
    );
  } else if (!lengthOk) {
    findings.push(
      makeFinding(
        'PHONE_FORMAT',
        'error',
        areaLength === 3
          ? `区号${area}的本地号码应为8位，实为${local.length}位`
          : `区号${area}的本地号码应为7或8位，实为${local.length}位`,
        areaLength === 3
          ? `area code ${area} takes 8 local digits, got ${local.length}`
          : `area code ${area} takes 7 or 8 local digits, got ${local.length}`,
        masked,
      ),
    );
  } else if (local[0] === '0' || local[0] === '1') {
    findings.push(
      makeFinding(
        'PHONE_FORMAT',
        'error',
        '本地号码不能以0或1开头',
        'a local number cannot start with 0 or 1',
        masked,
      ),
    );
  }
  const extra: Partial<PhoneResult> = { normalized: canonical };
  if (local.length >= 7 && isPatterned(local)) {
    extra.placeholder = true;
    findings.push(
      makeFinding(
        'PHONE_PLACEHOLDER',
        'warning',
        '疑似占位号码（重复或连续数字）',
        'looks like a placeholder (repeated or sequential digits)',
        masked,
      ),
    );
  }
  return result('landline', findings, extra);
}

/**
 * Validates and normalises a phone number as written by people: `+86 139-1234-5678`,
 * `008613912345678`, `0755-6226567`, `(010) 6226 5678 转 123`, full-width digits.
 * Never throws; a non-personal or malformed number is a `PHONE_FORMAT` error, a data-only or
 * satellite segment a `PHONE_FORMAT` warning, a placeholder a `PHONE_PLACEHOLDER` warning.
 */
export function validatePhone(input: string): PhoneResult {
  if (typeof input !== 'string') {
    return result('unknown', [
      makeFinding('PHONE_FORMAT', 'error', '电话号码不是文本', 'phone number is not a string'),
    ]);
  }
  if (input.length === 11 && input.charCodeAt(0) === 49 && isDigits(input)) {
    // Fast path: a mobile number written as its 11 digits, which every step below keeps as is.
    return validateMobile(input);
  }
  let s = foldWidth(input).trim();
  let international = false;
  const country = COUNTRY_CODE.exec(s);
  if (country !== null) {
    international = true;
    s = s.slice(country[0].length);
  }
  let ext: string | undefined;
  const extMatch = EXTENSION.exec(s);
  if (extMatch !== null) {
    ext = extMatch[1];
    s = s.slice(0, extMatch.index);
  }
  const groups = s.split(GROUPING).filter((g) => g !== '');
  let digits = groups.join('');
  const malformed = (zh: string, en: string): PhoneResult =>
    result('unknown', [makeFinding('PHONE_FORMAT', 'error', zh, en, maskPhone(digits || s))]);
  if (digits === '' || !/^\d+$/.test(digits)) {
    if (isExcelScientific(s)) {
      return malformed(
        '电话号码为Excel科学计数法（形如d.ddddE+nn）：在Excel中以数字存储，后几位数字已丢失；请将源文件该列设为文本后重新导出',
        'phone number is in Excel scientific notation (d.ddddE+nn): stored as a number in Excel, its digits have been lost; export the source with the column as text',
      );
    }
    return malformed(
      '电话号码含有非数字字符或为空',
      'phone number is empty or contains characters other than digits',
    );
  }
  // 8613912345678: country code without + or 00.
  if (!international && digits.length === 13 && digits.startsWith('861')) {
    digits = digits.slice(2);
    international = true;
  }
  // 013912345678: a mobile dialled with the trunk prefix from another city.
  if (!international && digits.length === 12 && /^01[3-9]/.test(digits)) digits = digits.slice(1);
  // In the international form a landline drops its trunk 0 (+86 10 6226 5678): a number
  // starting with 1 is then a mobile only if it has a mobile's length.
  const mobileShaped = !international || digits.length === 11 || digits.length === 13;
  if (digits[0] === '1' && mobileShaped) {
    if (ext !== undefined) return malformed('手机号码不能带分机号', 'a mobile number has no extension');
    if (digits.length === 11) return validateMobile(digits);
    if (digits.length === 13 && IOT_PREFIXES.some((p) => digits.startsWith(p))) {
      return result(
        'iot',
        [
          makeFinding(
            'PHONE_FORMAT',
            'error',
            '13位物联网号码，不是个人电话',
            '13-digit IoT number, not a personal phone',
            maskPhone(digits),
          ),
        ],
        { normalized: digits },
      );
    }
    return malformed(
      `以1开头的号码应为11位手机号码，实为${digits.length}位`,
      `a number starting with 1 should be an 11-digit mobile number, got ${digits.length} digits`,
    );
  }
  if (international && digits[0] !== '0') digits = `0${digits}`;
  if (digits[0] === '0') {
    const landlineGroups =
      international && groups[0] !== undefined && groups[0][0] !== '0'
        ? [`0${groups[0]}`, ...groups.slice(1)]
        : groups;
    return validateLandline(digits, landlineGroups, ext);
  }
  return malformed(
    '既不是手机号码也不是带区号的固定电话（如400/800服务号码或缺少区号）',
    'neither a mobile number nor a landline with area code (service numbers such as 400/800, or a missing area code)',
  );
}
