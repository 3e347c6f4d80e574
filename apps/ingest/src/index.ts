// @custodian/ingest: the nightly ingestion, for the demo, the console and the reports.

export type { FileResult } from './pipeline/ingest-file.js';
export { applyCorrection } from './review/apply-correction.js';
export { type IngestRunInput, type IngestRunSummary, runIngest } from './run-ingest.js';
