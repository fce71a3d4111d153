import { Buffer } from 'node:buffer';

/**
 * Deterministic generator of FHIR R4 transaction Bundles with canary PHI planted in many kinds of
 * places. Every canary is a distinctive token (`Zqx…` words, unusual digit runs) so a leak check can
 * search for it without false hits, and every planted value is recorded with where it went.
 * All values are synthetic; the seed fully determines the output.
 */

export type Json = string | number | boolean | null | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

/** HIPAA Safe Harbor categories (45 CFR 164.514(b)(2)(i)) the canaries stand for. */
export type PlantedKind =
  | 'name'
  | 'street'
  | 'city'
  | 'district'
  | 'zip'
  | 'zip-restricted'
  | 'geo'
  | 'phone'
  | 'fax'
  | 'email'
  | 'url'
  | 'ip'
  | 'ssn'
  | 'mrn'
  | 'member-id'
  | 'account-number'
  | 'license'
  | 'vin'
  | 'license-plate'
  | 'device-id'
  | 'birth-date'
  | 'date'
  | 'free-text-date'
  | 'age-over-89'
  | 'birth-year-over-89'
  | 'photo'
  | 'biometric'
  | 'employer'
  | 'other-id';

/**
 * How the leak check searches for a value: `text` (the value and its kind's normal variants),
 * `date` (many renderings of a YYYY-MM-DD date), `year` (a birth year in dates or as a free word),
 * `zip3` (a postalCode starting with the value's first three digits), `age-quantity` (an age
 * Quantity whose value is the planted number).
 */
export type MatchMode = 'text' | 'date' | 'year' | 'zip3' | 'age-quantity';

export interface Planted {
  value: string;
  kind: PlantedKind;
  /** Where the value was planted, as a FHIR path without indexes (`Patient._birthDate.extension.valueString`). */
  place: string;
  match?: MatchMode;
}

export interface PlantedPatient {
  /** The input resource id (itself an identifier: an MRN, an SSN). */
  id: string;
  fullUrl: string;
}

export interface PlantedBundle {
  seed: number;
  bundle: JsonObject;
  planted: Planted[];
  /** Clinical codes (`system|code`, one per occurrence) a de-identified copy is expected to keep. */
  keepCodes: string[];
  patients: { primary: PlantedPatient; elderly: PlantedPatient };
  /** The date the generator computed ages against; pass it to the engine as its reference date. */
  referenceDate: string;
}

export const REFERENCE_DATE = '2025-01-01';

export const SYSTEMS = {
  snomed: 'http://snomed.info/sct',
  loinc: 'http://loinc.org',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  cvx: 'http://hl7.org/fhir/sid/cvx',
  icd10: 'http://hl7.org/fhir/sid/icd-10-cm',
  cpt: 'http://www.ama-assn.org/go/cpt',
  ucum: 'http://unitsofmeasure.org',
  ssn: 'http://hl7.org/fhir/sid/us-ssn',
  v2_0203: 'http://terminology.hl7.org/CodeSystem/v2-0203',
} as const;

/** Three-digit ZIP prefixes restricted in all of the 2000, 2010 and 2020 census lists (notes/deid.md §d). */
export const RESTRICTED_ZIP3 = [
  '036',
  '059',
  '102',
  '203',
  '556',
  '692',
  '821',
  '823',
  '878',
  '879',
  '884',
  '893',
];
/** Populous prefixes that are in none of the restricted lists. */
const OPEN_ZIP3 = ['021', '100', '303', '606', '750', '941', '981', '191', '441', '553'];

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const DAY_MS = 86_400_000;

/** mulberry32: small, fast, and identical on every platform. */
class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(0, items.length - 1)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
}

/** Hands out canary tokens that never repeat within one Bundle. */
class Canaries {
  private readonly used = new Set<string>();
  constructor(private readonly rng: Rng) {}

  private unique(make: () => string): string {
    for (;;) {
      const value = make();
      if (!this.used.has(value.toLowerCase())) {
        this.used.add(value.toLowerCase());
        return value;
      }
    }
  }
  /** A capitalised word such as `Zqxbalomi`. */
  word(): string {
    const consonants = 'bdfgklmnprstvz';
    const vowels = 'aeiou';
    return this.unique(() => {
      let word = 'Zqx';
      for (let i = 0; i < 3; i++) word += this.rng.pick([...consonants]) + this.rng.pick([...vowels]);
      return word;
    });
  }
  digits(length: number, first = '123456789'): string {
    return this.unique(() => {
      let digits = this.rng.pick([...first]);
      while (digits.length < length) digits += String(this.rng.int(0, 9));
      return digits;
    });
  }
  letters(length: number, alphabet = 'ABCDEFGHJKLMNPRSTUVWXYZ'): string {
    return this.unique(() => {
      let text = '';
      while (text.length < length) text += this.rng.pick([...alphabet]);
      return text;
    });
  }
  uuid(): string {
    return this.unique(() => {
      const hex = Array.from({ length: 32 }, () => this.rng.int(0, 15).toString(16));
      hex[12] = '4';
      hex[16] = this.rng.pick(['8', '9', 'a', 'b']);
      const h = hex.join('');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    });
  }
}

export const isoDate = (date: Date): string => date.toISOString().slice(0, 10);

/** Engines that generalise dates may write YYYY-01-01 or YYYY-07-01; canary dates never fall there. */
const avoidGeneralisedDays = (date: Date): Date =>
  /-(01|07)-01$/.test(isoDate(date)) ? new Date(date.getTime() + DAY_MS) : date;

/** Renderings of one date the way people write it in notes; the leak check searches for all of them. */
export function dateRenderings(iso: string): string[] {
  const [y = '', m = '', d = ''] = iso.split('-');
  const month = MONTHS[Number(m) - 1] ?? '';
  const mon = month.slice(0, 3);
  const dn = String(Number(d));
  const mn = String(Number(m));
  return [
    iso,
    `${y}/${m}/${d}`,
    `${y}${m}${d}`,
    `${m}/${d}/${y}`,
    `${mn}/${dn}/${y}`,
    `${m}-${d}-${y}`,
    `${d}.${m}.${y}`,
    `${month} ${dn}, ${y}`,
    `${mon} ${dn}, ${y}`,
    `${mon}. ${dn}, ${y}`,
    `${dn} ${month} ${y}`,
    `${dn} ${mon} ${y}`,
    `${month} ${dn}th, ${y}`,
    `${mn}/${dn}/${y.slice(2)}`,
  ];
}

const fmt = {
  long: (iso: string) => dateRenderings(iso)[7] ?? iso,
  us: (iso: string) => dateRenderings(iso)[3] ?? iso,
  dayMon: (iso: string) => dateRenderings(iso)[11] ?? iso,
  compact: (iso: string) => dateRenderings(iso)[2] ?? iso,
  monAbbrev: (iso: string) => dateRenderings(iso)[9] ?? iso,
};

const b64 = (text: string | Uint8Array): string => Buffer.from(text).toString('base64');

const coding = (system: string, code: string, display: string): JsonObject => ({ system, code, display });

export function plantPhiBundle(seed: number): PlantedBundle {
  const rng = new Rng(seed);
  const c = new Canaries(rng);
  const planted: Planted[] = [];
  const keepCodes: string[] = [];

  const p = (kind: PlantedKind, place: string, value: string, match?: MatchMode): string => {
    planted.push(match === undefined ? { value, kind, place } : { value, kind, place, match });
    return value;
  };
  /** Plants a value that sits inside a larger string (free text, narrative, attachment bytes). */
  const inText = (place: string, items: ReadonlyArray<readonly [PlantedKind, string, MatchMode?]>): void => {
    for (const [kind, value, match] of items) p(kind, place, value, match);
  };
  const keep = (system: string, code: string, display: string): JsonObject => {
    keepCodes.push(`${system}|${code}`);
    return coding(system, code, display);
  };

  // Dates: clinical dates at least 400 days apart, so no plausible date shift maps one onto another.
  const pool: string[] = [];
  let day = Date.UTC(1996, 1, 1) + rng.int(0, 60) * DAY_MS;
  for (let i = 0; i < 18; i++) {
    pool.push(isoDate(avoidGeneralisedDays(new Date(day))));
    day += (400 + rng.int(0, 60)) * DAY_MS;
  }
  const poolAt = (i: number): string => pool[i] ?? '2000-01-01';
  const dateTime = (iso: string, hour: number): string =>
    `${iso}T${String(hour).padStart(2, '0')}:${String(rng.int(10, 59))}:00-05:00`;
  const birthIn = (from: number, to: number): string =>
    isoDate(avoidGeneralisedDays(new Date(Date.UTC(rng.int(from, to), rng.int(0, 11), rng.int(1, 28)))));

  // People and their identifiers.
  const base = `https://ehr.${c.word().toLowerCase()}.example.org/fhir`;
  const mrnSystem = `https://${c.word().toLowerCase()}.example.org/mrn`;
  const given = c.word();
  const middle = c.word();
  const family = c.word();
  const maiden = c.word();
  const mrnDigits = c.digits(8);
  const mrn = `MRN-${mrnDigits}`;
  const ssn = `${c.digits(3, '2345678')}-${c.digits(2)}-${c.digits(4)}`;
  const ssnDigits = ssn.replaceAll('-', '');
  const license = `S${c.digits(3)}-${c.digits(4)}-${c.digits(4)}`;
  const phone = `${c.digits(3, '2345678')}-${c.digits(3, '2345678')}-${c.digits(4)}`;
  const phoneParen = `(${phone.slice(0, 3)}) ${phone.slice(4)}`;
  const mobile = `${c.digits(3, '2345678')}-${c.digits(3, '2345678')}-${c.digits(4)}`;
  const fax = `${c.digits(3, '2345678')}-${c.digits(3, '2345678')}-${c.digits(4)}`;
  const email = `${c.word().toLowerCase()}.${c.word().toLowerCase()}@${c.word().toLowerCase()}.example.com`;
  const homepage = `https://${c.word().toLowerCase()}.example.net/~${given.toLowerCase()}`;
  const street = `${c.digits(4)} ${c.word()} ${c.word()}`;
  const unit = `Apt ${c.digits(3)}${c.letters(1)}`;
  const city = c.word();
  const district = `${c.word()} County`;
  const zip = `${rng.pick(OPEN_ZIP3)}${c.digits(2, '0123456789')}`;
  const zipPlus4 = `${zip}-${c.digits(4)}`;
  const oldStreet = `${c.digits(3)} ${c.word()} ${c.word()}`;
  const oldCity = c.word();
  const restrictedZip = `${rng.pick(RESTRICTED_ZIP3)}${c.digits(2, '0123456789')}`;
  const latitude = `4${rng.int(0, 8)}.${c.digits(6)}${rng.int(1, 9)}`;
  const longitude = `-7${rng.int(0, 9)}.${c.digits(6)}${rng.int(1, 9)}`;
  const birthDate = birthIn(1962, 1972);
  const employer = `${c.word()} ${c.word()} Industries`;

  const elderlyGiven = c.word();
  const elderlyFamily = c.word();
  const elderlySsn = `${c.digits(3, '2345678')}-${c.digits(2)}-${c.digits(4)}`;
  // Born 1931 or earlier: at least 93 on the reference date, so every planted age stays above the 90 bucket.
  const elderlyBirth = birthIn(1926, 1931);
  const elderlyBirthYear = elderlyBirth.slice(0, 4);
  const elderlyAge = String(
    Number(REFERENCE_DATE.slice(0, 4)) -
      Number(elderlyBirthYear) -
      (elderlyBirth.slice(5) > REFERENCE_DATE.slice(5) ? 1 : 0),
  );
  const elderlyPhone = `${c.digits(3, '2345678')}-${c.digits(3, '2345678')}-${c.digits(4)}`;
  const elderlyStreet = `${c.digits(4)} ${c.word()} ${c.word()}`;
  const elderlyCity = c.word();
  const elderlyZip = `${rng.pick(OPEN_ZIP3)}${c.digits(2, '0123456789')}`;

  const rpGiven = c.word();
  const rpFamily = c.word();
  const rpPhoneDigits = c.digits(10, '2345678');
  const rpId = `rp.${rpPhoneDigits}`;
  const rpSsn = `${c.digits(3, '2345678')}-${c.digits(2)}-${c.digits(4)}`;
  const rpEmail = `${c.word().toLowerCase()}@${c.word().toLowerCase()}.example.com`;
  const rpBirth = birthIn(1948, 1955);
  const memberId = `ZQM${c.digits(9)}`;
  const subscriberId = `ZQS${c.digits(9)}`;
  const accountNumber = c.digits(10);
  const encounterId = `ACCT-${accountNumber}`;
  const preAdmission = `PRE${c.digits(8)}`;
  const claimId = `clm-${mrnDigits}-1`;
  const claimNumber = `CLN${c.digits(9)}`;
  const preAuth = `PA${c.digits(9)}`;
  const vin = `1${c.letters(2, 'ABCDEFGHJKLMNPRSTUVWXYZ')}${c.digits(2)}${c.letters(3)}${c.digits(9)}`.slice(
    0,
    17,
  );
  const plate = `ZQX-${c.digits(4)}`;
  const serial = `SN-ZQX-${c.digits(8)}`;
  const lot = `LOT-ZQX-${c.digits(6)}`;
  const udiDi = `0${c.digits(13)}`;
  const udiHrf = `(01)${udiDi}(17)301231(10)${lot.slice(4)}(21)${serial.slice(3)}`;
  const distinctId = `DIN-ZQX-${c.digits(7)}`;
  const deviceUrl = `https://${c.word().toLowerCase()}.devices.example.org/pump/${serial}`;
  const ipv4 = `10.${rng.int(100, 250)}.${rng.int(100, 250)}.${rng.int(100, 250)}`;
  const ipv6 = `2001:db8:${rng.int(4096, 65535).toString(16)}:${rng.int(4096, 65535).toString(16)}::${rng.int(17, 250).toString(16)}`;
  const bundleIdentifier = `BATCH-${c.digits(9)}`;
  const masterIdentifier = `DOC-${c.digits(10)}`;
  const attachmentUrl = `https://files.${c.word().toLowerCase()}.example.org/scans/${mrn}/note.txt`;
  const metaSource = `https://portal.${c.word().toLowerCase()}.example.org/chart/${mrn}`;
  const tagCode = `vip-${c.digits(7)}`;

  // Resource identities.
  const primaryFullUrl = `${base}/Patient/${mrn}`;
  const elderlyFullUrl = `urn:uuid:${c.uuid()}`;
  const coverageFullUrl = `${base}/Coverage/${memberId}`;
  const urn = () => `urn:uuid:${c.uuid()}`;
  const ids = {
    rp: urn(),
    practitioner: urn(),
    hospital: urn(),
    payer: urn(),
    encounter: urn(),
    condition: urn(),
    vitals: urn(),
    social: urn(),
    age: urn(),
    medication: urn(),
    procedure: urn(),
    document: urn(),
    report: urn(),
    immunization: urn(),
    claim: urn(),
    device: urn(),
    audit: urn(),
  };
  const idOf = (fullUrl: string): string => fullUrl.slice('urn:uuid:'.length);
  const primaryRef = `Patient/${mrn}`;
  const fullName = `${given} ${middle} ${family}`;

  // ---- Patient (primary) ----
  const narrativePlace = 'Patient.text.div';
  inText(narrativePlace, [
    ['name', given],
    ['name', family],
    ['mrn', mrn],
    ['phone', phoneParen],
    ['street', street],
    ['birth-date', birthDate, 'date'],
    ['free-text-date', poolAt(16), 'date'],
  ]);
  const photoMarker = `ZQXFACE${c.digits(8)}`;
  const photoBytes = Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
    Buffer.from('JFIF\u0000', 'latin1'),
    Buffer.from([0xff, 0xfe, 0x00, 0x30]),
    Buffer.from(` ${photoMarker} full-face photo of ${given} ${family} `, 'latin1'),
    Buffer.from(Array.from({ length: 48 }, () => rng.int(0, 255))),
    Buffer.from([0xff, 0xd9]),
  ]);
  const photoData = b64(photoBytes);
  inText('Patient.photo.data', [
    ['photo', photoData],
    ['photo', photoMarker],
  ]);
  const fingerprint = `FPRINT:${c.letters(24)}:${given}`;
  inText('Patient.extension.valueBase64Binary', [['biometric', fingerprint]]);

  inText('Patient.address.text', [
    ['street', street],
    ['street', unit],
    ['city', city],
    ['zip', zipPlus4],
  ]);
  const patient: JsonObject = {
    resourceType: 'Patient',
    id: p('mrn', 'Patient.id', mrn),
    meta: {
      source: p('url', 'Patient.meta.source', metaSource),
      tag: [
        {
          system: `https://${c.word().toLowerCase()}.example.org/tags`,
          code: p('other-id', 'Patient.meta.tag.code', tagCode),
          display: `VIP: ${p('name', 'Patient.meta.tag.display', family)}`,
        },
      ],
    },
    text: {
      status: 'generated',
      div: `<div xmlns="http://www.w3.org/1999/xhtml"><p>${fullName} (${mrn}), born ${fmt.long(birthDate)}.</p><p>${street}, ${city}. Tel ${phoneParen}. Last seen ${fmt.monAbbrev(poolAt(16))}.</p></div>`,
    },
    extension: [
      {
        url: 'http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName',
        valueString: p('name', 'Patient.extension(mothersMaidenName).valueString', maiden),
      },
      {
        url: 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace',
        valueAddress: {
          line: [p('street', 'Patient.extension(birthPlace).valueAddress.line', oldStreet)],
          city: p('city', 'Patient.extension(birthPlace).valueAddress.city', oldCity),
          state: 'NH',
          country: 'US',
        },
      },
      {
        url: 'http://hl7.org/fhir/StructureDefinition/patient-nationality',
        extension: [
          {
            url: 'code',
            valueCodeableConcept: {
              coding: [coding('urn:iso:std:iso:3166', 'US', 'United States of America')],
              text: `Citizen, naturalised at ${p('city', 'Patient.extension(nationality).extension(code).valueCodeableConcept.text', c.word())}`,
            },
          },
        ],
      },
      {
        url: `https://${c.word().toLowerCase()}.example.org/fhir/StructureDefinition/employer`,
        valueString: p('employer', 'Patient.extension(unknown).valueString', employer),
      },
      {
        url: `https://${c.word().toLowerCase()}.example.org/fhir/StructureDefinition/alias`,
        valueHumanName: {
          family: p('name', 'Patient.extension.valueHumanName.family', c.word()),
          given: [p('name', 'Patient.extension.valueHumanName.given', c.word())],
        },
      },
      {
        url: `https://${c.word().toLowerCase()}.example.org/fhir/StructureDefinition/second-home`,
        valueAddress: {
          line: [
            p('street', 'Patient.extension.valueAddress.line', `${c.digits(3)} ${c.word()} ${c.word()}`),
          ],
          city: p('city', 'Patient.extension.valueAddress.city', c.word()),
          postalCode: p(
            'zip',
            'Patient.extension.valueAddress.postalCode',
            `${rng.pick(OPEN_ZIP3)}${c.digits(2)}`,
          ),
          state: 'VT',
        },
      },
      {
        url: `https://${c.word().toLowerCase()}.example.org/fhir/StructureDefinition/fingerprint`,
        valueBase64Binary: b64(fingerprint),
      },
      {
        url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex',
        valueCode: 'F',
      },
      {
        // An allow-listed extension whose free-text part carries PHI.
        url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race',
        extension: [
          { url: 'ombCategory', valueCoding: coding('urn:oid:2.16.840.1.113883.6.238', '2106-3', 'White') },
          {
            url: 'text',
            valueString: `White, per ${p('name', 'Patient.extension(us-core-race).extension(text).valueString', c.word())}`,
          },
        ],
      },
      {
        url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity',
        extension: [
          {
            url: 'ombCategory',
            valueCoding: coding('urn:oid:2.16.840.1.113883.6.238', '2186-5', 'Not Hispanic or Latino'),
          },
          {
            url: 'text',
            valueString: `Not Hispanic, born in ${p('city', 'Patient.extension(us-core-ethnicity).extension(text).valueString', oldCity)}`,
          },
        ],
      },
    ],
    identifier: [
      {
        use: 'usual',
        type: { coding: [coding(SYSTEMS.v2_0203, 'MR', 'Medical record number')] },
        system: mrnSystem,
        value: p('mrn', 'Patient.identifier(MR).value', mrn),
      },
      {
        type: { coding: [coding(SYSTEMS.v2_0203, 'SS', 'Social Security number')] },
        system: SYSTEMS.ssn,
        value: p('ssn', 'Patient.identifier(SSN).value', ssn),
      },
      {
        type: { coding: [coding(SYSTEMS.v2_0203, 'DL', "Driver's license number")] },
        system: 'urn:oid:2.16.840.1.113883.4.3.25',
        value: p('license', 'Patient.identifier(DL).value', license),
      },
    ],
    name: [
      {
        use: 'official',
        text: p('name', 'Patient.name.text', fullName),
        family: p('name', 'Patient.name.family', family),
        _family: {
          extension: [
            {
              url: 'http://hl7.org/fhir/StructureDefinition/humanname-own-prefix',
              valueString: p('name', 'Patient.name._family.extension.valueString', c.word()),
            },
          ],
        },
        given: [p('name', 'Patient.name.given', given), p('name', 'Patient.name.given', middle)],
        // Primitive extensions of a repeating element align with it, null where there is none.
        _given: [
          null,
          {
            extension: [
              {
                url: 'http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier',
                valueCode: 'CL',
              },
              {
                url: `https://${c.word().toLowerCase()}.example.org/fhir/StructureDefinition/given-note`,
                valueString: `Called ${p('name', 'Patient.name._given.extension.valueString', c.word())} at home`,
              },
            ],
          },
        ],
        prefix: ['Ms.'],
        suffix: [p('name', 'Patient.name.suffix', c.word())],
      },
      { use: 'maiden', family: p('name', 'Patient.name(maiden).family', maiden), given: [given] },
    ],
    telecom: [
      { system: 'phone', value: p('phone', 'Patient.telecom(phone).value', phone), use: 'home' },
      {
        system: 'phone',
        value: p('phone', 'Patient.telecom(mobile).value', mobile),
        _value: {
          extension: [
            {
              url: `https://${c.word().toLowerCase()}.example.org/fhir/StructureDefinition/telecom-note`,
              valueString: `Ask for ${p('name', 'Patient.telecom._value.extension.valueString', c.word())}`,
            },
          ],
        },
        use: 'mobile',
      },
      { system: 'fax', value: p('fax', 'Patient.telecom(fax).value', fax) },
      { system: 'email', value: p('email', 'Patient.telecom(email).value', email) },
      { system: 'url', value: p('url', 'Patient.telecom(url).value', homepage) },
    ],
    gender: 'female',
    birthDate: p('birth-date', 'Patient.birthDate', birthDate, 'date'),
    _birthDate: {
      extension: [
        {
          url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime',
          valueDateTime: `${birthDate}T14:32:00-05:00`,
        },
        {
          url: `https://${c.word().toLowerCase()}.example.org/fhir/StructureDefinition/birth-note`,
          valueString: `Delivered by ${p('name', 'Patient._birthDate.extension.valueString', c.word())} at home`,
        },
      ],
    },
    address: [
      {
        extension: [
          {
            url: 'http://hl7.org/fhir/StructureDefinition/geolocation',
            extension: [
              {
                url: 'latitude',
                valueDecimal: Number(p('geo', 'Patient.address.extension(geolocation)', latitude)),
              },
              {
                url: 'longitude',
                valueDecimal: Number(p('geo', 'Patient.address.extension(geolocation)', longitude)),
              },
            ],
          },
        ],
        use: 'home',
        text: `${street}, ${unit}, ${city} MA ${zipPlus4}`,
        line: [p('street', 'Patient.address.line', street), p('street', 'Patient.address.line', unit)],
        city: p('city', 'Patient.address.city', city),
        district: p('district', 'Patient.address.district', district),
        state: 'MA',
        postalCode: p('zip', 'Patient.address.postalCode', zipPlus4),
        country: 'US',
      },
      {
        use: 'old',
        line: [p('street', 'Patient.address(old).line', oldStreet)],
        city: p('city', 'Patient.address(old).city', oldCity),
        state: 'NH',
        postalCode: p('zip-restricted', 'Patient.address(old).postalCode', restrictedZip, 'zip3'),
      },
    ],
    maritalStatus: {
      coding: [coding('http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', 'M', 'Married')],
    },
    photo: [
      {
        contentType: 'image/jpeg',
        data: photoData,
        title: `Photo of ${p('name', 'Patient.photo.title', family)}`,
      },
    ],
    contact: [
      {
        modifierExtension: [
          {
            url: `https://${c.word().toLowerCase()}.example.org/fhir/StructureDefinition/contact-do-not-disclose`,
            valueString: `Never disclose to ${p('name', 'Patient.contact.modifierExtension.valueString', c.word())}`,
          },
        ],
        relationship: [
          { coding: [coding('http://terminology.hl7.org/CodeSystem/v2-0131', 'N', 'Next-of-Kin')] },
        ],
        name: {
          family: p('name', 'Patient.contact.name.family', c.word()),
          given: [p('name', 'Patient.contact.name.given', c.word())],
        },
        telecom: [
          {
            system: 'phone',
            value: p(
              'phone',
              'Patient.contact.telecom.value',
              `${c.digits(3, '2345678')}.${c.digits(3)}.${c.digits(4)}`,
            ),
          },
          {
            system: 'email',
            value: p('email', 'Patient.contact.telecom.value', `${c.word().toLowerCase()}@example.org`),
          },
        ],
        address: {
          line: [p('street', 'Patient.contact.address.line', `${c.digits(4)} ${c.word()} ${c.word()}`)],
          city: p('city', 'Patient.contact.address.city', c.word()),
          postalCode: p('zip', 'Patient.contact.address.postalCode', `${rng.pick(OPEN_ZIP3)}${c.digits(2)}`),
        },
        organization: { display: p('employer', 'Patient.contact.organization.display', employer) },
      },
    ],
    generalPractitioner: [{ reference: ids.practitioner }],
    managingOrganization: { reference: ids.hospital },
    link: [{ other: { reference: `RelatedPerson/${rpId}` }, type: 'seealso' }],
  };

  // ---- Patient (elderly, age over 89) ----
  const elderlyPatient: JsonObject = {
    resourceType: 'Patient',
    id: p('ssn', 'Patient(elderly).id', elderlySsn),
    text: {
      status: 'generated',
      div: `<div xmlns="http://www.w3.org/1999/xhtml">${p('name', 'Patient(elderly).text.div', elderlyGiven)} ${elderlyFamily}, age ${p('age-over-89', 'Patient(elderly).text.div', `age ${elderlyAge}`)}</div>`,
    },
    identifier: [
      { system: SYSTEMS.ssn, value: p('ssn', 'Patient(elderly).identifier(SSN).value', elderlySsn) },
    ],
    name: [
      {
        family: p('name', 'Patient(elderly).name.family', elderlyFamily),
        given: [p('name', 'Patient(elderly).name.given', elderlyGiven)],
      },
    ],
    telecom: [{ system: 'phone', value: p('phone', 'Patient(elderly).telecom.value', elderlyPhone) }],
    gender: 'male',
    birthDate: elderlyBirth,
    address: [
      {
        line: [p('street', 'Patient(elderly).address.line', elderlyStreet)],
        city: p('city', 'Patient(elderly).address.city', elderlyCity),
        state: 'FL',
        postalCode: p('zip', 'Patient(elderly).address.postalCode', elderlyZip),
      },
    ],
  };
  p('birth-date', 'Patient(elderly).birthDate', elderlyBirth, 'date');
  p('birth-year-over-89', 'Patient(elderly).birthDate', elderlyBirthYear, 'year');

  // ---- RelatedPerson (relative of the patient, subscriber of the coverage) ----
  const relatedPerson: JsonObject = {
    resourceType: 'RelatedPerson',
    id: p('phone', 'RelatedPerson.id', rpId),
    identifier: [{ system: SYSTEMS.ssn, value: p('ssn', 'RelatedPerson.identifier.value', rpSsn) }],
    patient: { reference: primaryRef, display: p('name', 'RelatedPerson.patient.display', fullName) },
    relationship: [
      { coding: [coding('http://terminology.hl7.org/CodeSystem/v3-RoleCode', 'SPS', 'spouse')] },
    ],
    name: [
      {
        family: p('name', 'RelatedPerson.name.family', rpFamily),
        given: [p('name', 'RelatedPerson.name.given', rpGiven)],
      },
    ],
    telecom: [
      { system: 'phone', value: p('phone', 'RelatedPerson.telecom.value', rpPhoneDigits) },
      { system: 'email', value: p('email', 'RelatedPerson.telecom.value', rpEmail) },
    ],
    birthDate: p('birth-date', 'RelatedPerson.birthDate', rpBirth, 'date'),
    address: [
      {
        line: [p('street', 'RelatedPerson.address.line', street)],
        city: p('city', 'RelatedPerson.address.city', city),
        postalCode: p('zip', 'RelatedPerson.address.postalCode', zip),
      },
    ],
  };

  // ---- Provider side: not PHI of the individual, not planted ----
  const practitioner: JsonObject = {
    resourceType: 'Practitioner',
    id: idOf(ids.practitioner),
    identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '9999912345' }],
    name: [{ family: 'Provider', given: ['Pat'], prefix: ['Dr.'] }],
  };
  const hospital: JsonObject = {
    resourceType: 'Organization',
    id: idOf(ids.hospital),
    name: 'General Hospital',
    address: [{ line: ['1 Hospital Way'], city: 'Boston', state: 'MA', postalCode: '02115' }],
  };
  const payer: JsonObject = {
    resourceType: 'Organization',
    id: idOf(ids.payer),
    name: 'Example Health Plan',
  };

  // ---- Encounter (id is the visit account number) ----
  const admission = poolAt(0);
  const encounter: JsonObject = {
    resourceType: 'Encounter',
    id: p('account-number', 'Encounter.id', encounterId),
    text: {
      status: 'generated',
      div: `<div xmlns="http://www.w3.org/1999/xhtml">Admitted ${fmt.us(p('free-text-date', 'Encounter.text.div', admission, 'date'))}: ${p('name', 'Encounter.text.div', family)}, ${p('account-number', 'Encounter.text.div', accountNumber)}</div>`,
    },
    identifier: [
      {
        type: { coding: [coding(SYSTEMS.v2_0203, 'VN', 'Visit number')] },
        system: `https://${c.word().toLowerCase()}.example.org/visits`,
        value: p('account-number', 'Encounter.identifier.value', encounterId),
      },
    ],
    status: 'finished',
    class: coding('http://terminology.hl7.org/CodeSystem/v3-ActCode', 'IMP', 'inpatient encounter'),
    type: [{ coding: [keep(SYSTEMS.snomed, '32485007', 'Hospital admission (procedure)')] }],
    subject: { reference: primaryRef, display: p('name', 'Encounter.subject.display', fullName) },
    participant: [
      {
        individual: {
          reference: `RelatedPerson/${rpId}`,
          display: p('name', 'Encounter.participant.individual.display', `${rpGiven} ${rpFamily}`),
        },
      },
      { individual: { reference: ids.practitioner, display: 'Dr. Pat Provider' } },
    ],
    period: {
      start: dateTime(p('date', 'Encounter.period.start', admission, 'date'), 8),
      end: dateTime(admission, 20),
    },
    reasonCode: [
      {
        coding: [keep(SYSTEMS.snomed, '217082002', 'Accidental fall (event)')],
        text: `Fell outside ${p('street', 'Encounter.reasonCode.text', street)}`,
      },
    ],
    hospitalization: {
      preAdmissionIdentifier: {
        value: p('account-number', 'Encounter.hospitalization.preAdmissionIdentifier', preAdmission),
      },
    },
    serviceProvider: { reference: ids.hospital },
  };

  // ---- Condition (conditional reference to the patient, contained relative) ----
  const onset = poolAt(1);
  const conditionNoteDate = poolAt(2);
  const rpContainedName = c.word();
  const rpContainedPhone = `${c.digits(3, '2345678')}-${c.digits(3, '2345678')}-${c.digits(4)}`;
  const conditionNote = `${given} ${family} (MRN ${mrnDigits}) seen ${fmt.long(conditionNoteDate)} after a fall at ${street}, ${city}. Daughter reachable at ${phoneParen}. SSN ${ssnDigits}.`;
  inText('Condition.note.text', [
    ['name', given],
    ['name', family],
    ['mrn', mrnDigits],
    ['free-text-date', conditionNoteDate, 'date'],
    ['street', street],
    ['city', city],
    ['phone', phoneParen],
    ['ssn', ssnDigits],
  ]);
  const condition: JsonObject = {
    resourceType: 'Condition',
    id: idOf(ids.condition),
    contained: [
      {
        resourceType: 'RelatedPerson',
        id: 'rp1',
        text: {
          status: 'generated',
          div: `<div xmlns="http://www.w3.org/1999/xhtml">${p('name', 'Condition.contained(RelatedPerson).text.div', rpContainedName)}, neighbour</div>`,
        },
        patient: { reference: primaryRef },
        name: [{ text: p('name', 'Condition.contained(RelatedPerson).name.text', rpContainedName) }],
        telecom: [
          {
            system: 'phone',
            value: p('phone', 'Condition.contained(RelatedPerson).telecom.value', rpContainedPhone),
          },
        ],
      },
    ],
    clinicalStatus: {
      coding: [coding('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active', 'Active')],
    },
    code: {
      coding: [
        keep(
          SYSTEMS.snomed,
          '263204007',
          `Fracture of wrist, ${p('name', 'Condition.code.coding.display', family)} household`,
        ),
        keep(SYSTEMS.icd10, 'S62.109A', 'Fracture of unspecified carpal bone'),
      ],
      text: `${p('name', 'Condition.code.text', given)}'s left wrist fracture`,
    },
    subject: { reference: `Patient?identifier=${mrnSystem}|${mrn}` },
    encounter: { reference: ids.encounter },
    onsetDateTime: dateTime(p('date', 'Condition.onsetDateTime', onset, 'date'), 9),
    asserter: { reference: '#rp1' },
    note: [
      {
        authorString: p('name', 'Condition.note.authorString', `${rpGiven} ${rpFamily}`),
        time: dateTime(onset, 11),
        text: conditionNote,
      },
    ],
  };

  // ---- Observations ----
  const vitalsDate = poolAt(3);
  const vitalsNoteDate = poolAt(4);
  inText('Observation.note.text', [
    ['free-text-date', vitalsNoteDate, 'date'],
    ['email', email],
    ['ip', ipv4],
  ]);
  const vitals: JsonObject = {
    resourceType: 'Observation',
    id: idOf(ids.vitals),
    status: 'final',
    category: [
      {
        coding: [
          coding('http://terminology.hl7.org/CodeSystem/observation-category', 'vital-signs', 'Vital Signs'),
        ],
      },
    ],
    code: { coding: [keep(SYSTEMS.loinc, '8867-4', 'Heart rate')] },
    subject: { reference: primaryFullUrl },
    encounter: { reference: `Encounter/${encounterId}` },
    effectiveDateTime: dateTime(p('date', 'Observation.effectiveDateTime', vitalsDate, 'date'), 10),
    performer: [{ reference: ids.practitioner, display: 'Dr. Pat Provider' }],
    valueQuantity: { value: 72, unit: '/min', system: SYSTEMS.ucum, code: '/min' },
    note: [
      {
        text: `Repeat on ${fmt.us(vitalsNoteDate)}; results mailed to ${email}, portal login from ${ipv4}.`,
      },
    ],
  };

  const socialName = c.word();
  inText('Observation.valueString', [
    ['name', socialName],
    ['phone', mobile],
    ['license-plate', plate],
  ]);
  inText('Observation.component.valueString', [['name', rpGiven]]);
  const social: JsonObject = {
    resourceType: 'Observation',
    id: idOf(ids.social),
    status: 'final',
    code: {
      coding: [keep(SYSTEMS.loinc, '63512-8', 'How many people are living or staying at this address')],
    },
    subject: { reference: primaryRef, display: p('name', 'Observation.subject.display', given) },
    effectiveDateTime: dateTime(vitalsDate, 11),
    valueString: `Lives with partner ${socialName}; call ${mobile}; drives car plate ${plate}`,
    component: [
      {
        code: { coding: [keep(SYSTEMS.loinc, '56051-6', 'Do you live alone')] },
        valueString: `No, with ${rpGiven}`,
      },
    ],
  };

  const elderlyConditionId = urn();
  const elderlyCondition: JsonObject = {
    resourceType: 'Condition',
    id: idOf(elderlyConditionId),
    code: { coding: [keep(SYSTEMS.snomed, '52448006', 'Dementia')] },
    subject: { reference: `Patient/${elderlySsn}` },
    onsetAge: {
      value: Number(
        p('age-over-89', 'Condition(elderly).onsetAge', String(Number(elderlyAge) - 1), 'age-quantity'),
      ),
      unit: 'years',
      system: SYSTEMS.ucum,
      code: 'a',
    },
  };

  const ageDate = poolAt(14);
  const ageObservation: JsonObject = {
    resourceType: 'Observation',
    id: idOf(ids.age),
    status: 'final',
    code: { coding: [keep(SYSTEMS.loinc, '30525-0', 'Age')] },
    subject: {
      reference: `Patient/${elderlySsn}`,
      display: p('name', 'Observation(elderly).subject.display', `${elderlyGiven} ${elderlyFamily}`),
    },
    effectiveDateTime: dateTime(p('date', 'Observation(elderly).effectiveDateTime', ageDate, 'date'), 9),
    valueQuantity: {
      value: Number(p('age-over-89', 'Observation(elderly).valueQuantity', elderlyAge, 'age-quantity')),
      unit: 'a',
      system: SYSTEMS.ucum,
      code: 'a',
    },
    note: [
      {
        text: `${elderlyGiven} is a ${p('age-over-89', 'Observation(elderly).note.text', `${elderlyAge}-year-old`)} man, born ${fmt.dayMon(p('free-text-date', 'Observation(elderly).note.text', elderlyBirth, 'date'))}.`,
      },
    ],
  };
  p('name', 'Observation(elderly).note.text', elderlyGiven);

  // ---- MedicationRequest ----
  const authored = poolAt(5);
  const medication: JsonObject = {
    resourceType: 'MedicationRequest',
    id: idOf(ids.medication),
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: {
      coding: [keep(SYSTEMS.rxnorm, '313782', 'Acetaminophen 325 MG Oral Tablet')],
      text: 'Acetaminophen 325 MG Oral Tablet',
    },
    subject: { reference: primaryRef },
    authoredOn: dateTime(p('date', 'MedicationRequest.authoredOn', authored, 'date'), 12),
    requester: { reference: ids.practitioner },
    reasonReference: [{ reference: ids.condition }],
    note: [{ text: `Pharmacy to call ${p('fax', 'MedicationRequest.note.text', fax)} (fax)` }],
    dosageInstruction: [
      {
        text: `1 tablet every 6 hours; ${p('name', 'MedicationRequest.dosageInstruction.text', rpGiven)} helps with doses`,
      },
    ],
  };

  // ---- Device ----
  const deviceNote = c.word();
  const device: JsonObject = {
    resourceType: 'Device',
    id: idOf(ids.device),
    identifier: [{ system: 'urn:zqx:serial', value: p('device-id', 'Device.identifier.value', serial) }],
    udiCarrier: [
      {
        deviceIdentifier: p('device-id', 'Device.udiCarrier.deviceIdentifier', udiDi),
        carrierHRF: p('device-id', 'Device.udiCarrier.carrierHRF', udiHrf),
        carrierAIDC: b64(udiHrf),
      },
    ],
    distinctIdentifier: p('device-id', 'Device.distinctIdentifier', distinctId),
    lotNumber: p('device-id', 'Device.lotNumber', lot),
    serialNumber: p('device-id', 'Device.serialNumber', serial),
    deviceName: [
      {
        name: `${p('name', 'Device.deviceName.name', family)} family insulin pump`,
        type: 'user-friendly-name',
      },
    ],
    type: { coding: [keep(SYSTEMS.snomed, '69805005', 'Insulin pump')] },
    patient: { reference: primaryRef },
    url: p('url', 'Device.url', deviceUrl),
    note: [{ text: `Paired with phone of ${p('name', 'Device.note.text', deviceNote)}` }],
  };

  // ---- Procedure ----
  const performed = poolAt(6);
  const procedure: JsonObject = {
    resourceType: 'Procedure',
    id: idOf(ids.procedure),
    status: 'completed',
    code: {
      coding: [keep(SYSTEMS.snomed, '50857003', 'Closed reduction of fracture of wrist')],
      text: 'Closed reduction of wrist fracture',
    },
    subject: { reference: primaryRef },
    encounter: { reference: ids.encounter },
    performedDateTime: dateTime(p('date', 'Procedure.performedDateTime', performed, 'date'), 13),
    performer: [{ actor: { reference: ids.practitioner } }],
    note: [
      {
        text: `Performed at bedside; ${p('name', 'Procedure.note.text', given)} consented by phone ${p('phone', 'Procedure.note.text', phone)}.`,
      },
    ],
    focalDevice: [{ manipulated: { reference: ids.device } }],
  };

  // ---- DocumentReference with a base64 clinical note ----
  const docDate = poolAt(7);
  const docTextDate1 = poolAt(8);
  const docTextDate2 = poolAt(9);
  const noteText = [
    `Discharge summary for ${fullName}`,
    `MRN: ${mrn}  SSN: ${ssn}  DOB: ${fmt.us(birthDate)}`,
    `Address: ${street}, ${city}, MA ${zip}`,
    `Phone: ${phone}  Email: ${email}`,
    `Admitted ${fmt.dayMon(docTextDate1)}; discharged ${fmt.compact(docTextDate2)}.`,
    `Insurance member ${memberId}. Vehicle VIN ${vin}.`,
  ].join('\n');
  inText('DocumentReference.content.attachment.data', [
    ['name', given],
    ['name', middle],
    ['name', family],
    ['mrn', mrn],
    ['ssn', ssn],
    ['birth-date', birthDate, 'date'],
    ['street', street],
    ['city', city],
    ['zip', zip],
    ['phone', phone],
    ['email', email],
    ['free-text-date', docTextDate1, 'date'],
    ['free-text-date', docTextDate2, 'date'],
    ['member-id', memberId],
    ['vin', vin],
  ]);
  const document: JsonObject = {
    resourceType: 'DocumentReference',
    id: idOf(ids.document),
    masterIdentifier: {
      system: 'urn:zqx:documents',
      value: p('other-id', 'DocumentReference.masterIdentifier', masterIdentifier),
    },
    status: 'current',
    type: { coding: [keep(SYSTEMS.loinc, '18842-5', 'Discharge summary')] },
    subject: { reference: primaryRef },
    date: `${p('date', 'DocumentReference.date', docDate, 'date')}T15:00:00-05:00`,
    author: [{ reference: ids.practitioner }],
    description: `Summary for ${p('name', 'DocumentReference.description', fullName)}`,
    content: [
      {
        attachment: {
          contentType: 'text/plain; charset=utf-8',
          data: b64(noteText),
          title: `${p('name', 'DocumentReference.content.attachment.title', family)} discharge summary`,
          creation: `${docDate}T15:00:00-05:00`,
        },
      },
      {
        attachment: {
          contentType: 'application/pdf',
          url: p('url', 'DocumentReference.content.attachment.url', attachmentUrl),
          title: 'Scanned consent',
        },
      },
    ],
    context: {
      encounter: [{ reference: ids.encounter }],
      period: { start: dateTime(docDate, 8) },
      sourcePatientInfo: {
        reference: primaryRef,
        display: p('name', 'DocumentReference.context.sourcePatientInfo.display', fullName),
      },
    },
  };

  // ---- DiagnosticReport with an HTML presentedForm and a contained photo Media ----
  const reportDate = poolAt(10);
  const conclusionDate = poolAt(17);
  const mediaMarker = `ZQXWOUND${c.digits(8)}`;
  const html = `<html><body><h1>Report: ${fullName}</h1><p>MRN ${mrn}, phone ${phone}</p></body></html>`;
  inText('DiagnosticReport.presentedForm.data', [
    ['name', given],
    ['name', family],
    ['mrn', mrn],
    ['phone', phone],
  ]);
  inText('DiagnosticReport.contained(Media).content.data', [['photo', mediaMarker]]);
  const report: JsonObject = {
    resourceType: 'DiagnosticReport',
    id: idOf(ids.report),
    contained: [
      {
        resourceType: 'Media',
        id: p('mrn', 'DiagnosticReport.contained(Media).id', `img-${mrnDigits}`),
        status: 'completed',
        subject: { reference: primaryRef },
        content: {
          contentType: 'image/jpeg',
          data: b64(
            Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xfe]), Buffer.from(`${mediaMarker} ${family}`)]),
          ),
          title: `Wound photo, ${p('name', 'DiagnosticReport.contained(Media).content.title', family)}`,
        },
      },
    ],
    status: 'final',
    code: { coding: [keep(SYSTEMS.loinc, '24627-2', 'Chest CT')] },
    subject: { reference: primaryRef },
    effectiveDateTime: dateTime(p('date', 'DiagnosticReport.effectiveDateTime', reportDate, 'date'), 14),
    issued: `${p('date', 'DiagnosticReport.issued', poolAt(15), 'date')}T16:20:00.000Z`,
    result: [{ reference: ids.vitals }],
    conclusion: `Discussed with ${p('name', 'DiagnosticReport.conclusion', given)} on ${p('free-text-date', 'DiagnosticReport.conclusion', conclusionDate, 'date')}.`,
    conclusionCode: [{ coding: [keep(SYSTEMS.snomed, '17621005', 'Normal')] }],
    media: [
      {
        comment: `Photo taken by ${p('name', 'DiagnosticReport.media.comment', c.word())}`,
        link: { reference: `#img-${mrnDigits}` },
      },
    ],
    presentedForm: [
      {
        contentType: 'text/html',
        data: b64(html),
        title: `CT report ${p('mrn', 'DiagnosticReport.presentedForm.title', mrn)}`,
      },
    ],
  };

  // ---- Immunization ----
  const vaccinated = poolAt(11);
  const immunization: JsonObject = {
    resourceType: 'Immunization',
    id: idOf(ids.immunization),
    status: 'completed',
    vaccineCode: { coding: [keep(SYSTEMS.cvx, '140', 'Influenza, seasonal, injectable, preservative free')] },
    patient: { reference: primaryRef, display: p('name', 'Immunization.patient.display', fullName) },
    occurrenceDateTime: dateTime(p('date', 'Immunization.occurrenceDateTime', vaccinated, 'date'), 9),
    lotNumber: 'VAC-LOT-77',
    performer: [{ actor: { reference: ids.practitioner } }],
    note: [{ text: `Given at ${p('street', 'Immunization.note.text', street)} (home visit)` }],
  };

  // ---- Coverage (id is the member id) and Claim ----
  const coverageStart = poolAt(13);
  const coverage: JsonObject = {
    resourceType: 'Coverage',
    id: p('member-id', 'Coverage.id', memberId),
    identifier: [
      {
        type: { coding: [coding(SYSTEMS.v2_0203, 'MB', 'Member Number')] },
        system: 'urn:zqx:members',
        value: p('member-id', 'Coverage.identifier.value', memberId),
      },
    ],
    status: 'active',
    subscriber: { reference: `RelatedPerson/${rpId}` },
    subscriberId: p('member-id', 'Coverage.subscriberId', subscriberId),
    beneficiary: {
      reference: primaryRef,
      identifier: { system: SYSTEMS.ssn, value: p('ssn', 'Coverage.beneficiary.identifier.value', ssn) },
    },
    class: [
      {
        type: { coding: [coding('http://terminology.hl7.org/CodeSystem/coverage-class', 'group', 'Group')] },
        value: 'GRP-100',
        name: `${p('employer', 'Coverage.class.name', employer)} staff plan`,
      },
    ],
    dependent: '01',
    relationship: {
      coding: [coding('http://terminology.hl7.org/CodeSystem/subscriber-relationship', 'spouse', 'Spouse')],
    },
    period: { start: p('date', 'Coverage.period.start', coverageStart, 'date') },
    payor: [{ reference: ids.payer }],
  };
  const claimed = poolAt(12);
  const claimNote = `${p('vin', 'Claim.supportingInfo.valueString', vin)} / plate ${p('license-plate', 'Claim.supportingInfo.valueString', plate)}`;
  const claim: JsonObject = {
    resourceType: 'Claim',
    id: p('mrn', 'Claim.id', claimId),
    extension: [
      {
        url: `https://${c.word().toLowerCase()}.example.org/fhir/StructureDefinition/accident-vehicle`,
        valueIdentifier: {
          system: 'urn:zqx:vin',
          value: p('vin', 'Claim.extension.valueIdentifier.value', vin),
        },
      },
    ],
    identifier: [
      { system: 'urn:zqx:claims', value: p('account-number', 'Claim.identifier.value', claimNumber) },
    ],
    status: 'active',
    type: {
      coding: [coding('http://terminology.hl7.org/CodeSystem/claim-type', 'institutional', 'Institutional')],
    },
    use: 'claim',
    patient: { reference: primaryRef, display: p('name', 'Claim.patient.display', fullName) },
    billablePeriod: { start: p('date', 'Claim.billablePeriod.start', claimed, 'date'), end: claimed },
    created: dateTime(claimed, 16),
    provider: { reference: ids.hospital },
    priority: {
      coding: [coding('http://terminology.hl7.org/CodeSystem/processpriority', 'normal', 'Normal')],
    },
    supportingInfo: [
      {
        sequence: 1,
        category: {
          coding: [
            coding('http://terminology.hl7.org/CodeSystem/claiminformationcategory', 'info', 'Information'),
          ],
        },
        valueString: `Vehicle VIN ${claimNote}`,
      },
    ],
    diagnosis: [
      {
        sequence: 1,
        diagnosisCodeableConcept: {
          coding: [keep(SYSTEMS.icd10, 'S62.109A', 'Fracture of unspecified carpal bone')],
        },
      },
    ],
    insurance: [
      {
        sequence: 1,
        focal: true,
        coverage: { reference: `Coverage/${memberId}` },
        preAuthRef: [p('other-id', 'Claim.insurance.preAuthRef', preAuth)],
      },
    ],
    accident: {
      date: claimed,
      type: {
        coding: [coding('http://terminology.hl7.org/CodeSystem/v3-ActCode', 'MVA', 'Motor vehicle accident')],
      },
      locationAddress: {
        line: [p('street', 'Claim.accident.locationAddress.line', `${c.digits(4)} ${c.word()} ${c.word()}`)],
        city: p('city', 'Claim.accident.locationAddress.city', c.word()),
        postalCode: p(
          'zip',
          'Claim.accident.locationAddress.postalCode',
          `${rng.pick(OPEN_ZIP3)}${c.digits(2)}`,
        ),
      },
    },
    item: [
      {
        sequence: 1,
        productOrService: {
          coding: [keep(SYSTEMS.cpt, '25605', 'Closed treatment of distal radial fracture')],
        },
        servicedDate: claimed,
        net: { value: 1250, currency: 'USD' },
      },
    ],
    total: { value: 1250, currency: 'USD' },
  };

  // ---- AuditEvent ----
  const auditQuery = `Patient?identifier=${SYSTEMS.ssn}|${ssn}`;
  inText('AuditEvent.entity.query', [['ssn', ssn]]);
  const audit: JsonObject = {
    resourceType: 'AuditEvent',
    id: idOf(ids.audit),
    modifierExtension: [
      {
        url: `https://${c.word().toLowerCase()}.example.org/fhir/StructureDefinition/break-glass-reason`,
        valueString: `Emergency access by ${p('name', 'AuditEvent.modifierExtension.valueString', c.word())}`,
      },
    ],
    type: coding('http://dicom.nema.org/resources/ontology/DCM', '110110', 'Patient Record'),
    action: 'R',
    recorded: '2024-11-05T10:00:00Z',
    outcome: '0',
    agent: [
      {
        who: {
          identifier: { system: mrnSystem, value: p('mrn', 'AuditEvent.agent.who.identifier.value', mrn) },
        },
        name: p('name', 'AuditEvent.agent.name', fullName),
        requestor: true,
        network: { address: p('ip', 'AuditEvent.agent.network.address', ipv4), type: '2' },
      },
      {
        who: { reference: ids.practitioner },
        requestor: false,
        network: { address: p('ip', 'AuditEvent.agent.network.address', ipv6), type: '2' },
      },
    ],
    source: {
      observer: { display: `Portal session of ${p('name', 'AuditEvent.source.observer.display', family)}` },
    },
    entity: [
      {
        what: { reference: primaryRef },
        description: `Chart of ${p('name', 'AuditEvent.entity.description', fullName)}`,
        query: b64(auditQuery),
        detail: [
          {
            type: 'comment',
            valueString: `Called from ${p('phone', 'AuditEvent.entity.detail.valueString', mobile)}`,
          },
        ],
      },
    ],
  };

  const entry = (fullUrl: string, resource: JsonObject, request: JsonObject): JsonObject => ({
    fullUrl,
    resource,
    request,
  });
  const post = (resource: JsonObject): JsonObject => ({ method: 'POST', url: String(resource.resourceType) });

  const bundle: JsonObject = {
    resourceType: 'Bundle',
    identifier: {
      system: 'urn:zqx:batches',
      value: p('other-id', 'Bundle.identifier.value', bundleIdentifier),
    },
    type: 'transaction',
    link: [
      {
        relation: 'self',
        url: p('url', 'Bundle.link.url', `${base}/Patient?identifier=${mrnSystem}|${mrn}&_revinclude=*`),
      },
    ],
    entry: [
      entry(primaryFullUrl, patient, {
        method: 'PUT',
        url: p('mrn', 'Bundle.entry.request.url', primaryRef),
      }),
      entry(elderlyFullUrl, elderlyPatient, {
        method: 'PUT',
        url: p(
          'ssn',
          'Bundle.entry.request.url(conditional)',
          `Patient?identifier=${SYSTEMS.ssn}|${elderlySsn}`,
        ),
      }),
      entry(ids.rp, relatedPerson, { method: 'PUT', url: `RelatedPerson/${rpId}` }),
      entry(ids.practitioner, practitioner, {
        method: 'POST',
        url: 'Practitioner',
        ifNoneExist: 'identifier=http://hl7.org/fhir/sid/us-npi|9999912345',
      }),
      entry(ids.hospital, hospital, post(hospital)),
      entry(ids.payer, payer, post(payer)),
      entry(ids.encounter, encounter, {
        method: 'POST',
        url: 'Encounter',
        ifNoneExist: `identifier=${p('account-number', 'Bundle.entry.request.ifNoneExist', encounterId)}`,
      }),
      entry(ids.condition, condition, post(condition)),
      entry(ids.vitals, vitals, post(vitals)),
      entry(ids.social, social, post(social)),
      entry(ids.age, ageObservation, post(ageObservation)),
      entry(elderlyConditionId, elderlyCondition, post(elderlyCondition)),
      entry(ids.medication, medication, post(medication)),
      entry(ids.device, device, post(device)),
      entry(ids.procedure, procedure, post(procedure)),
      entry(ids.document, document, post(document)),
      entry(ids.report, report, post(report)),
      entry(ids.immunization, immunization, post(immunization)),
      entry(coverageFullUrl, coverage, { method: 'PUT', url: `Coverage/${memberId}` }),
      entry(ids.claim, claim, { method: 'PUT', url: `Claim/${claimId}` }),
      entry(ids.audit, audit, post(audit)),
    ],
  };
  p('mrn', 'Bundle.entry.fullUrl', primaryFullUrl);
  p('member-id', 'Bundle.entry.fullUrl', coverageFullUrl);

  return {
    seed,
    bundle,
    planted,
    keepCodes,
    patients: {
      primary: { id: mrn, fullUrl: primaryFullUrl },
      elderly: { id: elderlySsn, fullUrl: elderlyFullUrl },
    },
    referenceDate: REFERENCE_DATE,
  };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The Bundle's resources as a FHIR bulk-data NDJSON export would hold them: one resource per line,
 * references rewritten to `Type/id` (fullUrl, absolute and conditional references resolved within the
 * Bundle), `#contained` references untouched.
 */
export function bundleToNdjsonResources(bundle: Record<string, unknown>): Record<string, unknown>[] {
  const rawEntries: unknown[] = Array.isArray(bundle.entry) ? bundle.entry : [];
  const entries = rawEntries.filter(isObject);
  const byKey = new Map<string, string>();
  for (const entry of entries) {
    const resource = entry.resource;
    if (!isObject(resource) || typeof resource.id !== 'string') continue;
    const literal = `${String(resource.resourceType)}/${resource.id}`;
    if (typeof entry.fullUrl === 'string') byKey.set(entry.fullUrl, literal);
    byKey.set(literal, literal);
    for (const identifier of Array.isArray(resource.identifier) ? resource.identifier.filter(isObject) : []) {
      if (typeof identifier.value !== 'string') continue;
      const system = typeof identifier.system === 'string' ? identifier.system : '';
      byKey.set(`${String(resource.resourceType)}?identifier=${system}|${identifier.value}`, literal);
    }
  }
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (!isObject(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      out[key] =
        key === 'reference' && typeof child === 'string' ? (byKey.get(child) ?? child) : rewrite(child);
    }
    return out;
  };
  return entries
    .map((entry) => entry.resource)
    .filter(isObject)
    .map((resource) => rewrite(resource) as Record<string, unknown>);
}
