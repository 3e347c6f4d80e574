// A deliberately plain, independent implementation of rulebook §1, used only by the tests to
// prove that the answer key is exactly what a correct implementation flags. It knows the value
// shapes this generator can produce and throws on anything else, rather than guessing.
import { validatePhone } from '@custodian/validators';
import type { AgentRow } from '../agents.js';
import type { ComplaintRow } from '../complaints.js';
import type { CustomerRow } from '../customers.js';
import { ID_REGIONS, UNKNOWN_COUNTY_CODES } from '../regions.js';

export interface Finding {
  recordId: string;
  rule: string;
}

const VALID_REGIONS = new Set(ID_REGIONS.map((r) => r[0]));
const UNKNOWN = new Set<string>(UNKNOWN_COUNTY_CODES);
const SEGMENTS = new Set(
  '130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 170 171 172 173 175 176 177 178 180 181 182 183 184 185 186 187 188 189 191 193 195 196 197 198 199'.split(
    ' ',
  ),
);
const PLACEHOLDERS = new Set(['13800138000', '11111111111']);
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

function realDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return (
    t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d && t.getTime() <= Date.now()
  );
}

interface IdCheck {
  rules: string[];
  /** Present when the number is structurally valid: what it says. */
  birth?: string;
  male?: boolean;
}

export function checkIdNumber(id: string): IdCheck {
  let full: string;
  if (/^\d{15}$/.test(id)) full = `${id.slice(0, 6)}19${id.slice(6)}`;
  else if (/^\d{17}[\dX]$/.test(id)) full = id;
  else return { rules: ['ID_FORMAT'] };
  const rules: string[] = [];
  const region = full.slice(0, 6);
  if (!VALID_REGIONS.has(region)) {
    if (UNKNOWN.has(region) || region.startsWith('99')) rules.push('ID_REGION');
    else throw new Error(`reference checker: unexpected region ${region}`);
  }
  const [y, m, d] = [Number(full.slice(6, 10)), Number(full.slice(10, 12)), Number(full.slice(12, 14))];
  if (!realDate(y, m, d)) rules.push('ID_BIRTHDATE');
  if (id.length === 18) {
    let sum = 0;
    for (let i = 0; i < 17; i++) sum += Number(id[i]) * WEIGHTS[i]!;
    if ('10X98765432'[sum % 11] !== id[17]) rules.push('ID_CHECKSUM');
  }
  const structural = rules.filter((r) => r !== 'ID_REGION' || !UNKNOWN.has(region));
  if (structural.length > 0) return { rules };
  return {
    rules,
    birth: `${full.slice(6, 10)}-${full.slice(10, 12)}-${full.slice(12, 14)}`,
    male: Number(full[16]) % 2 === 1,
  };
}

function isMinorOn(birth: string, sign: string): boolean {
  const [y, m, d] = birth.split('-').map(Number) as [number, number, number];
  const eighteen = `${y + 18}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  return sign < eighteen;
}

function luhnOk(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let v = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
  }
  return sum % 10 === 0;
}

/** Every finding of rulebook §1 for a batch ingested into an empty archive. */
export function checkBatch(
  rows: readonly CustomerRow[],
  agents: readonly AgentRow[],
  complaints: readonly ComplaintRow[],
  batchDate: string,
  profile: 'insurance' | 'telecom',
): Finding[] {
  const out = new Set<string>();
  const flag = (recordId: string, rule: string) => out.add(`${recordId}|${rule}`);
  const agentById = new Map(agents.map((a) => [a.agent_id, a]));
  const agentPhones = new Set(agents.map((a) => a.phone));
  const agentAddresses = new Set(agents.map((a) => a.address));

  for (const r of rows) {
    const id = r.record_id;
    for (const f of [
      'holder_name',
      'holder_gender',
      'holder_birth_date',
      'holder_id_number',
      'holder_address',
      'holder_phone',
    ] as const) {
      if (r[f] === '') flag(id, 'MISSING_REQUIRED');
    }
    const hasInsured = profile === 'insurance' && (r.insured_name !== '' || r.insured_id_number !== '');
    if (hasInsured) {
      for (const f of ['insured_name', 'insured_gender', 'insured_birth_date'] as const)
        if (r[f] === '') flag(id, 'MISSING_REQUIRED');
      if (r.insured_id_number === '' && !isMinorOn(r.insured_birth_date, r.sign_date))
        flag(id, 'MISSING_REQUIRED');
    }
    const parties: [string, string, string][] = [[r.holder_id_number, r.holder_gender, r.holder_birth_date]];
    if (hasInsured) parties.push([r.insured_id_number, r.insured_gender, r.insured_birth_date]);
    for (const [num, gender, birth] of parties) {
      if (num === '') continue;
      const c = checkIdNumber(num);
      for (const rule of c.rules) flag(id, rule);
      if (c.birth !== undefined) {
        if ((gender === '男') !== c.male) flag(id, 'ID_GENDER_MISMATCH');
        if (birth !== c.birth) flag(id, 'ID_BIRTHDATE_MISMATCH');
      }
    }
    const phone = r.holder_phone;
    if (phone !== '') {
      if (!(/^1\d{10}$/.test(phone) && SEGMENTS.has(phone.slice(0, 3)))) flag(id, 'PHONE_FORMAT');
      if (PLACEHOLDERS.has(phone)) flag(id, 'PHONE_PLACEHOLDER');
      if (agentPhones.has(phone)) flag(id, 'AGENT_CONTACT_SUBSTITUTION');
    }
    if (r.holder_address !== '' && agentAddresses.has(r.holder_address))
      flag(id, 'AGENT_CONTACT_SUBSTITUTION');
    const account = r.bank_account.replaceAll(' ', '');
    if (account !== '') {
      if (!/^\d+$/.test(account) || account.length < 12) flag(id, 'BANK_ACCOUNT_FORMAT');
      else if (account.startsWith('62') && account.length >= 16 && account.length <= 19 && !luhnOk(account)) {
        flag(id, 'BANK_ACCOUNT_LUHN');
      }
    }
    if (r.bank_account_name !== '' && r.bank_account_name !== r.holder_name)
      flag(id, 'BANK_ACCOUNT_HOLDER_MISMATCH');
    if (r.consent === '否') flag(id, 'CONSENT_MISSING');
    if (!agentById.has(r.agent_id)) throw new Error(`reference checker: unknown agent ${r.agent_id}`);
  }

  const sharedBy = (key: (r: CustomerRow) => string, rule: string) => {
    const groups = new Map<string, CustomerRow[]>();
    for (const r of rows) {
      const k = key(r);
      if (k !== '') groups.set(k, [...(groups.get(k) ?? []), r]);
    }
    for (const group of groups.values()) {
      if (new Set(group.map((r) => r.holder_id_number)).size > 1)
        for (const r of group) flag(r.record_id, rule);
    }
  };
  sharedBy((r) => r.holder_phone, 'DUP_PHONE');
  sharedBy((r) => r.bank_account.replaceAll(' ', ''), 'DUP_BANK_ACCOUNT');

  const identities = new Map<string, { who: Set<string>; records: Set<string> }>();
  for (const r of rows) {
    const parties: [string, string, string][] = [[r.holder_id_number, r.holder_name, r.holder_birth_date]];
    if (r.insured_id_number !== '') parties.push([r.insured_id_number, r.insured_name, r.insured_birth_date]);
    for (const [num, name, birth] of parties) {
      if (num === '') continue;
      const e = identities.get(num) ?? { who: new Set<string>(), records: new Set<string>() };
      e.who.add(`${name}|${birth}`);
      e.records.add(r.record_id);
      identities.set(num, e);
    }
  }
  for (const e of identities.values())
    if (e.who.size > 1) for (const rid of e.records) flag(rid, 'ID_CONFLICT');

  if (profile === 'telecom') {
    const lines = new Map<string, { numbers: Set<string>; records: string[] }>();
    for (const r of rows) {
      if (r.holder_id_number === '' || r.service_number === '') continue;
      // The real-name limit counts mobile lines: a landline or an IoT card on the ID is not one.
      const line = validatePhone(r.service_number);
      if (line.kind !== 'mobile') continue;
      const e = lines.get(r.holder_id_number) ?? { numbers: new Set<string>(), records: [] };
      e.numbers.add(line.normalized ?? r.service_number);
      e.records.push(r.record_id);
      lines.set(r.holder_id_number, e);
    }
    for (const e of lines.values())
      if (e.numbers.size > 5) for (const rid of e.records) flag(rid, 'ID_LINE_LIMIT');
  }

  const yearBefore = new Date(Date.parse(`${batchDate}T00:00:00Z`) - 365 * 86_400_000)
    .toISOString()
    .slice(0, 10);
  const verified = new Map<string, number>();
  for (const c of complaints) {
    if (
      c.category === '销售误导' &&
      c.verified === '是' &&
      c.received_on >= yearBefore &&
      c.received_on < batchDate
    ) {
      verified.set(c.agent_id, (verified.get(c.agent_id) ?? 0) + 1);
    }
  }
  for (const r of rows) if ((verified.get(r.agent_id) ?? 0) >= 2) flag(r.record_id, 'AGENT_RECHECK');

  return [...out].map((k) => {
    const [recordId, rule] = k.split('|') as [string, string];
    return { recordId, rule };
  });
}
