import { PipelineError } from '../../errors.js';
import type { ClaimUnit, PlacedSegment } from '../read-model.js';
import type { ClaimAckStatus, ClaimStatus, ClaimStatusSet } from './277ca.js';

/**
 * From the reader's claims to the 277CA's small records: only what the 277CA writes is kept (CLM01,
 * CLM02, the service dates, the patient's last and first name and member id, the billing provider),
 * so a file's worth of claims can be acknowledged without holding the claims.
 */

const missing = (expression: string) =>
  new PipelineError('content-invalid', 'A claim lacks what its 277CA acknowledgement needs.', {
    details: { expression },
  });

const find = (segments: readonly PlacedSegment[], id: string, qualifier?: string) =>
  segments.find((s) => s.id === id && (qualifier === undefined || s.elements[1] === qualifier));

const element = (segment: PlacedSegment | undefined, n: number): string | undefined => {
  const value = segment?.elements[n];
  return value === undefined || value === '' ? undefined : value;
};

export function claimStatusFromUnit(
  unit: ClaimUnit,
  status: ClaimAckStatus,
  extra: { readonly reason?: string; readonly trace?: string } = {},
): ClaimStatus {
  const clm = find(unit.claim, 'CLM');
  const controlNumber = element(clm, 1);
  const chargeAmount = element(clm, 2);
  if (controlNumber === undefined || chargeAmount === undefined) throw missing('2300/CLM');

  const subscriber = find(unit.subscriber, 'NM1', 'IL');
  const memberId = element(subscriber, 9);
  // In 5010 the patient (2010CA) has no id of its own: the subscriber's member id identifies it.
  const named = (unit.patient === undefined ? undefined : find(unit.patient, 'NM1', 'QC')) ?? subscriber;
  const lastName = element(named, 3);
  if (memberId === undefined || lastName === undefined) throw missing('2010BA/NM1');
  const firstName = element(named, 4);

  const provider = find(unit.billingProvider, 'NM1', '85');
  const providerName = element(provider, 3);
  const npi = element(provider, 9);
  if (providerName === undefined || npi === undefined) throw missing('2010AA/NM1');
  const providerFirst = element(provider, 4);
  const serviceDates = serviceSpan(unit.claim);

  return {
    index: unit.index,
    controlNumber,
    chargeAmount,
    status,
    ...(extra.reason === undefined ? {} : { reason: extra.reason }),
    ...(serviceDates === undefined ? {} : { serviceDates }),
    patient: { lastName, memberId, ...(firstName === undefined ? {} : { firstName }) },
    billingProvider: {
      entity: element(provider, 2) === '1' ? '1' : '2',
      name: providerName,
      npi,
      ...(providerFirst === undefined ? {} : { firstName: providerFirst }),
    },
    ...(extra.trace === undefined ? {} : { trace: extra.trace }),
  };
}

/** DTP qualifiers that date a claim's service: 472 (service, 837P lines), 434 (statement, 837I). */
const SERVICE_DATES: ReadonlySet<string> = new Set(['472', '434']);
const D8 = /^\d{8}$/;

/** The earliest and latest service date of a claim and its lines, from D8 and RD8 DTPs. */
export function serviceSpan(segments: readonly PlacedSegment[]): { from: string; to: string } | undefined {
  let from: string | undefined;
  let to: string | undefined;
  for (const s of segments) {
    if (s.id !== 'DTP' || !SERVICE_DATES.has(s.elements[1] ?? '')) continue;
    const format = s.elements[2];
    const value = s.elements[3] ?? '';
    const [start, end] = format === 'RD8' ? value.split('-') : format === 'D8' ? [value, value] : [];
    if (start === undefined || end === undefined || !D8.test(start) || !D8.test(end)) continue;
    if (from === undefined || start < from) from = start;
    if (to === undefined || end > to) to = end;
  }
  return from === undefined || to === undefined ? undefined : { from, to };
}

/**
 * Collects claim statuses by transaction set as the reader's claims stream by, keeping one small
 * record per claim and one submitter per set.
 */
export class ClaimStatusCollector {
  private readonly sets = new Map<string, ClaimStatusSet & { readonly claims: ClaimStatus[] }>();

  add(
    unit: ClaimUnit,
    status: ClaimAckStatus,
    extra: { readonly reason?: string; readonly trace?: string } = {},
  ): void {
    const key = `${unit.interchange}|${unit.group}|${unit.transactionSet}`;
    let set = this.sets.get(key);
    if (set === undefined) {
      const submitter = find(unit.header, 'NM1', '41');
      const name = element(submitter, 3);
      const id = element(submitter, 9);
      if (name === undefined || id === undefined) throw missing('1000A/NM1');
      const batch = element(find(unit.header, 'BHT'), 3);
      const transactionSet = unit.transactionSet;
      set = { transactionSet, ...(batch === undefined ? {} : { batch }), receiver: { name, id }, claims: [] };
      this.sets.set(key, set);
    }
    set.claims.push(claimStatusFromUnit(unit, status, extra));
  }

  /** One entry per 837 transaction set, in the order they were first seen. */
  statusSets(): ClaimStatusSet[] {
    return [...this.sets.values()].map((set) => ({ ...set, claims: [...set.claims] }));
  }
}
