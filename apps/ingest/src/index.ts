// @custodian/ingest: the nightly ingestion, for the demo, the console and the reports.
export { applyCorrection } from './review/apply-correction.js';
export { type IngestRunInput, type IngestRunSummary, runIngest } from './run-ingest.js';
export type { FileResult } from './pipeline/ingest-file.js';
