// Benchmark: validates 1,000,000 deterministic valid-and-invalid ID numbers with
// @custodian/validators and, in the same run, with the npm package id-validator (mc-zone), then
// prints both rates, their ratio and every number on which the two disagree, by class.
//
//   npx tsx --conditions=custodian-source bench/validators/ids.ts [count] [seed]
//
// Prints figures; asserts nothing (house style: benchmarks are scripts).

import { performance } from 'node:perf_hooks';
import { Prng } from '@custodian/sample-data/prng';
import {
  civilFromDays,
  countyCodes,
  daysFromCivil,
  idCheckChar,
  isProvincePrefix,
  isValidIdNumber,
  parseIdNumber,
  REPORTED_MISSING_CODES,
  regionLastYear,
} from '@custodian/validators';
import IDValidator from 'id-validator';
import GB2260 from 'id-validator/src/GB2260.js';

const COUNT = Number(process.argv[2] ?? 1_000_000);
const SEED = Number(process.argv[3] ?? 20240601);
const PASSES = 3;

const rng = new Prng(SEED);
const random = () => rng.next();
const int = (min: number, max: number) => rng.between(min, max);
const pick = <T>(items: readonly T[]): T => rng.pick(items);
const pad = (n: number, width: number) => String(n).padStart(width, '0');

const counties = countyCodes().filter((c) => isProvincePrefix(Math.floor(c / 10000)));
const current = counties.filter((c) => regionLastYear(c) === 0xffff);
const abolished = counties.filter((c) => regionLastYear(c) < 1990);
const provinces = [...new Set(counties.map((c) => Math.floor(c / 10000)))];
const TODAY = 20250601;
const dayRange = [daysFromCivil(1930, 1, 1), daysFromCivil(2024, 12, 31)] as const;
const with18 = (body: string) => body + idCheckChar(body);
const randomDate = () => civilFromDays(int(dayRange[0], dayRange[1]));
const validBody = (region = pick(current), date = randomDate()) => `${region}${date}${pad(int(0, 999), 3)}`;

/** Categories of generated numbers, with their share and a generator. */
const CATEGORIES: [name: string, weight: number, make: () => string][] = [
  ['valid', 40, () => with18(validBody())],
  [
    'valid, lower-case x',
    2,
    () => {
      let id = '';
      while (!id.endsWith('X')) id = with18(validBody());
      return id.toLowerCase();
    },
  ],
  [
    'digit substitution',
    8,
    () => {
      const id = with18(validBody());
      const i = int(0, 17);
      let c = id[i];
      while (c === id[i]) c = pick([...'0123456789']);
      return id.slice(0, i) + c + id.slice(i + 1);
    },
  ],
  [
    'adjacent transposition',
    5,
    () => {
      const id = with18(validBody());
      let i = int(0, 16);
      while (id[i] === id[i + 1]) i = int(0, 16);
      return id.slice(0, i) + id[i + 1] + id[i] + id.slice(i + 2);
    },
  ],
  [
    'non-existent day (30 Feb, 31 Apr, 29 Feb of a common year)',
    4,
    () => {
      const y = int(1930, 2023);
      const [m, d] = pick([
        [2, 30],
        [2, 31],
        [4, 31],
        [6, 31],
        [9, 31],
        [11, 31],
        ...(y % 4 !== 0 ? [[2, 29]] : []),
      ] as const);
      return with18(validBody(pick(current), y * 10000 + m * 100 + d));
    },
  ],
  [
    'month 00/13 or day 00/32',
    2,
    () => with18(validBody(pick(current), int(1930, 2023) * 10000 + pick([0, 13, 1]) * 100 + pick([0, 32]))),
  ],
  ['future birth date', 3, () => with18(validBody(pick(current), int(2026, 2090) * 10000 + 101))],
  ['birth year before 1800', 1, () => with18(validBody(pick(current), int(1000, 1799) * 10000 + 101))],
  [
    'unknown county, valid province',
    4,
    () => {
      let region = 0;
      do region = pick(provinces) * 10000 + int(1, 9999);
      while (regionLastYear(region) !== 0 || REPORTED_MISSING_CODES.has(region));
      return with18(validBody(region));
    },
  ],
  [
    'county abolished before the birth year',
    2,
    () => {
      const region = pick(abolished);
      return with18(validBody(region, int(regionLastYear(region) + 1, 2024) * 10000 + 101));
    },
  ],
  [
    'no such province (00, 20, 71, 99, ...)',
    3,
    () => with18(validBody(pick([0, 10, 20, 30, 40, 47, 66, 71, 72, 80, 84]) * 10000 + int(0, 9999))),
  ],
  ['permit 810000/820000/830000', 3, () => with18(validBody(pick([810000, 820000, 830000])))],
  [
    'permit with a code below 81/82/83',
    1,
    () => with18(validBody(pick([81, 82, 83]) * 10000 + int(1, 9999))),
  ],
  [
    'foreigner ID, 2023 form',
    3,
    () => with18(`9${pick(provinces)}${pad(int(4, 894), 3)}${randomDate()}${pad(int(0, 999), 3)}`),
  ],
  [
    'foreigner ID, old 15-character form',
    1,
    () =>
      `${pick(['KAZ', 'USA', 'GBR', 'JPN', 'KOR'])}${pick(provinces)}00${String(randomDate()).slice(2)}${pad(int(0, 99), 2)}`,
  ],
  [
    'legacy 15 digits, valid',
    5,
    () => {
      const region = pick(counties.filter((c) => regionLastYear(c) >= 1999));
      return `${region}${String(int(30, 99))}${pad(int(1, 12), 2)}${pad(int(1, 28), 2)}${pad(int(0, 999), 3)}`;
    },
  ],
  [
    'legacy 15 digits, unknown region',
    1,
    () => {
      let region = 0;
      do region = pick(provinces) * 10000 + int(1, 9999);
      while (regionLastYear(region) !== 0 || REPORTED_MISSING_CODES.has(region));
      return `${region}${int(30, 99)}0101${pad(int(0, 999), 3)}`;
    },
  ],
  ['legacy 15 digits ending in X', 1, () => `${pick(current)}${int(30, 99)}0101${pad(int(0, 99), 2)}X`],
  [
    'written with spaces or full-width digits',
    2,
    () => {
      const id = with18(validBody());
      return random() < 0.5
        ? `${id.slice(0, 6)} ${id.slice(6, 14)} ${id.slice(14)}`
        : id.replace(/[0-9X]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
    },
  ],
  [
    'garbage (wrong length, letters)',
    2,
    () => {
      const kind = int(0, 2);
      if (kind === 0) return with18(validBody()).slice(0, int(0, 17));
      if (kind === 1) return with18(validBody()) + pad(int(0, 9), 1);
      const id = with18(validBody());
      const i = int(0, 16);
      return id.slice(0, i) + pick([...'ABZ?-']) + id.slice(i + 1);
    },
  ],
];

// Why the two validators part on each category (see the brief and validation-cases.md).
const EXPLANATIONS: Record<string, string> = {
  'non-existent day (30 Feb, 31 Apr, 29 Feb of a common year)':
    'id-validator checks only month <= 12 and day <= 31, so it accepts 30 February, 31 April and 29 February of common years',
  'future birth date': 'id-validator has no future-date check',
  'birth year before 1800': 'id-validator has no lower bound on the birth year; we refuse years before 1800',
  'permit 810000/820000/830000':
    'id-validator’s GB2260 table has no 81/82/83 codes: it refuses valid residence permits',
  'foreigner ID, 2023 form': 'id-validator knows no foreigner permanent residence IDs (leading 9)',
  'foreigner ID, old 15-character form':
    'id-validator knows no foreigner permanent residence IDs (3 letters + 12 digits)',
  'legacy 15 digits, unknown region':
    'id-validator falls back to the province for an unknown code; with no check digit on 15-digit numbers we require a known code',
  'legacy 15 digits ending in X': 'id-validator does not check the characters of a 15-digit number',
  'written with spaces or full-width digits':
    'id-validator does not fold full-width characters nor remove spaces',
  'unknown county, valid province':
    'both accept (we with an ID_REGION warning); differs only where id-validator’s current-codes table misses a prefecture we know',
  'county abolished before the birth year':
    'we accept with a warning; id-validator refuses abolished codes absent from its table whose province it does not fall back to',
};

function generate(n: number): { ids: string[]; category: Uint8Array } {
  const total = CATEGORIES.reduce((s, [, w]) => s + w, 0);
  const ids: string[] = new Array(n);
  const category = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let r = random() * total;
    let k = 0;
    while (r >= CATEGORIES[k]![1]) r -= CATEGORIES[k++]![1];
    category[i] = k;
    ids[i] = CATEGORIES[k]![2]();
  }
  return { ids, category };
}

function time(label: string, run: () => number): number {
  let best = Number.POSITIVE_INFINITY;
  let accepted = 0;
  for (let pass = 0; pass < PASSES; pass++) {
    const t0 = performance.now();
    accepted = run();
    best = Math.min(best, performance.now() - t0);
  }
  const rate = COUNT / (best / 1000);
  console.log(
    `${label.padEnd(44)} ${fmt(rate).padStart(11)} IDs/s  (best of ${PASSES}: ${best.toFixed(0)} ms, ${accepted} accepted)`,
  );
  return rate;
}
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const t0 = performance.now();
const { ids, category } = generate(COUNT);
console.log(
  `generated ${fmt(COUNT)} ID numbers (seed ${SEED}) in ${(performance.now() - t0).toFixed(0)} ms; today = ${TODAY}`,
);
const opts = { today: '2025-06-01' };

const ours = new Uint8Array(COUNT);
const peer = new Uint8Array(COUNT);
const oursRate = time('@custodian/validators isValidIdNumber', () => {
  let ok = 0;
  for (let i = 0; i < COUNT; i++) {
    const v = isValidIdNumber(ids[i]!, opts);
    ours[i] = v ? 1 : 0;
    ok += ours[i]!;
  }
  return ok;
});
const parseRate = time('@custodian/validators parseIdNumber (full)', () => {
  let ok = 0;
  for (let i = 0; i < COUNT; i++) if (parseIdNumber(ids[i]!, opts).ok) ok++;
  return ok;
});
// A fresh instance per pass: id-validator caches every verdict per instance, and a warm cache
// would time a hash lookup, not validation.
const peerRate = time('id-validator 1.3.0 isValid (with GB2260)', () => {
  const validator = new IDValidator(GB2260);
  let ok = 0;
  for (let i = 0; i < COUNT; i++) {
    peer[i] = validator.isValid(ids[i]!) ? 1 : 0;
    ok += peer[i]!;
  }
  return ok;
});
console.log(
  `ratio: fast path ${(oursRate / peerRate).toFixed(2)}x, full parse ${(parseRate / peerRate).toFixed(2)}x the rate of id-validator`,
);

// Disagreements, by class (category and the two verdicts).
const classes = new Map<string, { count: number; examples: number[] }>();
for (let i = 0; i < COUNT; i++) {
  if (ours[i] === peer[i]) continue;
  const key = `${CATEGORIES[category[i]!]![0]} | ours ${ours[i] ? 'valid' : 'invalid'}, id-validator ${peer[i] ? 'valid' : 'invalid'}`;
  let c = classes.get(key);
  if (c === undefined) {
    c = { count: 0, examples: [] };
    classes.set(key, c);
  }
  c.count++;
  c.examples.push(i);
}
const disagreements = [...classes.values()].reduce((s, c) => s + c.count, 0);
console.log(
  `\n${fmt(disagreements)} disagreements (${((100 * disagreements) / COUNT).toFixed(2)}%) in ${classes.size} classes`,
);
const LIMIT = 50;
let printed = 0;
const sorted = [...classes.entries()].sort((a, b) => b[1].count - a[1].count);
const perClass = Math.max(1, Math.floor(LIMIT / Math.max(1, classes.size)));
for (const [key, c] of sorted) {
  const name = key.split(' | ')[0]!;
  console.log(`\n[${fmt(c.count)}] ${key}`);
  if (EXPLANATIONS[name]) console.log(`      why: ${EXPLANATIONS[name]}`);
  for (const i of c.examples.slice(0, perClass)) {
    if (printed >= LIMIT) break;
    const r = parseIdNumber(ids[i]!, opts);
    const codes = r.findings.map((f) => `${f.rule}/${f.severity}`).join(',') || 'no finding';
    console.log(
      `      ${JSON.stringify(ids[i])}  ours=${ours[i] ? 'valid' : 'invalid'} (${codes})  id-validator=${peer[i] ? 'valid' : 'invalid'}`,
    );
    printed++;
  }
}
if (printed < disagreements)
  console.log(`\n(${fmt(disagreements - printed)} more disagreements not printed)`);
