import { write837IClaim } from './claim-837i.js';
import { write837PClaim } from './claim-837p.js';
import type { ClaimParty } from './claim-common.js';
import { TAXONOMIES } from './codes.js';
import {
  newPerson,
  type Person,
  writeDemographics,
  writeHomeAddress,
  writePersonName,
  writePhone,
} from './people.js';
import type { X12Planter } from './planter.js';
import { npi, ORGANISATIONS, PAYERS } from './providers.js';
import type { SegmentWriter } from './segments.js';
import type { X12ClaimKind } from './types.js';

/** HL numbering of one transaction set: each HL takes the next id. */
export class HlCounter {
  private last = 0;
  next(): number {
    this.last += 1;
    return this.last;
  }
}

/** 2000A with 2010AA: the billing provider (an organisation: kept, never planted). */
export function writeBillingProvider(w: SegmentWriter, p: X12Planter, hl: HlCounter): number {
  const id = hl.next();
  w.seg('HL', String(id), undefined, '20', '1');
  if (p.chance(0.5)) w.seg('PRV', 'BI', 'PXC', p.pick(TAXONOMIES));
  const org = p.pick(ORGANISATIONS);
  w.seg('NM1', '85', '2', org.name, undefined, undefined, undefined, undefined, 'XX', npi(p));
  w.seg('N3', org.street);
  w.seg('N4', org.city, org.state, org.zip);
  w.seg('REF', 'EI', `${p.int(10, 99)}${p.int(1_000_000, 9_999_999)}`);
  if (p.chance(0.3)) w.seg('PER', 'IC', 'BILLING OFFICE', 'TE', `800${p.int(2_000_000, 9_999_999)}`);
  return id;
}

/**
 * 2000B (and 2000C when the patient is a dependent) with their claims. The subscriber is the patient
 * (SBR02 18, HL04 0, claims under 2000B) or a dependent's policy holder (SBR02 empty, HL04 1, the
 * claims under a 2000C whose PAT01 gives the relationship). Returns the number of claims written.
 */
export function writeSubscriber(
  w: SegmentWriter,
  p: X12Planter,
  kind: X12ClaimKind,
  hl: HlCounter,
  parent: number,
  homeContact = false,
  claims = p.int(1, 2),
): number {
  const dependent = p.chance(0.45);
  const subscriber = newPerson(p, !dependent && p.chance(0.3) ? 'elderly' : 'adult');
  const relationship = p.pick(['19', '19', '01', '20', '21', '53', 'G8']);
  const patient = dependent
    ? newPerson(p, relationship === '19' ? 'child' : p.chance(0.2) ? 'elderly' : 'adult')
    : subscriber;
  const deceased = p.chance(0.15);
  const payer = p.int(0, PAYERS.length - 1);
  const party: ClaimParty = { kind, patient, subscriber, payer, mrn: `E${p.digits(8)}`, homeContact };

  const id = hl.next();
  w.seg('HL', String(id), String(parent), '22', dependent ? '1' : '0');
  const plan = PAYERS[payer] ?? PAYERS[0];
  w.seg(
    'SBR',
    'P',
    dependent ? undefined : '18',
    p.chance(0.8) ? p.plant('id', '2000B/SBR/SBR03', `GRP${p.digits(6)}`) : undefined,
    p.chance(0.6) ? p.plant('employer', '2000B/SBR/SBR04', `${p.word()} MANUFACTURING`) : undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    plan.filing,
  );
  if (kind === '837P' && !dependent && deceased) writeDeath(w, p, '2000B', undefined);

  writePersonName(w, p, '2010BA', 'IL', subscriber, true);
  writeHomeAddress(w, p, '2010BA', subscriber.address);
  writeDemographics(w, p, '2010BA', subscriber);
  if (p.chance(0.5)) w.seg('REF', 'SY', p.plant('ssn', '2010BA/REF/REF02', subscriber.ssn));
  if (p.chance(0.3)) w.seg('REF', 'Y4', p.plant('id', '2010BA/REF/REF02', `PC${p.digits(10)}`));
  if (kind === '837P' && p.chance(0.6)) writePhone(w, p, '2010BA', subscriber);
  w.seg('NM1', 'PR', '2', plan.name, undefined, undefined, undefined, undefined, 'PI', plan.id);

  if (dependent) {
    const child = hl.next();
    w.seg('HL', String(child), String(id), '23', '0');
    if (kind === '837P' && deceased) writeDeath(w, p, '2000C', relationship);
    else w.seg('PAT', relationship);
    writePatient(w, p, kind, patient);
  }
  const write = kind === '837P' ? write837PClaim : write837IClaim;
  for (let i = 0; i < claims; i++) write(w, p, party);
  return claims;
}

/** PAT05 D8 and PAT06: the date of death (837P only). */
function writeDeath(w: SegmentWriter, p: X12Planter, loop: string, relationship: string | undefined): void {
  const death = p.plant('date', `${loop}/PAT/PAT06`, p.date(2024, 2024));
  w.seg('PAT', relationship, undefined, undefined, undefined, 'D8', death);
}

function writePatient(w: SegmentWriter, p: X12Planter, kind: X12ClaimKind, patient: Person): void {
  writePersonName(w, p, '2010CA', 'QC', patient, false);
  writeHomeAddress(w, p, '2010CA', patient.address);
  writeDemographics(w, p, '2010CA', patient);
  if (p.chance(0.3)) w.seg('REF', 'Y4', p.plant('id', '2010CA/REF/REF02', `PC${p.digits(10)}`));
  if (p.chance(0.5)) {
    if (p.chance(0.5)) w.seg('REF', '1W', p.plant('id', '2010CA/REF/REF02', patient.memberId));
    else w.seg('REF', 'SY', p.plant('ssn', '2010CA/REF/REF02', patient.ssn));
  }
  if (kind === '837P' && p.chance(0.5)) writePhone(w, p, '2010CA', patient);
}
