import { describe, expect, it } from 'vitest';
import { generateAgents } from './agents.js';
import { generateComplaints } from './complaints.js';
import { type CustomerRow, generateCustomers, type InjectedDefect } from './customers.js';
import { DEFECT_RULES, NEGATIVE_LABEL_RULES } from './defects.js';
import type { SampleOptions } from './options.js';
import { checkBatch } from './testing/reference-checker.js';

function collect(opts: SampleOptions): { rows: CustomerRow[]; labels: InjectedDefect[] } {
  const rows: CustomerRow[] = [];
  const labels: InjectedDefect[] = [];
  for (const { row, defects } of generateCustomers(opts)) {
    rows.push(row);
    labels.push(...defects);
  }
  return { rows, labels };
}

/** Computed here from the standard, not with the package's own helper. */
function gbCheckChar(first17: string): string {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(first17[i]) * w[i]!;
  return '10X98765432'[s % 11]!;
}

describe('generateCustomers', () => {
  it('gives the same rows and labels for the same seed, different ones for another seed', () => {
    const a = collect({ customers: 2000, seed: 42, defectRate: 0.1 });
    const b = collect({ customers: 2000, seed: 42, defectRate: 0.1 });
    const c = collect({ customers: 2000, seed: 43, defectRate: 0.1 });
    expect(b).toEqual(a);
    expect(c.rows.map((r) => r.holder_id_number)).not.toEqual(a.rows.map((r) => r.holder_id_number));
  });

  it('writes valid 18-character ID numbers on clean records', () => {
    const { rows, labels } = collect({ customers: 5000, seed: 3, defectRate: 0.1 });
    const labelled = new Set(
      labels
        .filter((l) => l.rule !== 'NOT_MISSING_MINOR' && l.rule !== 'AGENT_RECHECK')
        .map((l) => l.recordId),
    );
    let checked = 0;
    for (const r of rows) {
      if (labelled.has(r.record_id)) continue;
      for (const id of [r.holder_id_number, r.insured_id_number]) {
        if (id.length !== 18) continue;
        expect(id).toMatch(/^\d{17}[\dX]$/);
        expect(id[17]).toBe(gbCheckChar(id.slice(0, 17)));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(5000);
  });

  it('never gives two clean people the same phone, card or ID number (100k rows)', () => {
    const n = 100_000;
    const labelled = new Set<string>();
    const rows: CustomerRow[] = [];
    for (const { row, defects } of generateCustomers({ customers: n, seed: 11, profile: 'telecom' })) {
      rows.push(row);
      for (const d of defects)
        if (d.rule !== 'AGENT_RECHECK' && d.rule !== 'NOT_MISSING_MINOR') labelled.add(d.recordId);
    }
    const phoneOwner = new Map<string, string>();
    const cardOwner = new Map<string, string>();
    const serviceNumbers = new Set<string>();
    const person = new Map<string, string>();
    const clashes: string[] = [];
    let repeats = 0;
    for (const r of rows) {
      if (labelled.has(r.record_id)) continue;
      const who = `${r.holder_name}|${r.holder_birth_date}|${r.holder_gender}|${r.archive_no}`;
      const seen = person.get(r.holder_id_number);
      if (seen !== undefined) {
        if (seen !== who) clashes.push(`ID ${r.holder_id_number}`);
        repeats++;
      }
      person.set(r.holder_id_number, who);
      if ((phoneOwner.get(r.holder_phone) ?? r.holder_id_number) !== r.holder_id_number)
        clashes.push(`phone ${r.holder_phone}`);
      phoneOwner.set(r.holder_phone, r.holder_id_number);
      if (r.bank_account !== '') {
        if ((cardOwner.get(r.bank_account) ?? r.holder_id_number) !== r.holder_id_number)
          clashes.push(`card ${r.bank_account}`);
        cardOwner.set(r.bank_account, r.holder_id_number);
      }
      if (serviceNumbers.has(r.service_number)) clashes.push(`service ${r.service_number}`);
      serviceNumbers.add(r.service_number);
    }
    for (const s of serviceNumbers)
      if (phoneOwner.has(s)) clashes.push(`service number used as a phone ${s}`);
    expect(clashes).toEqual([]);
    expect(repeats).toBeGreaterThan(1000);
    expect(repeats).toBeLessThan(5000);
  });

  it('keeps insured persons apart from holders (insurance, 100k rows)', () => {
    const person = new Map<string, string>();
    const clashes: string[] = [];
    let unexpected = 0;
    for (const { row: r, defects } of generateCustomers({ customers: 100_000, seed: 12, defectRate: 0 })) {
      if (!defects.every((d) => d.rule === 'AGENT_RECHECK' || d.rule === 'NOT_MISSING_MINOR')) unexpected++;
      for (const [id, who] of [
        [r.holder_id_number, `${r.holder_name}|${r.holder_birth_date}`],
        [r.insured_id_number, `${r.insured_name}|${r.insured_birth_date}`],
      ] as const) {
        if (id === '') continue;
        if ((person.get(id) ?? who) !== who) clashes.push(id);
        person.set(id, who);
      }
    }
    expect(unexpected).toBe(0);
    expect(clashes).toEqual([]);
  });

  for (const profile of ['insurance', 'telecom'] as const) {
    it(`produces every label kind in 5,000 ${profile} rows at defectRate 0.1`, () => {
      const { labels } = collect({ customers: 5000, seed: 5, defectRate: 0.1, profile });
      const kinds = new Set(labels.map((l) => l.rule));
      const expected = [...DEFECT_RULES, ...NEGATIVE_LABEL_RULES].filter(
        (r) =>
          !(profile === 'insurance' && r === 'ID_LINE_LIMIT') &&
          !(profile === 'telecom' && r === 'NOT_MISSING_MINOR'),
      );
      for (const rule of expected) expect(kinds, rule).toContain(rule);
      if (profile === 'insurance') expect(kinds).not.toContain('ID_LINE_LIMIT');
    });

    it(`labels exactly what an independent checker flags (${profile})`, () => {
      // The last run spans three blocks (BLOCK_SIZE): partners and shared values at block edges.
      for (const [seed, customers] of [
        [1, 6000],
        [2, 6000],
        [3, 40_000],
      ] as const) {
        const opts: SampleOptions = { customers, seed, defectRate: 0.12, profile };
        const { rows, labels } = collect(opts);
        const agents = generateAgents(opts);
        const complaints = generateComplaints(agents, opts);
        const found = checkBatch(rows, agents, complaints, '2026-01-01', profile)
          .map((f) => `${f.recordId}|${f.rule}`)
          .sort();
        const expected = [
          ...new Set(
            labels.filter((l) => l.rule !== 'NOT_MISSING_MINOR').map((l) => `${l.recordId}|${l.rule}`),
          ),
        ].sort();
        expect(found).toEqual(expected);
      }
    });
  }

  it('exempts minors without an ID number, and only minors', () => {
    const { rows, labels } = collect({ customers: 3000, seed: 9 });
    const minors = new Set(labels.filter((l) => l.rule === 'NOT_MISSING_MINOR').map((l) => l.recordId));
    expect(minors.size).toBeGreaterThan(50);
    for (const r of rows) {
      if (!minors.has(r.record_id)) continue;
      expect(r.insured_id_number).toBe('');
      const [y, m, d] = r.insured_birth_date.split('-');
      expect(r.sign_date < `${Number(y) + 18}-${m}-${d}`).toBe(true);
      expect(r.insured_birth_date < r.sign_date).toBe(true);
    }
  });

  it('keeps the share of defective records near defectRate', () => {
    for (const rate of [0.02, 0.05, 0.2]) {
      const { labels } = collect({ customers: 20_000, seed: 8, defectRate: rate, profile: 'telecom' });
      const records = new Set(
        labels
          .filter((l) => l.rule !== 'AGENT_RECHECK' && l.rule !== 'NOT_MISSING_MINOR')
          .map((l) => l.recordId),
      );
      expect(records.size / 20_000).toBeGreaterThan(rate * 0.85);
      expect(records.size / 20_000).toBeLessThan(rate * 1.15);
    }
  });

  it('keeps two batches of one seed with disjoint index ranges apart', () => {
    const a = collect({ customers: 3000, seed: 4, idPrefix: 'N1-' });
    const b = collect({ customers: 3000, seed: 4, idPrefix: 'N2-', indexOffset: 3000 });
    const key = (rows: CustomerRow[]) =>
      new Set(rows.flatMap((r) => [r.holder_id_number, r.holder_phone, r.bank_account, r.record_id]));
    const first = key(a.rows);
    const overlap = [...key(b.rows)].filter((v) => v !== '' && first.has(v));
    expect(overlap).toEqual([]);
  });

  it('signs within the window and links every record to an active agent of its branch and channel', () => {
    const opts: SampleOptions = {
      customers: 2000,
      seed: 6,
      signDateFrom: '2025-03-01',
      signDateTo: '2025-03-31',
      agents: 40,
    };
    const agents = new Map(generateAgents(opts).map((a) => [a.agent_id, a]));
    for (const { row } of generateCustomers(opts)) {
      expect(row.sign_date >= '2025-03-01' && row.sign_date <= '2025-03-31').toBe(true);
      const agent = agents.get(row.agent_id)!;
      expect(agent.status).toBe('在职');
      expect([agent.branch, agent.channel]).toEqual([row.branch, row.channel]);
    }
  });
});
