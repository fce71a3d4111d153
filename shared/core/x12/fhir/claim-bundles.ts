import type { Bundle } from '@medplum/fhirtypes';
import { claimGrouper } from '../claims.js';
import type { ClaimUnit, Delimiters, PlacedSegment } from '../read-model.js';
import { type ClaimMappingOptions, mapClaimToFhir } from './map-claim.js';

/**
 * A segment handler for the reader (`readX12`, `readX12Stream`) that hands on one FHIR Bundle per
 * claim as the claim completes: memory holds one claim and its Bundle, whatever the file size.
 *
 * Composites are split on the component separator of the claim's own interchange (ISA16), so a file
 * of several interchanges with different separators maps correctly. Only the component separator is
 * read by the mapping: the reader has already split segments and elements, so `element` and `segment`
 * are left empty here.
 */
export function claimBundleHandler(
  onBundle: (bundle: Bundle, claim: ClaimUnit) => void,
  options: ClaimMappingOptions = {},
): (segment: PlacedSegment) => void {
  let delimiters: Delimiters = { element: '', component: ':', repetition: undefined, segment: '' };
  const group = claimGrouper((claim) => onBundle(mapClaimToFhir(claim, delimiters, options), claim));
  return (segment) => {
    // The grouper flushes the previous claim on the next segment: map it before the separator changes.
    group(segment);
    if (segment.id === 'ISA') {
      const component = segment.elements[16] ?? ':';
      const isa11 = segment.elements[11] ?? 'U';
      delimiters = {
        element: '',
        component,
        repetition: /^[A-Za-z0-9 ]?$/.test(isa11) ? undefined : isa11,
        segment: '',
      };
    }
  };
}
