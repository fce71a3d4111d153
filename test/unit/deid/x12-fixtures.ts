import { compileSelectors } from '../../../shared/core/deid/compile.js';
import { builtInProfile, type ConsumerContract } from '../../../shared/core/deid/contract.js';
import { Pseudonyms } from '../../../shared/core/deid/pseudonyms.js';
import { deidentifyX12, type X12DeidResult } from '../../../shared/core/deid/x12/deidentify.js';
import type { X12Selectors } from '../../../shared/core/deid/x12/selectors.js';
import type { PlacedSegment } from '../../../shared/core/x12/read-model.js';
import { readX12 } from '../../../shared/core/x12/reader.js';

export const SECRET = new Uint8Array(32).fill(42);
export const KEY_ID = 'x12-key';
export const REFERENCE_DATE = '2025-01-01';

/** Wraps transaction-set body segments (after BHT…, before SE) into a valid 005010 interchange. */
export function interchange(
  kind: '837P' | '837I',
  body: readonly string[],
  options: { isaSecurity?: boolean } = {},
): string {
  const version = kind === '837P' ? '005010X222A1' : '005010X223A2';
  const set = [
    `ST*837*0001*${version}`,
    'BHT*0019*00*BATCH1*20240105*1200*CH',
    'NM1*41*2*CLEARVIEW BILLING*****46*SUBMITTER01',
    'PER*IC*CLAIMS DESK*TE*8005550123',
    'NM1*40*2*NATIONAL CLAIMS EXCHANGE*****46*RECEIVER02',
    ...body,
  ];
  const segments = [
    options.isaSecurity === true
      ? 'ISA*01*SECRETPASS*01*PWD9876543*ZZ*SUBMITTER01    *ZZ*RECEIVER02     *240105*1200*^*00501*000000001*0*T*:'
      : 'ISA*00*          *00*          *ZZ*SUBMITTER01    *ZZ*RECEIVER02     *240105*1200*^*00501*000000001*0*T*:',
    `GS*HC*SUBMITTER01*RECEIVER02*20240105*1200*1*X*${version}`,
    ...set,
    `SE*${set.length + 1}*0001`,
    'GE*1*1',
    'IEA*1*000000001',
  ];
  return `${segments.join('~\n')}~\n`;
}

export const BILLING_PROVIDER = [
  'HL*1**20*1',
  'NM1*85*2*VALLEY GENERAL CLINIC*****XX*1234567893',
  'N3*1200 RIVER ROAD',
  'N4*SPOKANE*WA*992018831',
  'REF*EI*305211667',
];

/** A subscriber who is the patient: 2000B with 2010BA and 2010BB. */
export function subscriber(
  hl: number,
  person: {
    last: string;
    first: string;
    memberId: string;
    street: string;
    city: string;
    zip: string;
    birth: string;
    child?: boolean;
    /** 837I: its 2010BA has no PER. */
    institutional?: boolean;
  },
): string[] {
  return [
    `HL*${hl}*1*22*${person.child === true ? 1 : 0}`,
    `SBR*P*${person.child === true ? '' : '18'}*GRP445566*ZQXWIDGET FACTORY*****CI`,
    `NM1*IL*1*${person.last}*${person.first}*Q***MI*${person.memberId}`,
    `N3*${person.street}`,
    `N4*${person.city}*MN*${person.zip}`,
    `DMG*D8*${person.birth}*F`,
    'REF*SY*777441234',
    ...(person.institutional === true ? [] : ['PER*IC*ZQXHOME*TE*6125550199']),
    'NM1*PR*2*CASCADE MUTUAL INSURANCE*****PI*87726',
  ];
}

export const read = (text: string | Uint8Array) =>
  readX12(typeof text === 'string' ? new TextEncoder().encode(text) : text);

/** Every placed segment of an interchange. */
export function segmentsOf(text: string | Uint8Array): PlacedSegment[] {
  const out: PlacedSegment[] = [];
  readX12(typeof text === 'string' ? new TextEncoder().encode(text) : text, (s) => out.push(s));
  return out;
}

export function servicesFor(
  contract: ConsumerContract | 'safe-harbor' | 'limited-data-set',
  keep?: X12Selectors,
) {
  const resolved = typeof contract === 'string' ? builtInProfile(contract) : contract;
  return {
    contract: compileSelectors(resolved),
    pseudonyms: new Pseudonyms(SECRET, KEY_ID, resolved.name),
    keyId: KEY_ID,
    referenceDate: REFERENCE_DATE,
    ...(keep === undefined ? {} : { keep }),
  };
}

export function deid(
  text: string | Uint8Array,
  contract: ConsumerContract | 'safe-harbor' | 'limited-data-set' = 'safe-harbor',
  keep?: X12Selectors,
): X12DeidResult & { text: string } {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  const result = deidentifyX12(bytes, servicesFor(contract, keep));
  return { ...result, text: new TextDecoder().decode(result.output) };
}

/** The elements of the n-th (0-based) output segment with this id in this loop. */
export function find(text: string, loop: string, id: string, n = 0, qualifier?: string): readonly string[] {
  const found = segmentsOf(text).filter(
    (s) => s.loop === loop && s.id === id && (qualifier === undefined || s.elements[1] === qualifier),
  );
  const segment = found[n];
  if (segment === undefined) throw new RangeError(`no ${loop}/${id} #${n}`);
  return segment.elements;
}
