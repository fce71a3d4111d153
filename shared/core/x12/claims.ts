import { guideFor } from './guide/index.js';
import type { ClaimUnit, PlacedSegment } from './read-model.js';

/**
 * Groups the reader's placed segments into claims, one at a time: a claim is a 2300 loop with its
 * service lines, handed on with the header, billing provider, subscriber and (when present) patient
 * loops above it. Only the current ancestry and the current claim are held, whatever the file size.
 */
export function claimGrouper(onClaim: (claim: ClaimUnit) => void): (segment: PlacedSegment) => void {
  let interchange = '';
  let group = '';
  let version = '';
  let transactionSet = '';
  let index = 0;
  let header: PlacedSegment[] = [];
  let billingProvider: PlacedSegment[] = [];
  let subscriber: PlacedSegment[] = [];
  let patient: PlacedSegment[] = [];
  let claim: PlacedSegment[] | undefined;
  let claimUnderPatient = false;

  const flush = () => {
    if (claim === undefined) return;
    index++;
    onClaim({
      kind: guideFor(version)?.name === '837I' ? '837I' : '837P',
      version,
      interchange,
      group,
      transactionSet,
      index,
      header,
      billingProvider,
      subscriber,
      patient: claimUnderPatient ? patient : undefined,
      claim,
    });
    claim = undefined;
  };

  return (s) => {
    const path = s.loopPath;
    if (claim !== undefined && (s.id === 'CLM' || !path.includes('2300'))) flush();
    switch (s.id) {
      case 'ISA':
        interchange = s.elements[13] ?? '';
        return;
      case 'GS':
        group = s.elements[6] ?? '';
        version = s.elements[8] ?? '';
        return;
      case 'ST':
        if (s.position === 1) {
          transactionSet = s.elements[2] ?? '';
          header = [];
          billingProvider = [];
          subscriber = [];
          patient = [];
        }
        return;
      case 'HL':
        // A new HL starts its level afresh, and every level below it.
        if (s.loop === '2000A') {
          billingProvider = [];
          subscriber = [];
          patient = [];
        } else if (s.loop === '2000B') {
          subscriber = [];
          patient = [];
        } else if (s.loop === '2000C') {
          patient = [];
        }
        break;
      case 'CLM':
        if (s.loop === '2300') {
          claim = [];
          claimUnderPatient = path.includes('2000C');
        }
        break;
    }
    if (s.loop === 'ISA' || s.loop === 'GS' || (s.loop === 'ST' && path.length === 1)) return;
    if (claim !== undefined) claim.push(s);
    else if (path.includes('2000C')) patient.push(s);
    else if (path.includes('2000B')) subscriber.push(s);
    else if (path.includes('2000A')) billingProvider.push(s);
    else header.push(s);
  };
}
