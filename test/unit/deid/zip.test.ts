import { describe, expect, it } from 'vitest';
import { RESTRICTED_ZIP3, restrictedZip3 } from '../../../shared/core/deid/data/restricted-zip3.js';
import { generalizeZip } from '../../../shared/core/deid/zip.js';

describe('restricted ZIP3 lists', () => {
  it('ships the census vintages with their published sizes', () => {
    expect(RESTRICTED_ZIP3['census-2000']).toHaveLength(17);
    expect(RESTRICTED_ZIP3['census-2010']).toHaveLength(14);
    expect(RESTRICTED_ZIP3['census-2020']).toHaveLength(18);
  });

  it('differ by vintage, and the union holds every prefix of every list', () => {
    expect(restrictedZip3('census-2000').has('790')).toBe(true);
    expect(restrictedZip3('census-2020').has('790')).toBe(false);
    expect(restrictedZip3('census-2020').has('753')).toBe(true);
    const union = restrictedZip3('union');
    for (const list of Object.values(RESTRICTED_ZIP3)) for (const p of list) expect(union.has(p)).toBe(true);
    expect(union.size).toBe(23);
  });
});

describe('ZIP generalization', () => {
  const r2020 = restrictedZip3('census-2020');
  it('keeps three digits and pads to five', () => {
    expect(generalizeZip('02139', r2020)).toBe('02100');
    expect(generalizeZip('02139-4307', r2020)).toBe('02100');
    expect(generalizeZip('021394307', r2020)).toBe('02100');
  });

  it('zeroes restricted prefixes of the chosen vintage', () => {
    expect(generalizeZip('03601', r2020)).toBe('00000');
    expect(generalizeZip('79001', r2020)).toBe('79000');
    expect(generalizeZip('79001', restrictedZip3('census-2000'))).toBe('00000');
  });

  it('refuses what is not a US ZIP', () => {
    expect(generalizeZip('K1A 0B1', r2020)).toBeUndefined();
    expect(generalizeZip('0213', r2020)).toBeUndefined();
  });
});
