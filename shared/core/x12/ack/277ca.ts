import { PipelineError } from '../../errors.js';
import { sumAmounts } from './amounts.js';
import {
  type AckEnvelopeOptions,
  type AcknowledgedInterchange,
  closeGroup,
  closeInterchange,
  closeSet,
  openGroup,
  openInterchange,
  openSet,
  outputDelimiters,
  SegmentWriter,
  stamp,
} from './x12-writer.js';

/**
 * The 005010X214 277CA health care claim acknowledgement, once processing has run: one ST*277 per
 * 837 transaction set processed, with the HL levels 20 (us, the information source), 21 (the
 * submitter, receiving it), 19 (each billing provider) and PT (each claim), and per claim an STC:
 * `A1:20` accepted for processing, `A3:21` returned as unprocessable (missing or invalid information).
 *
 * What it echoes, and why: the 277CA goes only to the partner that sent the claim, in answer to it.
 * TRN02 carries the claim's own patient control number (CLM01): that is how every submitter matches
 * a 277CA line to its claim. X214 also requires the patient's NM1 (2100D: last name and member id),
 * so those are echoed too, and nothing more: no middle name, suffix, birth date, address, diagnosis
 * or service line (2220D is left out). REF*D9 carries our own trace, never submitted data.
 */
export const VERSION_277CA = '005010X214';

export type ClaimAckStatus = 'accepted' | 'rejected';

/** One claim's acknowledgement: a small explicit record, built as claims stream by. */
export interface ClaimStatus {
  /** 1-based count of the claim in the file (`ClaimUnit.index`); orders the PT levels. */
  readonly index: number;
  /** CLM01, the patient control number, echoed in TRN02. */
  readonly controlNumber: string;
  /** CLM02, the total claim charge, echoed in STC04. */
  readonly chargeAmount: string;
  readonly status: ClaimAckStatus;
  /** STC01-2 for a rejected claim; `21` (missing or invalid information) by default. */
  readonly reason?: string;
  /** First and last date of service, CCYYMMDD (DTP*472); X214 requires it. */
  readonly serviceDates?: { readonly from: string; readonly to: string };
  /** 2100D, required by X214: last name, first name when known, and the member id (MI). */
  readonly patient: { readonly lastName: string; readonly firstName?: string; readonly memberId: string };
  /** 2100C: the billing provider the claim was sent under (NM102 `1` person, `2` organization). */
  readonly billingProvider: {
    readonly entity: '1' | '2';
    readonly name: string;
    readonly firstName?: string;
    readonly npi: string;
  };
  /** REF*D9: our own trace for the claim (e.g. submission id and index), never submitted data. */
  readonly trace?: string;
}

/** One 837 transaction set's claims and who submitted it. */
export interface ClaimStatusSet {
  /** ST02 of the 837 set answered. */
  readonly transactionSet: string;
  /** 2200B TRN02, the submitter's batch: the 837's BHT03; its ST02 when absent. */
  readonly batch?: string;
  /** 2100B: the 837's submitter (1000A NM1*41), name and ETIN (NM108 `46`). */
  readonly receiver: { readonly name: string; readonly id: string };
  readonly claims: readonly ClaimStatus[];
}

export interface Ack277Options extends AckEnvelopeOptions {
  /** 2100A: us, as information source (NM101 `AY` clearinghouse, NM108 `46`). */
  readonly source: { readonly name: string; readonly id: string };
  /** 2200A TRN02 and BHT03: our trace of the submission (e.g. its id). */
  readonly trace: string;
  /** DTP*050: when the 837 was received (DTP*009, processed, is `now`). */
  readonly receivedAt: Date;
}

const STATUS = {
  receipt: ['A1', '19', 'AY'],
  accepted: ['A1', '20'],
  rejected: ['A3', '21'],
} as const;

/** STC03: `WQ` accept, `U` reject. */
const action = (accepted: boolean): string => (accepted ? 'WQ' : 'U');

/**
 * Writes the 277CA for the claims of one interchange, addressed back to its sender. Pass the 837's
 * own delimiters (`options.delimiters = result.delimiters`): the names and numbers echoed cannot
 * hold those, while they might hold another set's (a value that would is refused, never written).
 */
export function write277ca(
  interchange: AcknowledgedInterchange,
  sets: readonly ClaimStatusSet[],
  options: Ack277Options,
): string {
  // X214 requires a billing provider and a patient level under the receiver: a set without claims
  // (which the door never takes) has nothing to acknowledge and is left out.
  const answered = sets.filter((set) => set.claims.length > 0);
  if (answered.length === 0) {
    throw new PipelineError('content-invalid', 'A 277CA acknowledges at least one claim.', {
      details: { expression: 'CLM' },
    });
  }
  const writer = new SegmentWriter(outputDelimiters(options.delimiters));
  const isa13 = openInterchange(writer, interchange, options);
  const gs06 = openGroup(writer, interchange, 'HN', VERSION_277CA, options);
  answered.forEach((set, i) => {
    writeSet(writer, set, i + 1, options);
  });
  closeGroup(writer, answered.length, gs06);
  closeInterchange(writer, 1, isa13);
  return writer.text(options.lineBreaks);
}

interface Totals {
  readonly accepted: readonly ClaimStatus[];
  readonly rejected: readonly ClaimStatus[];
}

const totals = (claims: readonly ClaimStatus[]): Totals => ({
  accepted: claims.filter((c) => c.status === 'accepted'),
  rejected: claims.filter((c) => c.status === 'rejected'),
});

const charges = (claims: readonly ClaimStatus[]): string => sumAmounts(claims.map((c) => c.chargeAmount));

function writeSet(writer: SegmentWriter, set: ClaimStatusSet, ordinal: number, options: Ack277Options): void {
  const { ccyymmdd, hhmm } = stamp(options.now);
  const received = stamp(options.receivedAt).ccyymmdd;
  const st02 = openSet(writer, '277', ordinal, VERSION_277CA);
  writer.segment('BHT', '0085', '08', options.trace, ccyymmdd, hhmm, 'TH');

  writer.segment('HL', '1', '', '20', '1');
  writer.segment('NM1', 'AY', '2', options.source.name, '', '', '', '', '46', options.source.id);
  writer.segment('TRN', '1', options.trace);
  writer.segment('DTP', '050', 'D8', received);
  writer.segment('DTP', '009', 'D8', ccyymmdd);

  const claims = [...set.claims].sort((a, b) => a.index - b.index);
  const all = totals(claims);
  writer.segment('HL', '2', '1', '21', '1');
  writer.segment('NM1', '41', '2', set.receiver.name, '', '', '', '', '46', set.receiver.id);
  writer.segment('TRN', '2', set.batch ?? set.transactionSet);
  writer.segment('STC', STATUS.receipt, ccyymmdd, action(all.accepted.length > 0), charges(claims));
  writeCounts(writer, all, ['90', 'AA']);

  let hl = 2;
  for (const provider of byProvider(claims)) {
    const providerHl = ++hl;
    const first = provider[0] as ClaimStatus;
    const bp = first.billingProvider;
    writer.segment('HL', String(providerHl), '2', '19', '1');
    const firstName = bp.entity === '1' ? bp.firstName : undefined;
    writer.segment('NM1', '85', bp.entity, bp.name, firstName, '', '', '', 'XX', bp.npi);
    // X214: TRN02 is `0` when the provider level has no trace of its own.
    writer.segment('TRN', '1', '0');
    writeCounts(writer, totals(provider), ['QA', 'QC']);
    for (const claim of provider) {
      writer.segment('HL', String(++hl), String(providerHl), 'PT');
      writeClaim(writer, claim, ccyymmdd);
    }
  }
  closeSet(writer, st02);
}

function writeCounts(writer: SegmentWriter, t: Totals, qualifiers: readonly [string, string]): void {
  if (t.accepted.length > 0) writer.segment('QTY', qualifiers[0], String(t.accepted.length));
  if (t.rejected.length > 0) writer.segment('QTY', qualifiers[1], String(t.rejected.length));
  if (t.accepted.length > 0) writer.segment('AMT', 'YU', charges(t.accepted));
  if (t.rejected.length > 0) writer.segment('AMT', 'YY', charges(t.rejected));
}

function writeClaim(writer: SegmentWriter, claim: ClaimStatus, date: string): void {
  const { patient } = claim;
  writer.segment('NM1', 'QC', '1', patient.lastName, patient.firstName, '', '', '', 'MI', patient.memberId);
  writer.segment('TRN', '2', claim.controlNumber);
  const accepted = claim.status === 'accepted';
  const code = accepted ? STATUS.accepted : [STATUS.rejected[0], claim.reason ?? STATUS.rejected[1]];
  writer.segment('STC', code, date, action(accepted), sumAmounts([claim.chargeAmount]));
  if (claim.trace !== undefined) writer.segment('REF', 'D9', claim.trace);
  const dates = claim.serviceDates;
  if (dates !== undefined) {
    const single = dates.from === dates.to;
    writer.segment('DTP', '472', single ? 'D8' : 'RD8', single ? dates.from : `${dates.from}-${dates.to}`);
  }
}

/** Claims grouped under their billing provider (same NPI and name), in order of first appearance. */
function byProvider(claims: readonly ClaimStatus[]): ClaimStatus[][] {
  const groups = new Map<string, ClaimStatus[]>();
  for (const claim of claims) {
    const bp = claim.billingProvider;
    const key = [bp.npi, bp.entity, bp.name, bp.firstName ?? ''].join('\u0000');
    const list = groups.get(key) ?? [];
    list.push(claim);
    groups.set(key, list);
  }
  return [...groups.values()];
}
