/**
 * The one place the console reaches into apps/ingest: a reviewer's corrected values are checked at
 * resolve and written to the customer record at verification through the ingest's own codec
 * (validation, encryption, blind indexes, masks), exactly as `flags resolve --set` / `flags verify`
 * on the command line.
 */
export { correctionCodec } from '@custodian/ingest/review';

/**
 * Fields a corrected outcome may set (the customer fields of formats.md less `record_id`, which
 * identifies the record). The codec checks them again.
 */
export const CORRECTABLE_FIELDS = [
  'holder_name',
  'holder_gender',
  'holder_birth_date',
  'holder_id_type',
  'holder_id_number',
  'holder_phone',
  'holder_address',
  'insured_name',
  'insured_gender',
  'insured_birth_date',
  'insured_id_type',
  'insured_id_number',
  'bank_account',
  'bank_account_name',
  'service_number',
  'archive_no',
  'customer_type',
  'customer_class',
  'agent_id',
  'channel',
  'branch',
  'contract_no',
  'sign_date',
  'consent',
  'secrecy_level',
] as const;
