// GB/T 2260 administrative division codes with the years each was in force, loaded once at
// module load from data/gb2260-timeline.tsv (attribution in data/README.md) into typed arrays,
// so that a lookup during validation is one array read: no I/O and no allocation per call.

import { readFileSync } from 'node:fs';

/** One row of the timeline: a code may have several when it was reused for another place. */
export interface RegionPeriod {
  /** Name of the division itself (`东城区`), as listed. */
  name: string;
  /** First year in force; 0 when in force "before records". */
  fromYear: number;
  /** Last year in force; `IN_FORCE` when still in force. */
  toYear: number;
}

/** `toYear` of a code still in force. */
export const IN_FORCE = 0xffff;

/**
 * Codes reported on issued cards but absent from every published list (data/README.md, "Known
 * gaps"). They are accepted with a warning like any unknown county, with a more precise reason.
 */
export const REPORTED_MISSING_CODES: ReadonlySet<number> = new Set([
  321119, 430419, 632824, 632825, 632826, 320219, 230119,
]);

/** Special administrative regions and Taiwan: only ever used as the whole code 810000/820000/830000. */
export const PERMIT_REGION_CODES: ReadonlySet<number> = new Set([810000, 820000, 830000]);

export interface RegionTimeline {
  /** Last year any period of the code was in force (`IN_FORCE` if still), 0 if the code is unknown. */
  lastYear: Uint16Array;
  /** 1 for the two-digit prefix of a mainland province (11 to 65), else 0. Excludes 71 and 81-83. */
  province: Uint8Array;
  periods: Map<number, RegionPeriod[]>;
}

/**
 * Parses the timeline TSV (`code, name, from_year, to_year, source` with a header line).
 * @throws Error on a malformed line: the shipped file is part of the program.
 */
export function parseTimeline(tsv: string): RegionTimeline {
  const lastYear = new Uint16Array(1_000_000);
  const province = new Uint8Array(100);
  const periods = new Map<number, RegionPeriod[]>();
  const lines = tsv.split(/\r?\n/);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const [codeText, name, fromText, toText] = line.split('\t');
    if (codeText === undefined || !/^\d{6}$/.test(codeText) || name === undefined) {
      throw new Error(`gb2260 timeline: malformed line ${i + 1}: ${JSON.stringify(line)}`);
    }
    const code = Number(codeText);
    const period: RegionPeriod = {
      name,
      fromYear: fromText ? Number(fromText) : 0,
      toYear: toText ? Number(toText) : IN_FORCE,
    };
    const list = periods.get(code);
    if (list === undefined) periods.set(code, [period]);
    else list.push(period);
    if (period.toYear > lastYear[code]!) lastYear[code] = period.toYear;
    // Province-level rows; 71 (Taiwan) is absent from the file and 81-83 are permit-only prefixes.
    if (code % 10000 === 0 && code < 800000) province[code / 10000] = 1;
  }
  for (const list of periods.values()) list.sort((a, b) => a.fromYear - b.fromYear);
  return { lastYear, province, periods };
}

const timeline = parseTimeline(readFileSync(new URL('../data/gb2260-timeline.tsv', import.meta.url), 'utf8'));

/** Last year the code was in force (`IN_FORCE` if it still is), or 0 if it never appears in the timeline. */
export function regionLastYear(code: number): number {
  return timeline.lastYear[code] ?? 0;
}

/** True when the six-digit code appears in the timeline, in any year. */
export function isKnownRegion(code: number): boolean {
  return (timeline.lastYear[code] ?? 0) !== 0;
}

/** True for the two-digit prefix of a mainland province (11 to 65). 71, 81, 82, 83 are not. */
export function isProvincePrefix(prefix: number): boolean {
  return timeline.province[prefix] === 1;
}

/** Every period of a code, oldest first; empty when unknown. */
export function regionPeriods(code: number): readonly RegionPeriod[] {
  return timeline.periods.get(code) ?? [];
}

/** Every six-digit code of the timeline below the province level (for tests and benchmarks). */
export function countyCodes(): number[] {
  return [...timeline.periods.keys()].filter((c) => c % 100 !== 0).sort((a, b) => a - b);
}

/** Names of placeholder prefecture-level rows that add nothing to a full name. */
const NOISE_NAMES = new Set(['市辖区', '县', '市', '省直辖县级行政区划', '自治区直辖县级行政区划']);

function nameAt(code: number, year: number): string | undefined {
  const list = timeline.periods.get(code);
  if (list === undefined) return undefined;
  let best = list[list.length - 1]!;
  for (const p of list) {
    if (p.fromYear <= year && year <= p.toYear) {
      best = p;
      break;
    }
  }
  return best.name;
}

function composeName(code: number, year: number): string | undefined {
  const own = nameAt(code, year);
  if (own === undefined) return undefined;
  const provinceCode = code - (code % 10000);
  const prefectureCode = code - (code % 100);
  if (code === provinceCode) return own;
  let full = nameAt(provinceCode, year) ?? '';
  if (prefectureCode !== code) {
    const prefecture = nameAt(prefectureCode, year);
    if (prefecture !== undefined && !NOISE_NAMES.has(prefecture)) full += prefecture;
  }
  return full + own;
}

/** Full names of the codes whose name, and whose ancestors' names, never changed: most of them. */
const stableNames = new Map<number, string>();
for (const [code, list] of timeline.periods) {
  const ancestors = [code - (code % 10000), code - (code % 100)];
  if (list.length === 1 && ancestors.every((a) => (timeline.periods.get(a)?.length ?? 0) <= 1)) {
    stableNames.set(code, composeName(code, IN_FORCE)!);
  }
}

/**
 * Full name of a code (`北京市东城区`): province, prefecture and county names, each the one in
 * force in `year` when given (a reused code names the place of that time), else the latest one.
 * `undefined` when the code itself is unknown.
 */
export function regionName(code: number, year = IN_FORCE): string | undefined {
  return stableNames.get(code) ?? composeName(code, year);
}
