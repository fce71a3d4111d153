import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import type { ConsumerContract } from '../core/deid/contract.js';
import { deidentifyX12Share, x12DeidServices } from '../core/deid/x12/share.js';
import { claimBundleHandler } from '../core/x12/fhir/claim-bundles.js';
import { readX12 } from '../core/x12/reader.js';

/**
 * A claim file as one FHIR R4 `collection` Bundle: every claim mapped (Claim, Patient, Coverage,
 * Organizations, Practitioners, Encounter) in file order, ready for the same de-identification,
 * release gate and output formats as a submitted Bundle.
 */
export function claimsAsBundle(
  plaintext: Uint8Array,
  submission: { readonly submissionId: string; readonly receivedAt: string },
): Uint8Array {
  const entry: BundleEntry[] = [];
  // A patient (and anything else with a content-derived id) seen in several claims is one entry:
  // fullUrls must be unique in a Bundle. The first claim's version of it stands.
  const seen = new Set<string>();
  readX12(
    plaintext,
    // lastUpdated is the receipt: the same submission always maps to the same bytes.
    claimBundleHandler(
      (bundle: Bundle) => {
        for (const e of bundle.entry ?? []) {
          if (e.fullUrl !== undefined && seen.has(e.fullUrl)) continue;
          if (e.fullUrl !== undefined) seen.add(e.fullUrl);
          entry.push(e);
        }
      },
      { submissionId: submission.submissionId, lastUpdated: submission.receivedAt },
    ),
  );
  const bundle: Bundle = { resourceType: 'Bundle', type: 'collection', entry };
  return new TextEncoder().encode(JSON.stringify(bundle));
}

export interface X12Copy {
  readonly bytes: Uint8Array;
  readonly contentType: 'application/edi-x12';
  readonly ext: 'x12';
  readonly resourceCounts: Record<string, number>;
}

/**
 * A consumer's X12 copy of a claim file: de-identified in place under its contract (the same keys as
 * its FHIR copies, so a patient's pseudonyms and date shift agree), then the X12 release gate over the
 * exact bytes to release, against the identifying values of the input: `residual-phi` if any remains.
 */
export function renderX12Copy(
  contract: ConsumerContract,
  plaintext: Uint8Array,
  secret: Uint8Array,
  keyId: string,
  referenceDate: string,
): X12Copy {
  const share = deidentifyX12Share(
    contract,
    x12DeidServices(contract, secret, keyId, referenceDate),
    plaintext,
  );
  share.assertReleasable('consumer copy');
  const { output, report } = share;
  return {
    bytes: output,
    contentType: 'application/edi-x12',
    ext: 'x12',
    resourceCounts: report.resourceCounts,
  };
}
