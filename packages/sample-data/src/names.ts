// Fake Chinese personal names: a common surname plus one or two given-name characters. Any
// resemblance to a real person is the coincidence that common names make inevitable.
import type { Prng } from './prng.js';

/** The hundred most common surnames, most frequent first (drawn with a falling weight). */
const SURNAMES = [
  ...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤',
  '欧阳',
  '司马',
  '诸葛',
];

const GIVEN_MALE = [
  ...'伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林峰建国志新海东亮晨阳博文振宏',
];
const GIVEN_FEMALE = [...'芳娜敏静丽艳娟霞秀燕玲桂丹萍红梅琳雪慧婷倩颖佳欣怡悦璐蕾瑶琪晶月兰凤洁茜莉蓉薇'];
const GIVEN_NEUTRAL = [...'子一思雨嘉晓春秋安心天永德清玉金成英世家和子文晴乐益诗'];

/** A lookup table of 1,000 slots so a weighted surname draw is one array access. */
const SURNAME_TABLE: readonly string[] = (() => {
  const weights = SURNAMES.map((_, i) => (i < SURNAMES.length - 3 ? 1 / (i + 8) : 0.002));
  const total = weights.reduce((a, b) => a + b, 0);
  const table: string[] = [];
  SURNAMES.forEach((s, i) => {
    const slots = Math.max(1, Math.round((weights[i]! / total) * 1000));
    for (let k = 0; k < slots; k++) table.push(s);
  });
  return table;
})();

export type Gender = '男' | '女';

export function drawSurname(prng: Prng): string {
  return prng.pick(SURNAME_TABLE);
}

function givenChar(prng: Prng, gender: Gender): string {
  if (prng.chance(0.3)) return prng.pick(GIVEN_NEUTRAL);
  return prng.pick(gender === '男' ? GIVEN_MALE : GIVEN_FEMALE);
}

/** A full name; `surname` forces the family name (children take the holder's). */
export function drawName(prng: Prng, gender: Gender, surname?: string): string {
  const family = surname ?? drawSurname(prng);
  const first = givenChar(prng, gender);
  if (prng.chance(0.25)) return family + first;
  let second = givenChar(prng, gender);
  if (second === first && prng.chance(0.7)) second = givenChar(prng, gender);
  return family + first + second;
}

/** A name guaranteed to differ from `avoid`, for defects that need "another person's" name. */
export function drawOtherName(prng: Prng, gender: Gender, avoid: string, keepSurname = false): string {
  const surname = keepSurname ? surnameOf(avoid) : undefined;
  for (let attempt = 0; attempt < 20; attempt++) {
    const name = drawName(prng, gender, surname);
    if (name !== avoid) return name;
  }
  return `${avoid}${prng.pick(GIVEN_NEUTRAL)}`;
}

const COMPOUND_SURNAMES = new Set(SURNAMES.filter((s) => s.length === 2));

/** The family name of a generated name (compound surnames included). */
export function surnameOf(name: string): string {
  const two = name.slice(0, 2);
  return COMPOUND_SURNAMES.has(two) ? two : name.slice(0, 1);
}
