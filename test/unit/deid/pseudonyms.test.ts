import { describe, expect, it } from 'vitest';
import { Pseudonyms } from '../../../shared/core/deid/pseudonyms.js';
import { isPipelineError } from '../../../shared/core/errors.js';
import { FHIR_ID, UUID } from './support/deid-fixtures.js';

const secret = new Uint8Array(32).fill(1);

describe('keyed pseudonyms', () => {
  const p = new Pseudonyms(secret, 'k1', 'analytics');

  it('makes RFC 4122 UUIDs that are valid FHIR ids, stable for the same input', () => {
    const id = p.resourceUuid('Patient/123');
    expect(id).toMatch(UUID);
    expect(id).toMatch(FHIR_ID);
    expect(new Pseudonyms(secret, 'k1', 'analytics').resourceUuid('Patient/123')).toBe(id);
    expect(p.resourceUuid('Patient/124')).not.toBe(id);
  });

  it('differs per key id, per contract and per secret', () => {
    const id = p.resourceUuid('Patient/123');
    expect(new Pseudonyms(secret, 'k2', 'analytics').resourceUuid('Patient/123')).not.toBe(id);
    expect(new Pseudonyms(secret, 'k1', 'research').resourceUuid('Patient/123')).not.toBe(id);
    expect(
      new Pseudonyms(new Uint8Array(32).fill(2), 'k1', 'analytics').resourceUuid('Patient/123'),
    ).not.toBe(id);
  });

  it('keys identifiers on system and value, as 32 hex characters', () => {
    const v = p.identifierValue('http://hl7.org/fhir/sid/us-ssn', '123-45-6789');
    expect(v).toMatch(/^[0-9a-f]{32}$/);
    expect(p.identifierValue('http://other', '123-45-6789')).not.toBe(v);
  });

  it('maps OIDs into the 2.25 arc', () => {
    expect(p.oid('1.2.840.113619.2.55.3')).toMatch(/^2\.25\.\d+$/);
  });

  it('draws date shifts within the configured range, the same for the same patient', () => {
    const days = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const d = p.shiftDays(`Patient/${i}`, -30, 30);
      expect(d).toBeGreaterThanOrEqual(-30);
      expect(d).toBeLessThanOrEqual(30);
      days.add(d);
    }
    expect(days.size).toBeGreaterThan(20);
    expect(p.shiftDays('Patient/7', -30, 30)).toBe(p.shiftDays('Patient/7', -30, 30));
  });

  it('never draws a zero shift, and draws both signs, over many patient keys', () => {
    const counts = new Map<number, number>();
    for (let i = 0; i < 20_000; i++) {
      const d = p.shiftDays(`Patient/${i}`, -3, 3);
      counts.set(d, (counts.get(d) ?? 0) + 1);
    }
    expect(counts.has(0)).toBe(false);
    // Uniform over the six non-zero days: each near 20000 / 6.
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-3, -2, -1, 1, 2, 3]);
    for (const n of counts.values()) expect(n).toBeGreaterThan(2_800);
    let negative = 0;
    let positive = 0;
    for (let i = 0; i < 5_000; i++) {
      const d = p.shiftDays(`Observation-subject-${i}`, -365, 365);
      expect(d).not.toBe(0);
      expect(d).toBeGreaterThanOrEqual(-365);
      expect(d).toBeLessThanOrEqual(365);
      if (d < 0) negative++;
      else positive++;
    }
    expect(negative).toBeGreaterThan(2_200);
    expect(positive).toBeGreaterThan(2_200);
  });

  it('keeps a one-signed range as configured, and refuses a range of only zero', () => {
    for (let i = 0; i < 500; i++) {
      const d = p.shiftDays(`Patient/${i}`, 30, 40);
      expect(d).toBeGreaterThanOrEqual(30);
      expect(d).toBeLessThanOrEqual(40);
      const e = p.shiftDays(`Patient/${i}`, 0, 5);
      expect(e).toBeGreaterThanOrEqual(1);
      expect(e).toBeLessThanOrEqual(5);
      const f = p.shiftDays(`Patient/${i}`, -5, 0);
      expect(f).toBeGreaterThanOrEqual(-5);
      expect(f).toBeLessThanOrEqual(-1);
    }
    expect(p.shiftDays('Patient/1', 10, 10)).toBe(10);
    expect(p.shiftDays('Patient/1', -7, -7)).toBe(-7);
    expect(() => p.shiftDays('Patient/1', 0, 0)).toThrow(/non-zero/);
  });

  it('refuses short secrets and unsafe key ids', () => {
    const fails = (make: () => unknown) => {
      try {
        make();
      } catch (error) {
        return isPipelineError(error) ? error.code : 'other';
      }
      return 'accepted';
    };
    expect(fails(() => new Pseudonyms(new Uint8Array(31), 'k', 'a'))).toBe('config-invalid');
    expect(fails(() => new Pseudonyms(secret, 'k|1', 'a'))).toBe('config-invalid');
  });
});
