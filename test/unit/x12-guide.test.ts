import { describe, expect, it } from 'vitest';
import { ACCEPTED_837_VERSIONS } from '../../shared/core/x12/envelope.js';
import {
  GE_SEGMENT,
  GS_837_SEGMENT,
  IEA_SEGMENT,
  ISA_SEGMENT,
  interchangeFor,
  SE_SEGMENT,
  transactionSetHeader,
} from '../../shared/core/x12/guide/envelope-guide.js';
import { ACCEPTED_837_GUIDE_VERSIONS, guideFor } from '../../shared/core/x12/guide/index.js';
import type {
  ComponentDef,
  ElementDef,
  LoopDef,
  SegmentDef,
  TransactionGuide,
} from '../../shared/core/x12/guide/model.js';

type Node = SegmentDef | LoopDef;

const trigger = (l: LoopDef): Node | undefined => l.children[0];
/** The segment a child starts with: itself, or its loop's trigger. */
const opener = (n: Node): SegmentDef | undefined => {
  let cur: Node | undefined = n;
  while (cur && cur.kind === 'loop') cur = trigger(cur);
  return cur;
};
const matchKey = (s: SegmentDef) => (s.match ? `${s.match.element}-${s.match.component ?? 0}` : 'none');

function* loops(l: LoopDef, path: string[] = []): Generator<{ loop: LoopDef; path: string[] }> {
  yield { loop: l, path };
  for (const c of l.children) if (c.kind === 'loop') yield* loops(c, [...path, l.id]);
}

function* segments(l: LoopDef): Generator<{ segment: SegmentDef; loop: LoopDef }> {
  for (const c of l.children) {
    if (c.kind === 'segment') yield { segment: c, loop: l };
    else yield* segments(c);
  }
}

function checkValue(where: string, d: ElementDef | ComponentDef, problems: string[]) {
  if (!['R', 'S', 'N'].includes(d.usage)) problems.push(`${where}: usage ${d.usage}`);
  if (!(d.min >= 1 && d.min <= d.max)) problems.push(`${where}: min ${d.min} max ${d.max}`);
  if (d.codes !== undefined) {
    if (d.codes.length === 0) problems.push(`${where}: empty code list`);
    if (new Set(d.codes).size !== d.codes.length) problems.push(`${where}: repeated code`);
    if (d.type !== 'ID' && d.type !== 'N0') problems.push(`${where}: codes on a ${d.type} element`);
    for (const code of d.codes) {
      if (code.length < d.min || code.length > d.max)
        problems.push(`${where}: code ${code} outside its length`);
    }
  }
  if (d.usage === 'N' && d.codes !== undefined) problems.push(`${where}: codes on a not-used element`);
}

/** Every rule the reader relies on when it walks a guide; returns the broken ones. */
function guideProblems(guide: TransactionGuide): string[] {
  const problems: string[] = [];
  const body = guide.body;
  if (body.id !== 'ST') problems.push('body is not the ST loop');
  if (opener(body)?.id !== 'ST') problems.push('body does not open with ST');
  const last = body.children.at(-1);
  if (last?.kind !== 'segment' || last.id !== 'SE') problems.push('body does not close with SE');

  const loopNames = new Map<string, string>();
  for (const { loop, path } of loops(body)) {
    const where = [...path, loop.id].join('/');
    const first = trigger(loop);
    if (first?.kind !== 'segment') problems.push(`${where}: first child is not a segment`);
    else if (first.usage !== 'R' || first.max !== 1) problems.push(`${where}: trigger is not required once`);
    if (!(loop.max >= 1)) problems.push(`${where}: max ${loop.max}`);
    const known = loopNames.get(loop.id);
    if (known !== undefined && known !== loop.name)
      problems.push(`${where}: loop id reused for another loop`);
    loopNames.set(loop.id, loop.name);
    if (first?.kind === 'segment' && first.id === 'HL' && first.match?.element !== 3)
      problems.push(`${where}: HL loop does not match on HL03`);

    const siblingIds = loop.children.filter((c): c is LoopDef => c.kind === 'loop').map((c) => c.id);
    if (new Set(siblingIds).size !== siblingIds.length) problems.push(`${where}: sibling loop ids repeat`);

    // Children that open with the same segment id must be told apart by the same element and disjoint values.
    const openers = loop.children.slice(1).map((c) => ({ child: c, seg: opener(c) }));
    for (let i = 0; i < openers.length; i++) {
      for (let j = i + 1; j < openers.length; j++) {
        const a = openers[i];
        const b = openers[j];
        if (!a?.seg || !b?.seg || a.seg.id !== b.seg.id) continue;
        if (a.child.kind === 'segment' && b.child.kind === 'segment' && !a.seg.match && !b.seg.match) {
          problems.push(`${where}: two ${a.seg.id} segments with no match`);
          continue;
        }
        const label = `${where}: ${a.child.kind === 'loop' ? a.child.id : a.seg.name} / ${b.child.kind === 'loop' ? b.child.id : b.seg.name}`;
        if (!a.seg.match || !b.seg.match) problems.push(`${label} not distinguishable`);
        else if (matchKey(a.seg) !== matchKey(b.seg)) problems.push(`${label} match on different elements`);
        else if (a.seg.match.values.some((v) => b.seg?.match?.values.includes(v)))
          problems.push(`${label} share match values`);
      }
    }
  }

  for (const { segment, loop } of segments(body)) {
    const where = `${loop.id}/${segment.id} ${segment.name}`;
    if (!/^[A-Z][A-Z0-9]{1,2}$/.test(segment.id)) problems.push(`${where}: segment id`);
    if (!(segment.max >= 1)) problems.push(`${where}: max ${segment.max}`);
    if (segment.elements.length === 0) problems.push(`${where}: no elements`);
    if (segment.match) {
      const e = segment.elements[segment.match.element - 1];
      const target = segment.match.component ? e?.components?.[segment.match.component - 1] : e;
      if (!target) problems.push(`${where}: match names no element`);
      else if (segment.match.values.length === 0) problems.push(`${where}: match has no values`);
      else if (target.codes && segment.match.values.some((v) => !target.codes?.includes(v)))
        problems.push(`${where}: match value outside the element's codes`);
    }
    segment.elements.forEach((e, i) => {
      const at = `${where} ${String(i + 1).padStart(2, '0')}`;
      checkValue(at, e, problems);
      if (e.components) {
        if (e.components.length === 0) problems.push(`${at}: composite with no components`);
        for (const [k, c] of e.components.entries()) checkValue(`${at}-${k + 1}`, c, problems);
      }
    });
  }
  return problems;
}

const loopById = (guide: TransactionGuide, id: string): LoopDef | undefined => {
  for (const { loop } of loops(guide.body)) if (loop.id === id) return loop;
  return undefined;
};
const loopIds = (guide: TransactionGuide) => new Set([...loops(guide.body)].map((l) => l.loop.id));
const segmentIn = (
  guide: TransactionGuide,
  loopId: string,
  id: string,
  value?: string,
): SegmentDef | undefined =>
  loopById(guide, loopId)?.children.find(
    (c): c is SegmentDef =>
      c.kind === 'segment' && c.id === id && (!value || !!c.match?.values.includes(value)),
  );
const element = (s: SegmentDef | undefined, n: number) => s?.elements[n - 1];
const shape = (e: ElementDef | ComponentDef | undefined) => e && `${e.usage} ${e.type} ${e.min}-${e.max}`;

/** A deep, mutable copy to plant defects in. */
const copy = (guide: TransactionGuide): { -readonly [K in keyof TransactionGuide]: TransactionGuide[K] } =>
  structuredClone(guide);

const P = guideFor('005010X222A1') as TransactionGuide;
const I = guideFor('005010X223A2') as TransactionGuide;

describe('Module: x12 guide lookup', () => {
  it('serves the 837P for X222A1/A2, the 837I for X223A1/A2/A3 and refuses other versions', () => {
    expect(guideFor('005010X222A1')?.name).toBe('837P');
    expect(guideFor('005010X222A2')?.name).toBe('837P');
    for (const v of ['005010X223A1', '005010X223A2', '005010X223A3']) expect(guideFor(v)?.name).toBe('837I');
    expect(ACCEPTED_837_GUIDE_VERSIONS).toHaveLength(5);
    for (const other of ['004010X098A1', '005010X224A2', '005010X221A1', '', '005010x222a1', 'toString'])
      expect(guideFor(other)).toBeUndefined();
    for (const v of ACCEPTED_837_GUIDE_VERSIONS) expect(guideFor(v)?.transactionSet).toBe('837');
  });

  it('has a guide for exactly the versions the ingest door accepts, of the same kind', () => {
    expect([...ACCEPTED_837_GUIDE_VERSIONS].sort()).toEqual(Object.keys(ACCEPTED_837_VERSIONS).sort());
    for (const [version, kind] of Object.entries(ACCEPTED_837_VERSIONS))
      expect(guideFor(version)?.name).toBe(kind);
  });
});

describe('Data: the 837 guides are consistent', () => {
  it.each(ACCEPTED_837_GUIDE_VERSIONS.map((v) => [v]))('%s breaks no walking rule', (version) => {
    const guide = guideFor(version) as TransactionGuide;
    expect(guide.functionalGroup).toBe('HC');
    expect(guideProblems(guide)).toEqual([]);
  });

  it('the checker finds planted defects wherever they are planted', () => {
    const planted: [string, (g: ReturnType<typeof copy>) => void, RegExp][] = [
      [
        'a loop that opens with a loop',
        (g) => {
          const l = loopById(g, '2310B') as unknown as { children: Node[] };
          l.children.unshift(loopById(g, '2310A') as LoopDef);
        },
        /2310B: first child is not a segment/,
      ],
      [
        'an empty code list on an NM101',
        (g) => {
          const s = segmentIn(g, '2010BA', 'NM1') as unknown as { elements: ElementDef[] };
          s.elements[0] = { ...(s.elements[0] as ElementDef), codes: [] };
        },
        /empty code list/,
      ],
      [
        'min above max on a component',
        (g) => {
          const s = segmentIn(g, '2400', 'SV1') as unknown as { elements: { components: ComponentDef[] }[] };
          const sv101 = s.elements[0] as { components: ComponentDef[] };
          sv101.components[1] = { ...(sv101.components[1] as ComponentDef), min: 50 };
        },
        /SV1 .* 01-2: min 50 max 48/,
      ],
      [
        'two sibling loops with the same trigger',
        (g) => {
          const l = loopById(g, '2420D') as unknown as { children: Node[] };
          const nm1 = l.children[0] as SegmentDef;
          l.children[0] = { ...nm1, match: { element: 1, values: ['82'] } };
        },
        /2420A \/ 2420D share match values/,
      ],
      [
        'repeated sibling loop ids',
        (g) => {
          const l = loopById(g, '2320') as unknown as { children: Node[] };
          l.children.push(loopById(g, '2330G') as LoopDef);
        },
        /2320: sibling loop ids repeat/,
      ],
      [
        'same-id segments with overlapping qualifiers',
        (g) => {
          const l = loopById(g, '2300') as unknown as { children: Node[] };
          const i = l.children.findIndex(
            (c) => c.kind === 'segment' && c.id === 'REF' && c.match?.values[0] === 'F8',
          );
          const refF8 = l.children[i] as SegmentDef;
          l.children[i] = { ...refF8, match: { element: 1, values: ['G1'] } };
        },
        /Prior Authorization \/ Payer Claim Control Number share match values/,
      ],
    ];
    for (const [, plant, expected] of planted) {
      const g = copy(P);
      plant(g);
      expect(guideProblems(g).join('\n')).toMatch(expected);
    }
  });
});

describe('Data: the 837P follows the X222A1 TR3', () => {
  it('has every loop of the guide', () => {
    const ids = loopIds(P);
    for (const id of [
      'HEADER',
      '1000A',
      '1000B',
      '2000A',
      '2010AA',
      '2010AB',
      '2010AC',
      '2000B',
      '2010BA',
      '2010BB',
      '2000C',
      '2010CA',
      '2300',
      '2310A',
      '2310B',
      '2310C',
      '2310D',
      '2310E',
      '2310F',
      '2320',
      '2330A',
      '2330B',
      '2330C',
      '2330D',
      '2330E',
      '2330F',
      '2330G',
      '2400',
      '2410',
      '2420A',
      '2420B',
      '2420C',
      '2420D',
      '2420E',
      '2420F',
      '2420G',
      '2420H',
      '2430',
      '2440',
    ])
      expect(ids.has(id), id).toBe(true);
  });

  it('nests the HL loops as 2000A > 2000B > 2000C with 2300 under 2000B and 2000C', () => {
    const path = (id: string) =>
      [...loops(P.body)].filter((l) => l.loop.id === id).map((l) => l.path.join('/'));
    expect(path('2000B')).toEqual(['ST/2000A']);
    expect(path('2000C')).toEqual(['ST/2000A/2000B']);
    expect(path('2300')).toEqual(['ST/2000A/2000B', 'ST/2000A/2000B/2000C']);
    expect(path('2430')).toEqual(['ST/2000A/2000B/2300/2400', 'ST/2000A/2000B/2000C/2300/2400']);
    expect(loopById(P, '2000C')?.usage).toBe('S');
    expect(loopById(P, '2010AA')?.max).toBe(1);
  });

  it('triggers each name loop on its NM101', () => {
    const nm101 = (loopId: string) => (trigger(loopById(P, loopId) as LoopDef) as SegmentDef).match?.values;
    expect(nm101('1000A')).toEqual(['41']);
    expect(nm101('1000B')).toEqual(['40']);
    expect(nm101('2010AA')).toEqual(['85']);
    expect(nm101('2010BA')).toEqual(['IL']);
    expect(nm101('2010CA')).toEqual(['QC']);
    expect(nm101('2310A')).toEqual(['DN', 'P3']);
    expect(nm101('2310E')).toEqual(['PW']);
    expect(nm101('2420B')).toEqual(['QB']);
    expect(nm101('2420E')).toEqual(['DK']);
    expect(nm101('2420H')).toEqual(['45']);
  });

  it('gives elements the TR3 types and lengths', () => {
    const nm1 = segmentIn(P, '2010BA', 'NM1');
    expect(shape(element(nm1, 3))).toBe('R AN 1-60');
    expect(shape(element(nm1, 9))).toBe('R AN 2-80');
    expect(shape(element(segmentIn(P, '2010AA', 'N4'), 3))).toBe('S ID 3-15');
    expect(shape(element(segmentIn(P, '2010CA', 'DMG'), 2))).toBe('R AN 1-35');
    expect(element(segmentIn(P, '2010CA', 'DMG'), 1)?.codes).toEqual(['D8']);
    const clm = segmentIn(P, '2300', 'CLM');
    expect(shape(element(clm, 1))).toBe('R AN 1-38');
    expect(shape(element(clm, 2))).toBe('R R 1-18');
    expect(element(clm, 5)?.components?.map((c) => c.codes)).toEqual([undefined, ['B'], undefined]);
    const sv1 = segmentIn(P, '2400', 'SV1');
    expect(shape(element(sv1, 2))).toBe('R R 1-18');
    expect(element(sv1, 3)?.codes).toEqual(['MJ', 'UN']);
    expect(
      element(sv1, 1)
        ?.components?.map((c) => c.usage)
        .join(''),
    ).toBe('RRSSSSSN');
    expect(element(sv1, 7)?.components).toHaveLength(4);
    expect(shape(element(segmentIn(P, '2400', 'DTP', '472'), 3))).toBe('R AN 1-35');
    expect(element(segmentIn(P, '2400', 'DTP', '472'), 2)?.codes).toEqual(['D8', 'RD8']);
  });

  it('tells the 2300 HI segments apart by HI01-1', () => {
    const his = loopById(P, '2300')?.children.filter(
      (c): c is SegmentDef => c.kind === 'segment' && c.id === 'HI',
    );
    expect(his?.map((h) => [h.usage, h.match?.component, h.match?.values])).toEqual([
      ['R', 1, ['ABK', 'BK']],
      ['S', 1, ['BP']],
      ['S', 1, ['BG']],
    ]);
    expect(his?.[0]?.elements[1]?.components?.[0]?.codes).toEqual(['ABF', 'BF']);
    expect(his?.[0]?.elements.map((e) => e.usage).join('')).toBe('RSSSSSSSSSSS');
    expect(his?.[1]?.elements.map((e) => e.usage).join('')).toBe('RSNNNNNNNNNN');
  });

  it('keeps external code lists out: states, postal codes, places of service, procedures', () => {
    expect(element(segmentIn(P, '2010BA', 'N4'), 2)?.codes).toBeUndefined();
    expect(element(segmentIn(P, '2010BA', 'N4'), 3)?.codes).toBeUndefined();
    expect(element(segmentIn(P, '2400', 'SV1'), 5)?.codes).toBeUndefined();
    expect(element(segmentIn(P, '2400', 'SV1'), 1)?.components?.[1]?.codes).toBeUndefined();
    expect(element(segmentIn(P, '2320', 'CAS'), 2)?.codes).toBeUndefined();
  });

  it('lists the subscriber and patient codes the guide gives', () => {
    expect(element(segmentIn(P, '2000B', 'SBR'), 2)?.codes).toEqual(['18']);
    expect(element(segmentIn(P, '2000B', 'SBR'), 9)?.codes).toContain('MB');
    expect(element(segmentIn(P, '2320', 'SBR'), 2)?.codes).toContain('G8');
    expect(element(segmentIn(P, '2000C', 'PAT'), 1)?.codes).toEqual([
      '01',
      '19',
      '20',
      '21',
      '39',
      '40',
      '53',
      'G8',
    ]);
    expect(element(segmentIn(P, '2000B', 'PAT'), 1)?.usage).toBe('N');
    expect(segmentIn(P, '2000B', 'HL')?.match?.values).toEqual(['22']);
  });
});

describe('Data: the 837I follows the X223A2 TR3', () => {
  it('has every loop of the guide and none of the professional-only ones', () => {
    const ids = loopIds(I);
    for (const id of [
      'HEADER',
      '1000A',
      '1000B',
      '2000A',
      '2010AA',
      '2010AB',
      '2010AC',
      '2000B',
      '2010BA',
      '2010BB',
      '2000C',
      '2010CA',
      '2300',
      '2310A',
      '2310B',
      '2310C',
      '2310D',
      '2310E',
      '2310F',
      '2320',
      '2330A',
      '2330B',
      '2330C',
      '2330D',
      '2330E',
      '2330F',
      '2330G',
      '2330H',
      '2330I',
      '2400',
      '2410',
      '2420A',
      '2420B',
      '2420C',
      '2420D',
      '2430',
    ])
      expect(ids.has(id), id).toBe(true);
    for (const id of ['2420E', '2420F', '2420G', '2420H', '2440']) expect(ids.has(id), id).toBe(false);
  });

  it('triggers the provider loops on the institutional entity codes', () => {
    const nm101 = (loopId: string) => (trigger(loopById(I, loopId) as LoopDef) as SegmentDef).match?.values;
    expect(['2310A', '2310B', '2310C', '2310D', '2310E', '2310F'].map(nm101)).toEqual([
      ['71'],
      ['72'],
      ['ZZ'],
      ['82'],
      ['77'],
      ['DN'],
    ]);
    expect(['2420A', '2420B', '2420C', '2420D'].map(nm101)).toEqual([['72'], ['ZZ'], ['82'], ['DN']]);
    expect(['2330C', '2330D', '2330E', '2330F', '2330G', '2330H', '2330I'].map(nm101)).toEqual([
      ['71'],
      ['72'],
      ['ZZ'],
      ['77'],
      ['82'],
      ['DN'],
      ['85'],
    ]);
  });

  it('has the institutional claim segments', () => {
    const clm = segmentIn(I, '2300', 'CLM');
    expect(element(clm, 5)?.components?.[1]?.codes).toEqual(['A']);
    expect(shape(element(clm, 1))).toBe('R AN 1-38');
    expect(segmentIn(I, '2300', 'CL1')?.usage).toBe('R');
    expect(segmentIn(I, '2300', 'DTP', '434')?.usage).toBe('R');
    expect(element(segmentIn(I, '2300', 'DTP', '435'), 2)?.codes).toEqual(['D8', 'DT']);
    const sv2 = segmentIn(I, '2400', 'SV2');
    expect(shape(element(sv2, 1))).toBe('R AN 1-48');
    expect(element(sv2, 2)?.components?.[0]?.codes).toEqual(['ER', 'HC', 'HP', 'IV', 'WK']);
    expect(element(sv2, 2)?.components?.[6]?.usage).toBe('S');
    expect(element(sv2, 4)?.codes).toEqual(['DA', 'UN']);
    expect(segmentIn(I, '2400', 'SV1')).toBeUndefined();
    expect(segmentIn(I, '2320', 'MIA')?.elements).toHaveLength(24);
  });

  it('tells the thirteen 2300 HI segments apart by HI01-1', () => {
    const his = loopById(I, '2300')?.children.filter(
      (c): c is SegmentDef => c.kind === 'segment' && c.id === 'HI',
    );
    expect(his?.map((h) => h.match?.values.join('/'))).toEqual([
      'ABK/BK',
      'ABJ/BJ',
      'APR/PR',
      'ABN/BN',
      'DR',
      'ABF/BF',
      'BBR/BR/CAH',
      'BBQ/BQ',
      'BI',
      'BH',
      'BE',
      'BG',
      'TC',
    ]);
    const byQualifier = (q: string) => his?.find((h) => h.match?.values.includes(q));
    const hi01 = (q: string) =>
      byQualifier(q)
        ?.elements[0]?.components?.map((c) => c.usage)
        .join('');
    expect(hi01('BK')).toBe('RRNNNNNNS');
    expect(hi01('BH')).toBe('RRRRNNNNN');
    expect(byQualifier('BI')?.elements[0]?.components?.[2]?.codes).toEqual(['RD8']);
    expect(hi01('BE')).toBe('RRNNRNNNN');
    expect(byQualifier('BK')?.elements[1]?.usage).toBe('N');
    expect(byQualifier('BF')?.elements[11]?.usage).toBe('S');
  });

  it('keeps the subscriber patient details in the 837P only', () => {
    expect(segmentIn(I, '2000B', 'PAT')).toBeUndefined();
    expect(element(segmentIn(I, '2000C', 'PAT'), 6)?.usage).toBe('N');
    expect(element(segmentIn(P, '2000C', 'PAT'), 6)?.usage).toBe('S');
    expect(element(segmentIn(I, '2000B', 'SBR'), 5)?.usage).toBe('N');
    expect(element(segmentIn(P, '2000B', 'SBR'), 5)?.usage).toBe('S');
  });
});

describe('Data: the 00501 envelope', () => {
  it('gives ISA its sixteen fixed-length elements', () => {
    expect(ISA_SEGMENT.elements).toHaveLength(16);
    const fixed = ISA_SEGMENT.elements.map(
      (e) => `${e.type}${e.min === e.max ? e.min : `${e.min}-${e.max}`}`,
    );
    expect(fixed).toEqual([
      'ID2',
      'AN10',
      'ID2',
      'AN10',
      'ID2',
      'AN15',
      'ID2',
      'AN15',
      'DT6',
      'TM4',
      'AN1',
      'ID5',
      'N09',
      'ID1',
      'ID1',
      'AN1',
    ]);
    expect(ISA_SEGMENT.elements[11]?.codes).toEqual(['00501']);
    expect(ISA_SEGMENT.elements[14]?.codes).toEqual(['P', 'T']);
    expect(ISA_SEGMENT.elements[10]?.codes).toBeUndefined();
  });

  it('shapes GS/GE, ST/SE and IEA as the control segments', () => {
    expect(GS_837_SEGMENT.elements.map(shape)).toEqual([
      'R ID 2-2',
      'R AN 2-15',
      'R AN 2-15',
      'R DT 8-8',
      'R TM 4-8',
      'R N0 1-9',
      'R ID 1-2',
      'R AN 1-12',
    ]);
    expect(GS_837_SEGMENT.elements[0]?.codes).toEqual(['HC']);
    expect(GE_SEGMENT.elements.map(shape)).toEqual(['R N0 1-6', 'R N0 1-9']);
    expect(IEA_SEGMENT.elements.map(shape)).toEqual(['R N0 1-5', 'R N0 9-9']);
    expect(transactionSetHeader('999').elements.map(shape)).toEqual(['R ID 3-3', 'R AN 4-9', 'R AN 1-35']);
    expect(transactionSetHeader('999').elements[0]?.codes).toEqual(['999']);
    expect(SE_SEGMENT.elements.map(shape)).toEqual(['R N0 1-10', 'R AN 4-9']);
  });

  it('wraps each guide in ISA > GS > ST loops that repeat', () => {
    for (const guide of [P, I]) {
      const isa = interchangeFor(guide);
      expect(isa.children.map((c) => c.id)).toEqual(['ISA', 'GS', 'IEA']);
      const gs = isa.children[1] as LoopDef;
      expect(gs.children.map((c) => c.id)).toEqual(['GS', 'ST', 'GE']);
      expect((gs.children[1] as LoopDef).max).toBe(Number.POSITIVE_INFINITY);
      expect((gs.children[1] as LoopDef).children).toBe(guide.body.children);
      expect(guide.body.children[0]).toEqual(transactionSetHeader('837'));
      expect(guide.body.children.at(-1)).toBe(SE_SEGMENT);
    }
  });
});
