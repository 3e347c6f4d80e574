// Mainland mobile number segments, as data. This is the one file to edit when MIIT allocates a
// segment (last reviewed against the allocations public by 2024: 190/192/196/197 issued in
// December 2019; unallocated then: 140-144 as 11-digit numbers, 154, 160, 161, 163, 164, 168,
// 169, 179, 194). Mobile number portability (2019) means the segment no longer tells the
// current operator; it still tells whether the number can exist and what it is for.

/** What a segment's numbers can do. `voice`: a personal mobile phone. */
export type SegmentUse = 'voice' | 'data' | 'satellite';

export interface MobileSegment {
  /** Leading digits, 3 or 4; the longest matching prefix wins (`1349` over `134`). */
  prefix: string;
  operator: 'China Mobile' | 'China Unicom' | 'China Telecom' | 'China Broadnet' | 'MVNO';
  use: SegmentUse;
}

const seg = (operator: MobileSegment['operator'], use: SegmentUse, ...prefixes: string[]): MobileSegment[] =>
  prefixes.map((prefix) => ({ prefix, operator, use }));

/** Allocated 11-digit segments. */
export const MOBILE_SEGMENTS: readonly MobileSegment[] = [
  ...seg('China Mobile', 'voice', '134', '135', '136', '137', '138', '139'),
  ...seg('China Mobile', 'voice', '150', '151', '152', '157', '158', '159', '172', '178'),
  ...seg('China Mobile', 'voice', '182', '183', '184', '187', '188', '195', '197', '198'),
  ...seg(
    'China Unicom',
    'voice',
    '130',
    '131',
    '132',
    '155',
    '156',
    '166',
    '175',
    '176',
    '185',
    '186',
    '196',
  ),
  ...seg(
    'China Telecom',
    'voice',
    '133',
    '153',
    '173',
    '177',
    '180',
    '181',
    '189',
    '190',
    '191',
    '193',
    '199',
  ),
  ...seg('China Broadnet', 'voice', '192'),
  // Mobile virtual network operators: personal numbers like any other.
  ...seg('MVNO', 'voice', '162', '165', '167', '170', '171'),
  // Data-only (上网卡) segments: no voice service, so not a contact phone for a person.
  ...seg('China Unicom', 'data', '145', '146'),
  ...seg('China Mobile', 'data', '147', '148'),
  ...seg('China Telecom', 'data', '149'),
  // Satellite phones: 1349 (former China Satcom block inside 134) and 174 (Tiantong).
  ...seg('China Telecom', 'satellite', '1349', '174'),
];

/**
 * Leading digits of 13-digit numbers, allocated to machine-to-machine (IoT) cards since 2017:
 * not personal phones.
 */
export const IOT_PREFIXES: readonly string[] = ['140', '141', '144', '146', '148', '1064'];

/**
 * Well-known sample numbers typed when the real one is not known, besides the patterns detected
 * in phone.ts (one repeated digit, a run like 12345678901, a segment followed by eight zeros).
 * 13800138000 is China Mobile's customer-service sample number.
 */
export const PLACEHOLDER_NUMBERS: readonly string[] = [
  '13800138000',
  '13900139000',
  '13000130000',
  '18600186000',
  '12345678901',
  '12345678910',
  '10000000000',
];
