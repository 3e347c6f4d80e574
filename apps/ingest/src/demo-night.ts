// One night of the demo: a generated sample of the profile the archive is checked under, ingested
// under that same profile, and the flags raised tallied rule by rule against the answer key.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CustodianContext } from '@custodian/core';
import { isNegativeLabel, type SampleFiles, writeSampleFiles } from '@custodian/sample-data';
import type { FileResult } from './pipeline/ingest-file.js';
import { runIngest } from './run-ingest.js';

/** The profiles the sample generator writes data for (packages/sample-data). */
export const DEMO_PROFILES = ['insurance', 'telecom'] as const;
export type DemoProfile = (typeof DEMO_PROFILES)[number];

export interface RuleTally {
  injected: number;
  found: number;
  wronglyFlagged: number;
  flags: number;
}

export interface DemoNight {
  files: SampleFiles;
  /** The customer file's result; `undefined` when another ingestion held the lock. */
  result?: FileResult;
  flags: {
    record_id: string;
    rule: string;
    reason_zh: string;
    flag_id: number;
    due_on: string;
    listed_on: string;
  }[];
  rules: Map<string, RuleTally>;
}

/**
 * The folder of a night's sample: the insurance demo's is `seed-N`, as it always was; another
 * profile's has its own, so that a telecom night does not overwrite an insurance one.
 */
export function demoDir(dataDir: string, profile: DemoProfile, seed: number): string {
  return join(dataDir, '..', 'demo', profile === 'insurance' ? `seed-${seed}` : `${profile}-seed-${seed}`);
}

/**
 * Generates the sample of `profile` and ingests it under that profile (not the configuration's,
 * which may name another: a telecom archive's demo checked insurance data, with no service
 * numbers, and flagged every record MISSING_REQUIRED). Records of another profile's sample get
 * other record numbers (a profile letter in the prefix), so that the two demos do not overwrite
 * each other in one archive.
 */
export async function runDemoNight(
  ctx: CustodianContext,
  opts: {
    customers: number;
    seed: number;
    profile: DemoProfile;
    today: string;
    onProgress?: (p: { rows: number; quarantined: number }) => void;
  },
): Promise<DemoNight> {
  const { customers, seed, profile, today } = opts;
  const files = await writeSampleFiles(demoDir(ctx.config.dataDir, profile, seed), {
    customers,
    seed,
    profile,
    defectRate: 0.05,
    idPrefix: profile === 'insurance' ? `S${seed}-` : `${profile.slice(0, 1).toUpperCase()}${seed}-`,
    batchDate: today,
    signDateFrom: '2025-11-01',
    signDateTo: '2026-11-01',
  });
  const summary = await runIngest(ctx, {
    files: [files.customersFile],
    agentsFile: files.agentsFile,
    complaintsFile: files.complaintsFile,
    profile,
    date: today,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  const rules = new Map<string, RuleTally>();
  if (!summary) return { files, flags: [], rules };
  const result = summary.files[0]!;
  if (result.batchId === undefined) return { files, result, flags: [], rules };
  const flags = await ctx.storage.db
    .selectFrom('flags')
    .select(['record_id', 'rule', 'reason_zh', 'flag_id', 'due_on', 'listed_on'])
    .where('batch_id', '=', result.batchId)
    .execute();
  const found = new Set(flags.map((f) => `${f.record_id}|${f.rule}`));
  const labels = readFileSync(files.labelsFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { recordId: string; rule: string });
  const entry = (rule: string) => {
    let e = rules.get(rule);
    if (!e) {
      e = { injected: 0, found: 0, wronglyFlagged: 0, flags: 0 };
      rules.set(rule, e);
    }
    return e;
  };
  for (const l of labels) {
    if (isNegativeLabel(l)) {
      // A case built NOT to be flagged (e.g. a minor insured without ID number).
      if (found.has(`${l.recordId}|MISSING_REQUIRED`)) entry('MISSING_REQUIRED').wronglyFlagged++;
      continue;
    }
    const e = entry(l.rule);
    e.injected++;
    if (found.has(`${l.recordId}|${l.rule}`)) e.found++;
  }
  for (const f of flags) entry(f.rule).flags++;
  return { files, result, flags, rules };
}
