import type { X12Planter } from './planter.js';
import type { SegmentWriter } from './segments.js';
import type { X12ClaimKind } from './types.js';

/** Creation date and time of every generated interchange: after every clinical date. */
const CREATED = { d8: '20250115', yymmdd: '250115', hhmm: '0932' };

const pad = (value: string, width: number) => value.padEnd(width, ' ');

/**
 * The fixed-width ISA. ISA02 (authorization information) and ISA04 (security information, a
 * password) are planted in most seeds; the rest blank them with qualifier 00, as most files do.
 */
export function writeIsa(w: SegmentWriter, p: X12Planter, control: string): void {
  const secret = p.chance(0.85);
  const isa02 = secret ? p.plant('password', 'ISA/ISA/ISA02', `AU${p.letters(4)}${p.digits(4)}`) : '';
  const isa04 = secret ? p.plant('password', 'ISA/ISA/ISA04', `PW${p.digits(4)}${p.letters(4)}`) : '';
  const { element, repetition, component } = w.separators;
  const elements = [
    'ISA',
    secret ? '03' : '00',
    pad(isa02, 10),
    secret ? '01' : '00',
    pad(isa04, 10),
    'ZZ',
    pad('SUBMITTER01', 15),
    'ZZ',
    pad('RECEIVER02', 15),
    CREATED.yymmdd,
    CREATED.hhmm,
    repetition,
    '00501',
    control,
    '1',
    'T',
    component,
  ];
  w.raw(elements.join(element));
}

export function writeGroupHeader(w: SegmentWriter, group: string, version: string): void {
  w.seg('GS', 'HC', 'SUBMITTER01', 'RECEIVER02', CREATED.d8, CREATED.hhmm, group, 'X', version);
}

/** ST, BHT and the 1000A/1000B loops; restarts the set's segment count. */
export function writeSetHeader(w: SegmentWriter, kind: X12ClaimKind, set: string, version: string): void {
  w.setSegments = 0;
  w.seg('ST', '837', set, version);
  w.seg('BHT', '0019', '00', `B${set}`, CREATED.d8, CREATED.hhmm, 'CH');
  w.seg(
    'NM1',
    '41',
    '2',
    kind === '837P' ? 'CLEARVIEW BILLING' : 'CLEARVIEW HOSPITAL BILLING',
    undefined,
    undefined,
    undefined,
    undefined,
    '46',
    'SUBMITTER01',
  );
  w.seg('PER', 'IC', 'CLAIMS DESK', 'TE', '8005550123');
  w.seg(
    'NM1',
    '40',
    '2',
    'NATIONAL CLAIMS EXCHANGE',
    undefined,
    undefined,
    undefined,
    undefined,
    '46',
    'RECEIVER02',
  );
}

export function writeSetTrailer(w: SegmentWriter, set: string): void {
  w.seg('SE', String(w.setSegments + 1), set);
}
