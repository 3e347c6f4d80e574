// @custodian/auditor: the access-log auditor (rulebook section 3). The demo and the console call these.
export { type AuditFilesInput, type AuditFilesResult, auditFiles } from './audit-files.js';
export { type AuditorConfig, auditorConfig, auditorConfigSchema } from './config.js';
export { ANOMALY_CODES, type AnomalyCode, CODE_INFO } from './detect/codes.js';
export {
  catchUpNightlyAudits,
  type NightlyAuditResult,
  nightlyAuditJob,
  runNightlyAudit,
} from './jobs/nightly-audit.js';
export { anomalyTable, riskTable } from './report/anomaly-table.js';
export {
  AUDITOR_LOCK,
  auditorLockName,
  type RunAuditInput,
  type RunAuditSummary,
  runAudit,
} from './run-audit.js';
export {
  type InjectedCase,
  type SampleLogFiles,
  type SampleLogOptions,
  writeSampleLogs,
} from './sample/write-sample-logs.js';
export {
  type AnomalyDetail,
  type AnomalyFilters,
  type AnomalyPage,
  DISPOSITIONS,
  type Disposition,
  getAnomalyDetail,
  iterateAnomalies,
  listAnomalies,
  type ResolveInput,
  resolveAnomaly,
  toAnomalyExport,
  topRisk,
} from './store/anomalies-repo.js';
