import { describe, expect, it } from 'vitest';
import { AGENT_STATUS, assignComplaintProfiles, generateAgents } from './agents.js';
import { complaintWindows, generateComplaints, MIS_SELLING } from './complaints.js';
import { dayFromCivil, isoDate } from './dates.js';

describe('agents and complaints', () => {
  const opts = { customers: 10_000, seed: 17, agents: 200 };

  it('makes agents with distinct ids and phones, hired before the sign window', () => {
    const agents = generateAgents(opts);
    expect(agents).toHaveLength(200);
    expect(new Set(agents.map((a) => a.agent_id)).size).toBe(200);
    expect(new Set(agents.map((a) => a.phone)).size).toBe(200);
    expect(agents.every((a) => /^A\d{6}$/.test(a.agent_id) && a.hired_on < '2025-01-01')).toBe(true);
    expect(agents.some((a) => a.status === AGENT_STATUS.left)).toBe(true);
  });

  it('gives each complaint profile its history', () => {
    const agents = generateAgents(opts);
    const profiles = assignComplaintProfiles(agents, 17);
    const complaints = generateComplaints(agents, opts);
    const batch = '2026-01-01';
    const yearBefore = '2025-01-01';
    const verifiedInYear = (agentId: string) =>
      complaints.filter(
        (c) =>
          c.agent_id === agentId &&
          c.category === MIS_SELLING &&
          c.verified === '是' &&
          c.received_on >= yearBefore &&
          c.received_on < batch,
      ).length;
    const counts = new Map<string, number>();
    agents.forEach((a, i) => {
      const p = profiles[i]!;
      counts.set(p, (counts.get(p) ?? 0) + 1);
      expect(verifiedInYear(a.agent_id) >= 2).toBe(p === 'recheck');
      if (p === 'single' || p === 'stale') expect(verifiedInYear(a.agent_id)).toBe(1);
    });
    expect(counts.get('recheck')).toBe(8);
    for (const p of ['single', 'unverified', 'stale', 'other']) expect(counts.get(p)).toBeGreaterThan(0);
    expect(new Set(complaints.map((c) => c.complaint_id)).size).toBe(complaints.length);
  });

  it('keeps recent complaints before the first sign date when the window is short', () => {
    const w = complaintWindows(dayFromCivil(2025, 12, 1), dayFromCivil(2026, 1, 1));
    expect(isoDate(w.recent[1]) < '2025-12-01').toBe(true);
    expect(w.recent[0]).toBeGreaterThan(dayFromCivil(2026, 1, 1) - 365);
    expect(w.old[1]).toBeLessThan(dayFromCivil(2026, 1, 1) - 365);
  });
});
