/**
 * Minimum and maximum lengths (X12 data element dictionary) of the elements the planter fills with
 * varying values. The writer refuses a value outside them, so every generated file stays valid.
 */
export const ELEMENT_LENGTHS: Readonly<Record<string, readonly [number, number]>> = {
  BHT03: [1, 50],
  CLM01: [1, 38],
  CLM02: [1, 18],
  CR109: [1, 80],
  CR110: [1, 80],
  CR210: [1, 80],
  CR211: [1, 80],
  CTP04: [1, 15],
  DMG02: [1, 35],
  DTP03: [1, 35],
  FRM03: [1, 50],
  K301: [1, 80],
  LIN03: [1, 48],
  LX01: [1, 6],
  N301: [1, 55],
  N302: [1, 55],
  N401: [2, 30],
  N402: [2, 2],
  N403: [3, 15],
  NM103: [1, 60],
  NM104: [1, 35],
  NM105: [1, 25],
  NM107: [1, 10],
  NM109: [2, 80],
  NTE02: [1, 80],
  PAT06: [1, 35],
  PER02: [1, 60],
  PER04: [1, 256],
  PER06: [1, 256],
  PWK06: [2, 80],
  REF02: [1, 50],
  SBR03: [1, 50],
  SBR04: [1, 60],
  SV102: [1, 18],
  SV104: [1, 15],
  SV203: [1, 18],
  SV205: [1, 15],
};

/** Component lengths inside composites: SV101-7 / SV202-7 descriptions, HI codes and dates. */
export const COMPONENT_LENGTHS: Readonly<Record<string, readonly [number, number]>> = {
  'SV101-7': [1, 80],
  'SV202-7': [1, 80],
  'SV101-2': [1, 48],
  'SV202-2': [1, 48],
};
