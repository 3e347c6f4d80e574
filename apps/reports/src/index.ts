export {
  type BuildReportOptions,
  type BuildReportResult,
  type BuiltFile,
  buildReport,
  defaultPeriod,
  isReportKind,
  REPORT_KINDS,
  type ReportKind,
  scheduledTime,
} from './build-report.js';
export { LANGS, type Lang } from './i18n.js';
export {
  type CatchUp,
  catchUpReports,
  dueRuns,
  missingRuns,
  type ReportRun,
  runReportJob,
} from './jobs/report-jobs.js';
export { type Manifest, type ManifestEntry, readManifest } from './output/manifest.js';
export { type Period, type PeriodKind, parsePeriod, periodContaining, previousPeriod } from './periods.js';
export {
  type BadRow,
  type ImportReviewOptions,
  type ImportReviewResult,
  importReview,
} from './review/import-review.js';
