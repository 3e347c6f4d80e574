import type { AuditorConfig } from './config.js';
import { AuditEngine, type EngineResult, type EngineSetup } from './detect/engine.js';
import type { LogFileStats, RawEvent } from './input/log-reader.js';
import { openLogStream } from './input/log-stream.js';

/**
 * One audit without a database: streams the logs (and extra events such as the audit trail's)
 * through the detection engine. `runAudit` wraps it with loading and storing; the bench calls it
 * directly to measure the detection itself.
 */
export interface AuditFilesInput extends Omit<EngineSetup, 'config'> {
  config: AuditorConfig;
  files: string[];
  extra?: { label: string; events: RawEvent[] };
  /** Audit time for loans still open (default: the last event). */
  asOf?: number;
  workers?: number;
  onProgress?: (events: number) => void;
}

export interface AuditFilesResult extends EngineResult {
  files: LogFileStats[];
}

export async function auditFiles(input: AuditFilesInput): Promise<AuditFilesResult> {
  const engine = new AuditEngine(input);
  const stream = openLogStream({
    files: input.files,
    ...(input.extra ? { extra: input.extra } : {}),
    workers: input.workers ?? input.config.workers,
  });
  let lastReport = 0;
  for await (const batch of stream.batches) {
    engine.processBatch(batch);
    if (input.onProgress && engine.stats.events - lastReport >= 250_000) {
      lastReport = engine.stats.events;
      input.onProgress(engine.stats.events);
    }
  }
  const result = engine.finish(input.asOf);
  return { ...result, files: stream.stats };
}
