// Customer records with injected, labelled defects.
//
// Contract: the labels of a batch are exactly the findings a correct implementation of rulebook §1
// makes when the batch (with the agents and complaints generated from the same options) is
// ingested into an empty archive. Clean records never share a phone, card or ID number with another
// person (see contacts.ts and id-numbers.ts); a customer may legitimately appear in two records,
// with the same ID number, name and contacts. Conventions the labels rely on:
// - ID_GENDER_MISMATCH and ID_BIRTHDATE_MISMATCH are only judged on a structurally valid ID number;
//   an ID number with an impossible date gets ID_BIRTHDATE alone, although its record's own birth
//   date field holds the real date;
// - 11111111111 is PHONE_FORMAT and PHONE_PLACEHOLDER; 13800138000 only PHONE_PLACEHOLDER; each
//   placeholder appears at most once, so it never makes a DUP_PHONE (see firstBlockOfBatch);
// - AGENT_RECHECK counts verified 销售误导 complaints of the 365 days before the batch date.
import { AGENT_STATUS, type AgentRow, assignComplaintProfiles, generateAgents } from './agents.js';
import { ContactSpace, PLACEHOLDER_PHONES, padDigits as pad } from './contacts.js';
import {
  type CustomerRow,
  type GeneratedRecord,
  ID_TYPE_RESIDENT,
  type InjectedDefect,
} from './customer-row.js';
import { anniversary, dayFromCivil, isoDate } from './dates.js';
import {
  type InjectedKind,
  impossibleBirthDate,
  injectionProbability,
  KIND_SPECS,
  type KindSpec,
  malformedIdNumber,
  wrongCheckChar,
} from './defects.js';
import { buildIdNumber, type Identity, IdentitySpace, toLegacyIdNumber } from './id-numbers.js';
import { drawName, drawOtherName, type Gender, surnameOf } from './names.js';
import { type ResolvedOptions, resolveOptions, type SampleOptions } from './options.js';
import { cumulativeWeights, hashIndex, Prng } from './prng.js';
import {
  BRANCH_CUMULATIVE,
  BRANCHES,
  branchOfRegion,
  drawAddressRegion,
  drawCustomerAddress,
  ID_REGIONS,
  UNKNOWN_COUNTY_CODES,
} from './regions.js';

export {
  CUSTOMER_COLUMNS,
  CUSTOMER_COLUMNS_ZH,
  CUSTOMER_COLUMNS_ZH_TELECOM,
  type CustomerRow,
  type GeneratedRecord,
  ID_TYPE_RESIDENT,
  type InjectedDefect,
} from './customer-row.js';

const SECRECY_LEVELS = ['普通', '秘密', '机密', '绝密'] as const;
const SECRECY_CUMULATIVE = cumulativeWeights([985, 12, 2.5, 0.5]);
/** A few holders born before 1985 still carry a legacy 15-digit number (valid, converted on ingestion). */
const LEGACY_BEFORE = dayFromCivil(1985, 1, 1);
/** Records a clean customer may come back for (a second policy, a second line). */
const REPEAT_SHARE = 0.03;
/** Partners of a multi-record defect are placed within this many records after the first. */
const PARTNER_SPAN = 60;
const MARGIN_DAYS = 30;

interface Person extends Holder {
  index: number;
  gender: Gender;
  birthDay: number;
  id18: string;
  card: string;
  /** Branch serving the person's address, or -1. */
  homeBranch: number;
  /** Index in ID_REGIONS of the ID number's region. */
  regionIndex: number;
}

/** The holder as written on one record (a person, possibly with some fields altered). */
interface Holder {
  name: string;
  gender: string;
  birthDate: string;
  /** As printed: the 18-character number, or for a few elderly holders the legacy 15-digit one. */
  idNumber: string;
  phone: string;
  address: string;
  archiveNo: string;
}

type InsuredMode = 'self' | 'adult' | 'minor' | 'minorNoId' | 'adultNoId';

type Role =
  | { kind: 'DUP_PHONE' | 'DUP_BANK_ACCOUNT'; primary: Person; primaryRecordId: string }
  | { kind: 'ID_CONFLICT'; primary: Person; primaryRecordId: string }
  | { kind: 'ID_LINE_LIMIT'; primary: Person; groupRecordIds: string[] };

/**
 * Records are generated in blocks of this many, each depending only on the options and its
 * number: partners of a multi-record defect stay in their block and the pool of returning
 * customers starts empty in each. Blocks can therefore be generated in parallel (writeSampleFiles
 * does) and still give exactly the stream generateCustomers gives.
 */
export const BLOCK_SIZE = 16_384;

export interface CustomerBlocks {
  /** Number of blocks of the batch. */
  count: number;
  /** The records of block `k`, in order. */
  block(k: number): Generator<GeneratedRecord>;
}

/** The batch as independent blocks; see BLOCK_SIZE. */
export function createCustomerBlocks(opts: SampleOptions): CustomerBlocks {
  const o = resolveOptions(opts);
  const generator = new CustomerGenerator(o, opts);
  return { count: Math.ceil(o.customers / BLOCK_SIZE), block: (k) => generator.runBlock(k) };
}

/**
 * Streams customer records. Memory stays constant whatever `customers` is: the state is a handful
 * of pending partner records and a small pool of clean customers that may come back.
 */
export function* generateCustomers(opts: SampleOptions): Generator<GeneratedRecord> {
  const blocks = createCustomerBlocks(opts);
  for (let k = 0; k < blocks.count; k++) yield* blocks.block(k);
}

class CustomerGenerator {
  private readonly ids: IdentitySpace;
  private readonly contacts: ContactSpace;
  private readonly agents: AgentRow[];
  private readonly activeAgents: number[];
  private readonly agentsByBranch: number[][];
  private readonly recheck: boolean[];
  private readonly kinds: readonly KindSpec[];
  private readonly kindWeights: readonly number[];
  private readonly singleKinds: readonly KindSpec[];
  private readonly singleWeights: readonly number[];
  private readonly injectP: number;
  private readonly o: ResolvedOptions;
  private readonly rec = new Prng(0);
  private readonly per = new Prng(0);
  private readonly pending = new Map<number, Role>();
  private cleanPool: number[] = [];
  private readonly agentPhoneUsed = new Set<number>();
  private readonly unknownCountyUsed = new Set<string>();
  private readonly placeholderUsed = { warn: false, invalid: false };
  /** End (exclusive, batch-relative) of the block being generated. */
  private blockEnd = 0;
  /**
   * Values that may appear once per batch (the 7 unknown county codes) are used only in block 0;
   * values that are the same in every batch (the placeholder numbers, agents' phones) only in
   * block 0 of the batch starting at index 0: a later batch of the same seed, ingested into the
   * same archive, would otherwise add a DUP_PHONE against the earlier one that its labels miss.
   */
  private firstBlock = false;
  private firstBlockOfBatch = false;
  /** Agent of the record `build` made last. */
  private lastAgentIndex = 0;
  /** The last serial formatted: a new customer's archive number and record id share it. */
  private serialFor = -1;
  private serialText = '';

  constructor(o: ResolvedOptions, opts: SampleOptions) {
    this.o = o;
    this.kinds = KIND_SPECS.filter((k) => k.profiles.includes(o.profile));
    this.kindWeights = this.kinds.map((k) => k.weight);
    this.singleKinds = this.kinds.filter((k) => k.records === 1);
    this.singleWeights = this.singleKinds.map((k) => k.weight);
    this.ids = new IdentitySpace(o.seed);
    this.contacts = new ContactSpace(o.seed);
    this.agents = generateAgents(opts);
    const profiles = assignComplaintProfiles(this.agents, o.seed);
    this.recheck = profiles.map((p) => p === 'recheck');
    this.activeAgents = this.agents.flatMap((a, i) => (a.status === AGENT_STATUS.active ? [i] : []));
    this.agentsByBranch = BRANCHES.map((b) =>
      this.activeAgents.filter((i) => this.agents[i]!.branch === b.name),
    );
    this.injectP = injectionProbability(o.defectRate, this.kinds);
  }

  /** Block `k` (see BLOCK_SIZE); any block may be asked for, in any order, any number of times. */
  *runBlock(k: number): Generator<GeneratedRecord> {
    const start = k * BLOCK_SIZE;
    this.blockEnd = Math.min(this.o.customers, start + BLOCK_SIZE);
    this.firstBlock = k === 0;
    this.firstBlockOfBatch = k === 0 && this.o.indexOffset === 0;
    this.pending.clear();
    this.cleanPool = [];
    this.agentPhoneUsed.clear();
    this.unknownCountyUsed.clear();
    this.placeholderUsed.warn = false;
    this.placeholderUsed.invalid = false;
    for (let i = start; i < this.blockEnd; i++) yield this.record(i);
  }

  private recordId(i: number): string {
    return `${this.o.idPrefix}R${this.serial(this.o.indexOffset + i)}`;
  }

  /** 9-digit serial of record or person index `n` (n + 1, zero-padded). */
  private serial(n: number): string {
    if (n !== this.serialFor) {
      this.serialFor = n;
      this.serialText = pad(n + 1, 9);
    }
    return this.serialText;
  }

  /** The person with this index: a pure function of (seed, index). */
  private person(c: number): Person {
    const per = this.per.reseed(hashIndex(this.o.seed, 42, c));
    const male = per.chance(0.5);
    const gender: Gender = male ? '男' : '女';
    const ident = this.ids.identity('holder', c, male);
    const name = drawName(per, gender);
    const idRegion = ID_REGIONS[ident.regionIndex]!;
    const region = per.chance(0.4) ? idRegion : drawAddressRegion(per, per.pickCumulative(BRANCH_CUMULATIVE));
    const legacy = ident.birthDay < LEGACY_BEFORE && per.chance(0.02);
    return {
      index: c,
      name,
      gender,
      birthDay: ident.birthDay,
      birthDate: isoDate(ident.birthDay),
      id18: ident.id18,
      idNumber: legacy ? toLegacyIdNumber(ident.id18) : ident.id18,
      phone: this.contacts.phone('customer', c),
      address: drawCustomerAddress(per, region),
      card: this.contacts.card(c),
      archiveNo: `${this.o.idPrefix}KH${this.serial(c)}`,
      homeBranch: branchOfRegion(region[0]),
      regionIndex: ident.regionIndex,
    };
  }

  /** The person as holder, unaltered (a Person is a Holder; spread it to alter fields). */
  private holderOf(p: Person): Holder {
    return p;
  }

  private pickAgent(p: Person): number {
    const local = p.homeBranch >= 0 ? this.agentsByBranch[p.homeBranch]! : [];
    if (local.length > 0 && this.rec.chance(0.85)) return this.rec.pick(local);
    return this.rec.pick(this.activeAgents);
  }

  private record(i: number): GeneratedRecord {
    const g = this.o.indexOffset + i;
    this.rec.reseed(hashIndex(this.o.seed, 41, g));
    const role = this.pending.get(i);
    let out: GeneratedRecord;
    if (role) {
      this.pending.delete(i);
      out = this.partnerRecord(i, role);
    } else if (this.o.defectRate > 0 && this.rec.chance(this.injectP)) {
      out = this.injectedRecord(i, this.kinds[this.rec.weighted(this.kindWeights)]!.kind);
    } else {
      out = this.cleanRecord(i);
    }
    if (this.recheck[this.lastAgentIndex]) {
      out.defects.push({
        recordId: out.row.record_id,
        rule: 'AGENT_RECHECK',
        detail: `agent ${out.row.agent_id} has two or more verified 销售误导 complaints within the year`,
      });
    }
    return out;
  }

  private agentIndexOf(agentId: string): number {
    return Number(agentId.slice(1)) - 1;
  }

  private cleanRecord(i: number): GeneratedRecord {
    const g = this.o.indexOffset + i;
    if (this.cleanPool.length > 0 && this.rec.chance(REPEAT_SHARE)) {
      const k = this.rec.int(this.cleanPool.length);
      const c = this.cleanPool[k]!;
      this.cleanPool[k] = this.cleanPool[this.cleanPool.length - 1]!;
      this.cleanPool.pop();
      return this.build(i, this.person(c), {});
    }
    const out = this.build(i, this.person(g), {});
    if (this.cleanPool.length < 512) this.cleanPool.push(g);
    else this.cleanPool[this.rec.int(512)] = g;
    return out;
  }

  /**
   * A record for person `p`. `allowSelf: false` keeps the insured a different person, so a defect in
   * the holder's identity is reported once, not twice. `insured` forces the insured party's mode.
   */
  private build(
    i: number,
    p: Person,
    opt: { holder?: Holder; allowSelf?: boolean; insured?: InsuredMode; forceAccount?: boolean },
  ): GeneratedRecord {
    const g = this.o.indexOffset + i;
    const holder = opt.holder ?? this.holderOf(p);
    const agentIndex = this.pickAgent(p);
    this.lastAgentIndex = agentIndex;
    const agent = this.agents[agentIndex]!;
    const signDay = this.rec.between(this.o.signFrom, this.o.signTo);
    const serial = this.serial(g);
    const recordId = `${this.o.idPrefix}R${serial}`;
    const signDate = isoDate(signDay);
    const defects: InjectedDefect[] = [];
    const insurance = this.o.profile === 'insurance';
    const hasAccount = insurance || opt.forceAccount === true || this.rec.chance(0.4);
    const row: CustomerRow = {
      record_id: recordId,
      archive_no: holder.archiveNo,
      customer_type: '个人',
      customer_class: this.rec.chance(0.03) ? '特殊客户' : '一般客户',
      holder_name: holder.name,
      holder_gender: holder.gender,
      holder_birth_date: holder.birthDate,
      holder_id_type: ID_TYPE_RESIDENT,
      holder_id_number: holder.idNumber,
      holder_phone: holder.phone,
      holder_address: holder.address,
      insured_name: '',
      insured_gender: '',
      insured_birth_date: '',
      insured_id_type: '',
      insured_id_number: '',
      bank_account: hasAccount ? p.card : '',
      bank_account_name: hasAccount && this.rec.chance(0.5) ? holder.name : '',
      service_number: insurance ? '' : this.contacts.phone('service', g),
      agent_id: agent.agent_id,
      channel: agent.channel,
      branch: agent.branch,
      contract_no: `${this.o.idPrefix}${insurance ? 'P' : 'HT'}${signDate.slice(0, 4)}${serial}`,
      sign_date: signDate,
      consent: '是',
      secrecy_level: SECRECY_LEVELS[this.rec.pickCumulative(SECRECY_CUMULATIVE)]!,
    };
    if (insurance) {
      let mode = opt.insured ?? this.drawInsuredMode(opt.allowSelf !== false);
      if (mode === 'self') {
        row.insured_name = holder.name;
        row.insured_gender = holder.gender;
        row.insured_birth_date = holder.birthDate;
        row.insured_id_type = ID_TYPE_RESIDENT;
        row.insured_id_number = holder.idNumber;
      } else {
        let ident: Identity | undefined;
        if (mode === 'minor' || mode === 'minorNoId') {
          ident = this.minorIdentity(g, signDay);
          if (!ident) mode = 'adult';
        }
        if (!ident) ident = this.ids.identity('adultInsured', g, this.rec.chance(0.5));
        if (mode === 'adultNoId' && signDay < anniversary(ident.birthDay, 18) + MARGIN_DAYS) {
          // The window signs before this person came of age: no adult to leave without an ID.
          throw new Error('adultNoId requested for a sign date when the adult class is not adult');
        }
        const gender: Gender = ident.male ? '男' : '女';
        const minor = mode === 'minor' || mode === 'minorNoId';
        row.insured_name =
          minor || this.rec.chance(0.3)
            ? drawName(this.rec, gender, surnameOf(holder.name))
            : drawName(this.rec, gender);
        row.insured_gender = gender;
        row.insured_birth_date = isoDate(ident.birthDay);
        if (mode === 'minorNoId' || mode === 'adultNoId') {
          row.insured_id_type = '';
          row.insured_id_number = '';
        } else {
          row.insured_id_type = ID_TYPE_RESIDENT;
          row.insured_id_number = ident.id18;
        }
        if (mode === 'minorNoId') {
          defects.push({
            recordId,
            rule: 'NOT_MISSING_MINOR',
            detail: `insured born ${row.insured_birth_date} is a minor on ${row.sign_date}: no ID number is required`,
          });
        }
        if (mode === 'adultNoId') {
          defects.push({
            recordId,
            rule: 'MISSING_REQUIRED',
            detail: 'insured_id_number empty for an adult insured',
          });
        }
      }
    }
    return { row, defects };
  }

  private drawInsuredMode(allowSelf: boolean): InsuredMode {
    const r = this.rec.next();
    if (allowSelf && r < 0.5) return 'self';
    if (r < 0.72) return 'adult';
    if (r < 0.92) return 'minor';
    return 'minorNoId';
  }

  /** A minor insured clearly under 18 (and already born) on the sign date, or undefined if none fits. */
  private minorIdentity(g: number, signDay: number): Identity | undefined {
    for (let t = 0; t < 4; t++) {
      const ident = this.ids.identity('minorInsured', 4 * g + t, this.rec.chance(0.5));
      if (ident.birthDay <= signDay - MARGIN_DAYS && signDay <= anniversary(ident.birthDay, 18) - MARGIN_DAYS)
        return ident;
    }
    return undefined;
  }

  /** Free record slots after `i` for the partners of a multi-record defect, or undefined. */
  private reservePartners(i: number, count: number): number[] | undefined {
    const free: number[] = [];
    for (let j = i + 1; j <= i + PARTNER_SPAN && j < this.blockEnd; j++)
      if (!this.pending.has(j)) free.push(j);
    if (free.length < count) return undefined;
    return this.rec
      .shuffle(free)
      .slice(0, count)
      .sort((a, b) => a - b);
  }

  private injectedRecord(i: number, kind: InjectedKind): GeneratedRecord {
    const g = this.o.indexOffset + i;
    const p = this.person(g);
    const recordId = this.recordId(i);
    const label = (out: GeneratedRecord, rule: string, detail: string): GeneratedRecord => {
      out.defects.push({ recordId, rule, detail });
      return out;
    };
    const fallback = (): GeneratedRecord =>
      this.injectedRecord(i, this.singleKinds[this.rec.weighted(this.singleWeights)]!.kind);
    const holder = this.holderOf(p);

    switch (kind) {
      case 'MISSING_REQUIRED': {
        const variant = this.rec.int(this.o.profile === 'insurance' ? 4 : 3);
        if (variant === 0)
          return label(this.build(i, p, { holder: { ...holder, phone: '' } }), kind, 'holder_phone empty');
        if (variant === 1)
          return label(
            this.build(i, p, { holder: { ...holder, address: '' } }),
            kind,
            'holder_address empty',
          );
        if (variant === 2) {
          return label(
            this.build(i, p, { holder: { ...holder, idNumber: '' }, allowSelf: false }),
            kind,
            'holder_id_number empty',
          );
        }
        // The adult-insured class is born by 2003, so adult on every sign date from February 2022; an
        // earlier window may make this person a minor, who needs no ID number: blank the phone instead.
        if (
          this.o.signFrom <
          anniversary(this.ids.identity('adultInsured', g, true).birthDay, 18) + MARGIN_DAYS
        ) {
          return label(this.build(i, p, { holder: { ...holder, phone: '' } }), kind, 'holder_phone empty');
        }
        return this.build(i, p, { insured: 'adultNoId' });
      }
      case 'ID_CHECKSUM': {
        const first17 = p.id18.slice(0, 17);
        const bad = first17 + wrongCheckChar(first17, this.rec.next());
        return label(
          this.build(i, p, { holder: { ...holder, idNumber: bad }, allowSelf: false }),
          kind,
          `check character ${bad[17]} instead of ${p.id18[17]}`,
        );
      }
      case 'ID_BIRTHDATE': {
        const date = impossibleBirthDate(p.birthDay);
        const bad = buildIdNumber(p.id18.slice(0, 6), date, Number(p.id18.slice(14, 17)));
        return label(
          this.build(i, p, { holder: { ...holder, idNumber: bad }, allowSelf: false }),
          kind,
          `ID number carries the impossible date ${date} (check character correct)`,
        );
      }
      case 'ID_FORMAT': {
        const bad = malformedIdNumber(p.id18, this.rec.int(1200));
        return label(
          this.build(i, p, { holder: { ...holder, idNumber: bad.value }, allowSelf: false }),
          kind,
          bad.detail,
        );
      }
      case 'ID_REGION': {
        const unused = this.firstBlock
          ? UNKNOWN_COUNTY_CODES.filter((c) => !this.unknownCountyUsed.has(c))
          : [];
        let region: string;
        let detail: string;
        if (unused.length > 0 && this.rec.chance(0.25)) {
          // Each unknown county once per batch: two persons moved onto one code could otherwise collide.
          region = this.rec.pick(unused);
          this.unknownCountyUsed.add(region);
          detail = `county ${region} is missing from GB/T 2260 lists (warning)`;
        } else {
          // One-to-one in the real region, so the corrupted numbers stay unique.
          region = `99${pad(100 + p.regionIndex, 4)}`;
          detail = `province 99 does not exist (error)`;
        }
        const bad = buildIdNumber(region, p.id18.slice(6, 14), Number(p.id18.slice(14, 17)));
        return label(
          this.build(i, p, { holder: { ...holder, idNumber: bad }, allowSelf: false }),
          kind,
          detail,
        );
      }
      case 'ID_GENDER_MISMATCH': {
        const gender = p.gender === '男' ? '女' : '男';
        return label(
          this.build(i, p, { holder: { ...holder, gender }, allowSelf: false }),
          kind,
          `holder_gender ${gender} but the ID number says ${p.gender}`,
        );
      }
      case 'ID_BIRTHDATE_MISMATCH': {
        const shift = this.rec.between(1, 3650) * (this.rec.chance(0.5) ? 1 : -1);
        const birthDate = isoDate(p.birthDay + shift);
        return label(
          this.build(i, p, { holder: { ...holder, birthDate }, allowSelf: false }),
          kind,
          `holder_birth_date ${birthDate} but the ID number says ${isoDate(p.birthDay)}`,
        );
      }
      case 'PHONE_FORMAT': {
        const phone = this.contacts.unallocatedPhone('customer', g);
        return label(
          this.build(i, p, { holder: { ...holder, phone } }),
          kind,
          `segment ${phone.slice(0, 3)} is not allocated`,
        );
      }
      case 'PHONE_PLACEHOLDER': {
        if (!this.firstBlockOfBatch) return this.injectedRecord(i, 'PHONE_FORMAT');
        if (!this.placeholderUsed.warn) {
          this.placeholderUsed.warn = true;
          return label(
            this.build(i, p, { holder: { ...holder, phone: PLACEHOLDER_PHONES.warn } }),
            kind,
            'well-known sample number (warning)',
          );
        }
        if (!this.placeholderUsed.invalid) {
          this.placeholderUsed.invalid = true;
          const out = this.build(i, p, { holder: { ...holder, phone: PLACEHOLDER_PHONES.invalid } });
          label(out, kind, 'placeholder number');
          return label(out, 'PHONE_FORMAT', '11111111111 is no mobile number');
        }
        return this.injectedRecord(i, 'PHONE_FORMAT');
      }
      case 'BANK_ACCOUNT_FORMAT': {
        const out = this.build(i, p, { forceAccount: true });
        if (this.rec.chance(0.5)) {
          out.row.bank_account = this.contacts.cardCore(g);
          return label(out, kind, '9 digits: too short');
        }
        const withLetter = `${p.card.slice(0, -1)}A`;
        out.row.bank_account = this.rec.chance(0.5) ? withLetter.replace(/(.{4})(?=.)/g, '$1 ') : withLetter;
        return label(out, kind, 'contains a letter');
      }
      case 'BANK_ACCOUNT_LUHN': {
        const out = this.build(i, p, { forceAccount: true });
        out.row.bank_account = this.contacts.cardWithBadLuhn(g);
        return label(out, kind, '16-digit card failing the Luhn check (warning)');
      }
      case 'BANK_ACCOUNT_HOLDER_MISMATCH': {
        const out = this.build(i, p, { forceAccount: true });
        out.row.bank_account_name = drawOtherName(
          this.rec,
          this.rec.chance(0.5) ? '男' : '女',
          p.name,
          this.rec.chance(0.5),
        );
        return label(out, kind, `account held by ${out.row.bank_account_name}, not the holder`);
      }
      case 'CONSENT_MISSING': {
        const out = this.build(i, p, {});
        out.row.consent = '否';
        return label(out, kind, 'consent 否');
      }
      case 'DUP_PHONE':
      case 'DUP_BANK_ACCOUNT':
      case 'ID_CONFLICT': {
        const slots = this.reservePartners(i, 1);
        if (!slots) return fallback();
        const partnerId = this.recordId(slots[0]!);
        this.pending.set(slots[0]!, { kind, primary: p, primaryRecordId: recordId });
        const out = this.build(i, p, {
          allowSelf: kind !== 'ID_CONFLICT',
          forceAccount: kind === 'DUP_BANK_ACCOUNT',
        });
        const what =
          kind === 'DUP_PHONE' ? 'phone' : kind === 'DUP_BANK_ACCOUNT' ? 'bank account' : 'ID number';
        return label(out, kind, `${what} also on ${partnerId}`);
      }
      case 'AGENT_CONTACT_SUBSTITUTION': {
        const out = this.build(i, p, {});
        const agentIndex = this.agentIndexOf(out.row.agent_id);
        const agent = this.agents[agentIndex]!;
        // The agent's phone goes on one customer at most: on two it would also be a DUP_PHONE.
        if (this.firstBlockOfBatch && !this.agentPhoneUsed.has(agentIndex) && this.rec.chance(0.5)) {
          this.agentPhoneUsed.add(agentIndex);
          out.row.holder_phone = agent.phone;
          return label(out, kind, `holder_phone is agent ${agent.agent_id}'s`);
        }
        out.row.holder_address = agent.address;
        return label(out, kind, `holder_address is agent ${agent.agent_id}'s`);
      }
      case 'ID_LINE_LIMIT': {
        const slots = this.reservePartners(i, 5);
        if (!slots) return fallback();
        const groupRecordIds = [recordId, ...slots.map((j) => this.recordId(j))];
        for (const j of slots) this.pending.set(j, { kind, primary: p, groupRecordIds });
        return label(this.build(i, p, {}), kind, lineLimitDetail(groupRecordIds));
      }
    }
  }

  private partnerRecord(i: number, role: Role): GeneratedRecord {
    const g = this.o.indexOffset + i;
    const recordId = this.recordId(i);
    const primary = role.primary;
    let out: GeneratedRecord;
    let detail: string;
    switch (role.kind) {
      case 'DUP_PHONE': {
        const q = this.person(g);
        out = this.build(i, q, { holder: { ...this.holderOf(q), phone: primary.phone } });
        detail = `phone also on ${role.primaryRecordId}`;
        break;
      }
      case 'DUP_BANK_ACCOUNT': {
        const q = this.person(g);
        out = this.build(i, q, { forceAccount: true });
        out.row.bank_account = primary.card;
        out.row.bank_account_name = '';
        detail = `bank account also on ${role.primaryRecordId}`;
        break;
      }
      case 'ID_CONFLICT': {
        const q = this.person(g);
        const name = drawOtherName(this.rec, primary.gender, primary.name);
        const holder: Holder = {
          ...this.holderOf(q),
          name,
          gender: primary.gender,
          birthDate: isoDate(primary.birthDay),
          idNumber: primary.idNumber,
        };
        out = this.build(i, q, { holder, allowSelf: false });
        detail = `ID number also on ${role.primaryRecordId} under the name ${primary.name}`;
        break;
      }
      case 'ID_LINE_LIMIT': {
        out = this.build(i, primary, {});
        detail = lineLimitDetail(role.groupRecordIds);
        break;
      }
    }
    out.defects.push({ recordId, rule: role.kind, detail });
    return out;
  }
}

function lineLimitDetail(ids: readonly string[]): string {
  return `one ID number holds ${ids.length} service numbers: ${ids.join(', ')}`;
}
