import type { X12Planter } from './planter.js';
import type { SegmentWriter } from './segments.js';

/** ZIP3 prefixes Safe Harbor restricts (census 2000 and later lists), with a state they lie in. */
export const RESTRICTED_ZIP3 = [
  ['036', 'NH'],
  ['059', 'VT'],
  ['102', 'NY'],
  ['203', 'DC'],
  ['205', 'DC'],
  ['369', 'AL'],
  ['556', 'MN'],
  ['692', 'NE'],
  ['753', 'TX'],
  ['772', 'TX'],
  ['821', 'WY'],
  ['823', 'WY'],
  ['878', 'NM'],
  ['879', 'NM'],
  ['884', 'NM'],
  ['890', 'NV'],
  ['893', 'NV'],
] as const;

const OPEN_ZIP3 = [
  ['021', 'MA'],
  ['100', 'NY'],
  ['303', 'GA'],
  ['606', 'IL'],
  ['750', 'TX'],
  ['941', 'CA'],
  ['981', 'WA'],
  ['191', 'PA'],
  ['441', 'OH'],
  ['553', 'MN'],
] as const;

const STREET_TYPES = ['ST', 'AVE', 'RD', 'LN', 'BLVD', 'DR', 'CT'] as const;
const SUFFIXES = ['JR', 'SR', 'II', 'III', 'IV'] as const;

/** Someone whose identity the claim carries: a subscriber, a patient or an other insured. */
export interface Person {
  readonly last: string;
  readonly first: string;
  readonly middle: string | undefined;
  readonly suffix: string | undefined;
  readonly address: Address;
  /** `CCYYMMDD`. */
  readonly birth: string;
  readonly over89: boolean;
  readonly sex: 'F' | 'M' | 'U';
  readonly ssn: string;
  readonly memberId: string;
  readonly phone: string;
}

export interface Address {
  readonly street: string;
  readonly unit: string | undefined;
  readonly city: string;
  readonly state: string;
  readonly zip: string;
  readonly restricted: boolean;
}

export function newAddress(p: X12Planter): Address {
  const restricted = p.chance(0.3);
  const [zip3, state] = p.pick<readonly [string, string]>(restricted ? RESTRICTED_ZIP3 : OPEN_ZIP3);
  const plus4 = p.chance(0.5) ? String(p.int(1000, 9999)) : '';
  return {
    street: `${p.int(1, 9999)} ${p.word()} ${p.pick(STREET_TYPES)}`,
    unit: p.chance(0.5) ? `APT ${p.digits(4)}` : undefined,
    city: p.chance(0.7) ? p.word() : `${p.word()} FALLS`,
    state,
    zip: `${zip3}${String(p.int(1, 99)).padStart(2, '0')}${plus4}`,
    restricted,
  };
}

/** `elderly` makes the person older than 89 on the reference date; `adult` born 1940–2000. */
export function newPerson(p: X12Planter, age: 'elderly' | 'adult' | 'child'): Person {
  const [from, to] = age === 'elderly' ? [1922, 1933] : age === 'adult' ? [1940, 2000] : [2004, 2016];
  return {
    last: p.word(),
    first: p.word(),
    middle: p.chance(0.6) ? p.word() : p.chance(0.5) ? p.pick([...'ABCDEFGHJKLMNPRSTW']) : undefined,
    suffix: p.chance(0.25) ? p.pick(SUFFIXES) : undefined,
    address: newAddress(p),
    birth: p.date(from, to),
    over89: age === 'elderly',
    sex: p.pick(['F', 'M', 'F', 'M', 'U'] as const),
    ssn: p.digits(9, '1234578'),
    memberId: `${p.letters(3)}${p.digits(9)}`,
    phone: `${p.int(2, 9)}${p.digits(9, '0123456789')}`,
  };
}

/** NM1 for an individual; `id` writes NM108/NM109 (member id) when the loop has them. */
export function writePersonName(
  w: SegmentWriter,
  p: X12Planter,
  loop: string,
  entity: string,
  person: Person,
  id: boolean,
): void {
  const at = (element: string) => `${loop}/NM1/${element}`;
  w.seg(
    'NM1',
    entity,
    '1',
    p.plant('name', at('NM103'), person.last),
    p.plant('name', at('NM104'), person.first),
    person.middle === undefined ? undefined : p.plant('name', at('NM105'), person.middle),
    undefined,
    person.suffix === undefined ? undefined : p.plant('name', at('NM107'), person.suffix),
    id ? 'MI' : undefined,
    id ? p.plant('id', at('NM109'), person.memberId) : undefined,
  );
}

/** N3 (one or two lines) and N4 of a place that is someone's home. */
export function writeHomeAddress(w: SegmentWriter, p: X12Planter, loop: string, address: Address): void {
  w.seg(
    'N3',
    p.plant('address', `${loop}/N3/N301`, address.street),
    address.unit === undefined ? undefined : p.plant('address', `${loop}/N3/N302`, address.unit),
  );
  w.seg(
    'N4',
    p.plant('city', `${loop}/N4/N401`, address.city),
    address.state,
    p.plant('zip', `${loop}/N4/N403`, address.zip, address.restricted ? { restrictedZip3: true } : {}),
  );
}

export function writeDemographics(w: SegmentWriter, p: X12Planter, loop: string, person: Person): void {
  const extra = person.over89 ? { over89: true as const } : {};
  w.seg('DMG', 'D8', p.plant('date', `${loop}/DMG/DMG02`, person.birth, extra), person.sex);
}

/** PER*IC with the person as contact and their phone (837P 2010BA/2010CA allow TE only). */
export function writePhone(w: SegmentWriter, p: X12Planter, loop: string, person: Person): void {
  w.seg(
    'PER',
    'IC',
    p.plant('name', `${loop}/PER/PER02`, `${person.first} ${person.last}`),
    'TE',
    p.plant('phone', `${loop}/PER/PER04`, person.phone),
  );
}

/** An e-mail address built from the person's name, for free text (no patient PER carries EM). */
export const emailOf = (person: Person): string =>
  `${person.first}.${person.last}@example-mail.com`.toLowerCase();
