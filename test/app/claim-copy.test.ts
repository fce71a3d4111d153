import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimsAsBundle } from '../../shared/app/claim-copy.js';
import { deidentifyShare } from '../../shared/app/release-copy.js';
import { validateBundle } from '../../shared/core/fhir/validate-bundle.js';
import { claimFileAccepted, validateClaimFile } from '../../shared/core/x12/validate.js';
import { generateLargeBytes } from '../helpers/x12-planter/index.js';
import { engineFor } from '../unit/deid/support/deid-fixtures.js';

const sample = readFileSync(
  path.resolve(import.meta.dirname, '../../samples/x12/demo.example1.837'),
  'latin1',
);
const SUBMISSION = {
  submissionId: '3b1f6a52-1c1e-4c7e-9a57-0d4f3c2b1a00',
  receivedAt: '2026-12-03T10:00:00Z',
};

/** The sample with its one claim sent twice for the same patient: two 2300 loops under one 2000C. */
function twoClaimsOnePatient(): Uint8Array {
  const start = sample.indexOf('CLM*');
  const end = sample.indexOf('SE*');
  const claim = sample.slice(start, end).replace('CLM*26463774*', 'CLM*26463775*');
  const segments = claim.split('~').filter((s) => s.trim() !== '').length;
  const text =
    sample.slice(0, end) +
    claim +
    sample.slice(end).replace(/SE\*(\d+)\*/, (_, n: string) => `SE*${Number(n) + segments}*`);
  return new TextEncoder().encode(text);
}

describe('a claim file as one FHIR Bundle', () => {
  it('maps every claim, holds each patient once, and is a valid R4 Bundle', () => {
    const bytes = twoClaimsOnePatient();
    expect(claimFileAccepted(validateClaimFile(bytes))).toBe(true);
    const bundle = JSON.parse(new TextDecoder().decode(claimsAsBundle(bytes, SUBMISSION))) as {
      entry: { fullUrl: string; resource: { resourceType: string } }[];
    };
    const types = bundle.entry.map((e) => e.resource.resourceType);
    expect(types.filter((t) => t === 'Claim')).toHaveLength(2);
    expect(types.filter((t) => t === 'Patient')).toHaveLength(1);
    const fullUrls = bundle.entry.map((e) => e.fullUrl);
    expect(new Set(fullUrls).size).toBe(fullUrls.length);
    expect(() => validateBundle(bundle)).not.toThrow();
  });

  it('is the same bytes every time', () => {
    const bytes = twoClaimsOnePatient();
    expect(claimsAsBundle(bytes, SUBMISSION)).toEqual(claimsAsBundle(bytes, SUBMISSION));
  });
});

describe('a claim file larger than the JSON limit of the door once mapped', () => {
  it('is de-identified as a share, not refused as invalid-json (a 1 MB 837 maps to a Bundle over 5 MiB)', () => {
    const bytes = Buffer.concat([...generateLargeBytes(1024 * 1024, 7)]);
    const mapped = claimsAsBundle(bytes, SUBMISSION);
    expect(mapped.byteLength).toBeGreaterThan(5 * 1024 * 1024);
    for (const profile of ['safe-harbor', 'limited-data-set', 'analytics']) {
      const share = deidentifyShare(engineFor(profile), mapped);
      expect((share.output.entry as unknown[]).length, profile).toBeGreaterThan(1000);
    }
  });
});
