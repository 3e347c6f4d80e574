import { type AnomalyCode, CODE_INFO } from './codes.js';

/**
 * Anomalies being built during an audit, one per operator, code and day (the group key of the
 * `anomalies` table): the events behind them are counted, the first few kept as masked evidence,
 * sub-reasons counted (no approval / expired / out of scope …) and the figures that decided
 * (thresholds, baselines) recorded, so that a reviewer sees why without the raw logs.
 */
export interface EvidenceEvent {
  ts: string;
  action: string;
  archive_no: string | null;
  record_count: number;
  approval_id: string | null;
  /** Masked: the last octet hidden (which office network, not which machine). */
  client_ip: string | null;
  terminal_id: string | null;
  result: 'ok' | 'denied';
  source: string;
  line: number;
  finding?: string;
}

export interface AnomalyDraft {
  key: string;
  code: AnomalyCode;
  operatorId: string;
  dayNum: number;
  day: string;
  firstTs: number;
  lastTs: number;
  eventCount: number;
  archives: Set<string>;
  archivesTotal: number;
  events: EvidenceEvent[];
  findings: Record<string, number>;
  facts: Record<string, unknown>;
  /** Multiplier of the score (e.g. 绝密 weighs more than 机密). */
  factor: number;
}

export function groupKey(operatorId: string, code: string, day: string): string {
  return `${operatorId}|${code}|${day}`;
}

export class DraftBook {
  readonly drafts = new Map<string, AnomalyDraft>();

  constructor(private readonly limits: { evidenceEvents: number; evidenceArchives: number }) {}

  get(code: AnomalyCode, operatorId: string, dayNum: number, day: string): AnomalyDraft {
    const key = groupKey(operatorId, code, day);
    let d = this.drafts.get(key);
    if (!d) {
      d = {
        key,
        code,
        operatorId,
        dayNum,
        day,
        firstTs: Number.POSITIVE_INFINITY,
        lastTs: Number.NEGATIVE_INFINITY,
        eventCount: 0,
        archives: new Set(),
        archivesTotal: 0,
        events: [],
        findings: {},
        facts: {},
        factor: 1,
      };
      this.drafts.set(key, d);
    }
    return d;
  }

  /** Counts one event into a draft; `evidence` is called only while the sample has room. */
  add(
    d: AnomalyDraft,
    ts: number,
    archive: string | null,
    evidence: () => EvidenceEvent,
    finding?: string,
  ): void {
    d.eventCount++;
    if (ts < d.firstTs) d.firstTs = ts;
    if (ts > d.lastTs) d.lastTs = ts;
    if (archive !== null && !d.archives.has(archive)) {
      d.archivesTotal++;
      if (d.archives.size < this.limits.evidenceArchives) d.archives.add(archive);
    }
    if (finding) d.findings[finding] = (d.findings[finding] ?? 0) + 1;
    if (d.events.length < this.limits.evidenceEvents) {
      const e = evidence();
      if (finding) e.finding = finding;
      d.events.push(e);
    }
  }

  delete(key: string): void {
    this.drafts.delete(key);
  }
}

/**
 * Score of an anomaly: the code's weight × (1 + log10(events)) × the draft's factor. Logarithmic
 * in the count because the hundredth unapproved view says less than the first; the weight says
 * what the code means about intent.
 */
export function scoreOf(
  d: Pick<AnomalyDraft, 'code' | 'eventCount' | 'factor'>,
  weights: Record<string, number>,
): number {
  const w = weights[d.code] ?? CODE_INFO[d.code].weight;
  return Math.round(w * (1 + Math.log10(Math.max(1, d.eventCount))) * d.factor * 100) / 100;
}

/** IPv4 `10.12.3.4` → `10.12.3.*`; other forms keep their first half. */
export function maskPlace(ip: string): string {
  const v4 = /^(\d{1,3}\.\d{1,3}\.\d{1,3})\.\d{1,3}$/.exec(ip);
  if (v4) return `${v4[1]}.*`;
  return `${ip.slice(0, Math.ceil(ip.length / 2))}***`;
}
