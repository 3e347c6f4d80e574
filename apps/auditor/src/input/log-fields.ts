/**
 * The fields of an access-log event (formats.md "Access logs"), in the order the business systems
 * print them in CSV logs. The JSON fast path indexes its values by position in this list.
 */
export const LOG_FIELDS = [
  'ts',
  'operator_id',
  'action',
  'archive_no',
  'record_count',
  'approval_id',
  'client_ip',
  'terminal_id',
  'result',
] as const;

export type LogField = (typeof LOG_FIELDS)[number];
