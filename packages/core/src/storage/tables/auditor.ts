/** Tables of the access-log auditor (apps/auditor), created by migration 0002. */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the auditor's migration
export interface AuditorTables {}
