// @custodian/sample-data: deterministic synthetic customers, agents and complaints for the demo,
// the tests and the bench, with an answer key of the defects injected on purpose. All data is fake.
export {
  AGENT_COLUMNS,
  AGENT_COLUMNS_ZH,
  AGENT_STATUS,
  type AgentRow,
  agentId,
  CHANNELS,
  generateAgents,
} from './agents.js';
export { COMPLAINT_COLUMNS, type ComplaintRow, generateComplaints, MIS_SELLING } from './complaints.js';
export { luhnCheckDigit, MOBILE_SEGMENTS, PLACEHOLDER_PHONES, UNALLOCATED_SEGMENTS } from './contacts.js';
export { type CsvEncoding, CsvFileWriter, csvField, csvLine } from './csv-writer.js';
export {
  CUSTOMER_COLUMNS,
  CUSTOMER_COLUMNS_ZH,
  CUSTOMER_COLUMNS_ZH_TELECOM,
  type CustomerRow,
  type GeneratedRecord,
  type InjectedDefect,
} from './customer-row.js';
export { BLOCK_SIZE, type CustomerBlocks, createCustomerBlocks, generateCustomers } from './customers.js';
export { DEFECT_RULES, type DefectRule, NEGATIVE_LABEL_RULES, type NegativeLabelRule } from './defects.js';
export { buildIdNumber, idCheckChar, toLegacyIdNumber } from './id-numbers.js';
export type { Profile, SampleOptions } from './options.js';
export { createPermutation, hash32, Prng } from './prng.js';
export { BRANCHES, ID_REGIONS, UNKNOWN_COUNTY_CODES } from './regions.js';
export { type SampleFiles, type WriteSampleOptions, writeSampleFiles } from './sample-files.js';

import { NEGATIVE_LABEL_RULES } from './defects.js';

const NEGATIVE = new Set<string>(NEGATIVE_LABEL_RULES);

/** True for an answer-key entry that names a case a correct implementation must NOT flag. */
export function isNegativeLabel(label: { rule: string }): boolean {
  return NEGATIVE.has(label.rule);
}
