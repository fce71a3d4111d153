/**
 * Three-digit ZIP prefixes whose geographic unit holds 20,000 people or fewer, by census vintage.
 * 45 CFR 164.514(b)(2)(i)(B): such prefixes are "changed to 000". Sources (shared/notes/deid.md §d):
 * - 2000: HHS de-identification guidance (Nov 2012), citing 67 FR 53182, 53233–53234.
 * - 2010: the list Microsoft's anonymizer ships in its Safe Harbor sample configuration.
 * - 2020: HRSA UDS+ FAQ, validated by the UDS+ IG v1.0.1.
 * `union` is every prefix on any list, the conservative choice when the vintage is unknown.
 */
export const RESTRICTED_ZIP3 = {
  'census-2000': [
    '036',
    '059',
    '063',
    '102',
    '203',
    '556',
    '692',
    '790',
    '821',
    '823',
    '830',
    '831',
    '878',
    '879',
    '884',
    '890',
    '893',
  ],
  'census-2010': [
    '036',
    '059',
    '102',
    '203',
    '205',
    '369',
    '556',
    '692',
    '821',
    '823',
    '878',
    '879',
    '884',
    '893',
  ],
  'census-2020': [
    '036',
    '059',
    '102',
    '202',
    '203',
    '204',
    '205',
    '369',
    '556',
    '692',
    '753',
    '772',
    '821',
    '823',
    '878',
    '879',
    '884',
    '893',
  ],
} as const satisfies Record<string, readonly string[]>;

export type CensusVintage = keyof typeof RESTRICTED_ZIP3;
export type RestrictedZipList = CensusVintage | 'union';

export const RESTRICTED_ZIP_LISTS: readonly RestrictedZipList[] = [
  'census-2000',
  'census-2010',
  'census-2020',
  'union',
];

export function restrictedZip3(list: RestrictedZipList): ReadonlySet<string> {
  if (list !== 'union') return new Set(RESTRICTED_ZIP3[list]);
  return new Set(Object.values(RESTRICTED_ZIP3).flat());
}
