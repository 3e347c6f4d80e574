// The shape of a customer record and of an answer-key entry.
import { CUSTOMER_FIELDS, type CustomerField } from '@custodian/validators';

/** A generated customer record: every canonical field (packages/validators), as text. */
export type CustomerRow = Record<CustomerField, string>;

/** Canonical header order (shared/spec/formats.md): the validators' one list of customer fields. */
export const CUSTOMER_COLUMNS: readonly CustomerField[] = CUSTOMER_FIELDS;

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

/**
 * The Chinese headers of a telecom operator's export (formats.md accepts each): the subscriber is
 * 机主 and the user 使用人, the contract a 合同号 accepted on a 受理日期; not the insurer's 投保人,
 * 被保险人, 保单号 and 签单日期.
 */
export const CUSTOMER_COLUMNS_ZH_TELECOM: Record<keyof CustomerRow, string> = {
  ...CUSTOMER_COLUMNS_ZH,
  holder_name: '机主姓名',
  holder_gender: '性别',
  holder_birth_date: '出生日期',
  holder_id_type: '证件类型',
  holder_id_number: '证件号码',
  holder_phone: '联系电话',
  holder_address: '联系地址',
  insured_name: '使用人姓名',
  insured_gender: '使用人性别',
  insured_birth_date: '使用人出生日期',
  insured_id_type: '使用人证件类型',
  insured_id_number: '使用人证件号码',
  bank_account: '缴费账号',
  bank_account_name: '开户名',
  agent_id: '业务员工号',
  channel: '渠道',
  branch: '机构',
  contract_no: '合同号',
  sign_date: '受理日期',
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
