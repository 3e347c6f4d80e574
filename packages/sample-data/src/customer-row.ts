// The shape of a customer record and of an answer-key entry.

export interface CustomerRow {
  record_id: string;
  archive_no: string;
  customer_type: string;
  customer_class: string;
  holder_name: string;
  holder_gender: string;
  holder_birth_date: string;
  holder_id_type: string;
  holder_id_number: string;
  holder_phone: string;
  holder_address: string;
  insured_name: string;
  insured_gender: string;
  insured_birth_date: string;
  insured_id_type: string;
  insured_id_number: string;
  bank_account: string;
  bank_account_name: string;
  service_number: string;
  agent_id: string;
  channel: string;
  branch: string;
  contract_no: string;
  sign_date: string;
  consent: string;
  secrecy_level: string;
}

/** Canonical header order (shared/spec/formats.md). */
export const CUSTOMER_COLUMNS: (keyof CustomerRow)[] = [
  'record_id',
  'archive_no',
  'customer_type',
  'customer_class',
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
  'agent_id',
  'channel',
  'branch',
  'contract_no',
  'sign_date',
  'consent',
  'secrecy_level',
];

/** The first Chinese header formats.md accepts for each column. */
export const CUSTOMER_COLUMNS_ZH: Record<keyof CustomerRow, string> = {
  record_id: '记录编号',
  archive_no: '档案编号',
  customer_type: '客户类型',
  customer_class: '客户分类',
  holder_name: '投保人姓名',
  holder_gender: '投保人性别',
  holder_birth_date: '投保人出生日期',
  holder_id_type: '投保人证件类型',
  holder_id_number: '投保人证件号码',
  holder_phone: '投保人手机号码',
  holder_address: '投保人联系地址',
  insured_name: '被保险人姓名',
  insured_gender: '被保险人性别',
  insured_birth_date: '被保险人出生日期',
  insured_id_type: '被保险人证件类型',
  insured_id_number: '被保险人证件号码',
  bank_account: '银行账号',
  bank_account_name: '账户名',
  service_number: '服务号码',
  agent_id: '营销员工号',
  channel: '销售渠道',
  branch: '分支机构',
  contract_no: '保单号',
  sign_date: '签单日期',
  consent: '同意采集',
  secrecy_level: '密级',
};

/** One entry of the answer key (labels.jsonl). */
export interface InjectedDefect {
  recordId: string;
  /** A rulebook code, or a NEGATIVE_LABEL_RULES code for a case that must not be flagged. */
  rule: string;
  detail: string;
}

export interface GeneratedRecord {
  row: CustomerRow;
  defects: InjectedDefect[];
}

/** The ID type written for every generated party (resident identity card). */
export const ID_TYPE_RESIDENT = '居民身份证';
