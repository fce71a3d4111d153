import { describe, expect, it } from 'vitest';
import { isPipelineError } from '../../shared/core/errors.js';
import { claimGrouper } from '../../shared/core/x12/claims.js';
import type { TransactionGuide } from '../../shared/core/x12/guide/model.js';
import type { ClaimUnit, PlacedSegment, X12ReadResult } from '../../shared/core/x12/read-model.js';
import { readX12, readX12Stream, type X12ReadOptions } from '../../shared/core/x12/reader.js';
import { X12Tokenizer } from '../../shared/core/x12/reader-tokenizer.js';
import { envelope, TEST_GUIDE, testGuides, VALID_SET } from './x12-reader-fixture.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const options: X12ReadOptions = { guides: testGuides };

/** Every segment the tokenizer hands on, joined back with `|` between elements. */
function tokens(chunks: Iterable<Uint8Array>): string[] {
  const out: string[] = [];
  const tokenizer = new X12Tokenizer((elements) => out.push(elements.join('|')));
  for (const chunk of chunks) tokenizer.push(chunk);
  tokenizer.end();
  return out;
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (isPipelineError(error)) return error.code;
    throw error;
  }
  return undefined;
}

function read(
  text: string,
  extra: X12ReadOptions = {},
): { result: X12ReadResult; segments: PlacedSegment[] } {
  const segments: PlacedSegment[] = [];
  const result = readX12(bytes(text), (s) => segments.push(s), { ...options, ...extra });
  return { result, segments };
}

const FILE = envelope(VALID_SET);

describe('X12Tokenizer', () => {
  const whole = tokens([bytes(FILE)]);

  it('splits a file into segments and elements', () => {
    expect(whole[0]?.startsWith('ISA|00|')).toBe(true);
    expect(whole).toContain('NM1|85|2|BILLING GROUP|||||XX|1234567890');
    expect(whole.at(-1)).toBe('IEA|1|000000123');
    expect(whole).toHaveLength(VALID_SET.length + 6);
  });

  it('gives the same segments whatever the chunk boundaries (every byte)', () => {
    const all = bytes(FILE);
    for (let cut = 1; cut < all.length; cut++) {
      expect(tokens([all.subarray(0, cut), all.subarray(cut)])).toEqual(whole);
    }
  });

  it('gives the same segments fed one byte at a time, or in three uneven chunks', () => {
    const all = bytes(FILE);
    expect(tokens(Array.from(all, (_, i) => all.subarray(i, i + 1)))).toEqual(whole);
    expect(tokens([all.subarray(0, 7), all.subarray(7, 300), all.subarray(300)])).toEqual(whole);
  });

  it('tolerates CRLF, no line breaks, and spaces or tabs after terminators', () => {
    expect(tokens([bytes(FILE.replaceAll('~\n', '~\r\n'))])).toEqual(whole);
    expect(tokens([bytes(FILE.replaceAll('~\n', '~'))])).toEqual(whole);
    expect(tokens([bytes(FILE.replaceAll('~\n', '~ \t\r\n  '))])).toEqual(whole);
  });

  it('reads the separators from the ISA', () => {
    const other = envelope(VALID_SET, { separators: { element: '|', component: '>', segment: '\n' } });
    const got = tokens([bytes(other)]);
    expect(got.map((s) => s.replaceAll('>', ':'))).toEqual(whole);
    expect(got).toContain('CLM|A1|100.50|||11>B>1|Y');
  });

  it('reads several interchanges in one stream, each with its own delimiters', () => {
    const second = envelope(VALID_SET, {
      control: '000000124',
      separators: { element: '|', component: '>', segment: '!' },
    });
    const got = tokens([bytes(`${FILE}\r\n${second}\n\n`)]);
    expect(got).toHaveLength(whole.length * 2);
    expect(got.slice(whole.length).map((s) => s.replaceAll('>', ':'))).toEqual(
      whole.map((s) => s.replaceAll('000000123', '000000124')),
    );
  });

  it('refuses unreadable bytes with invalid-x12', () => {
    expect(codeOf(() => tokens([bytes(`GS*HC~${FILE}`)]))).toBe('invalid-x12');
    expect(codeOf(() => tokens([bytes(FILE.slice(0, 50))]))).toBe('invalid-x12');
    expect(codeOf(() => tokens([bytes(FILE.replace('~\nIEA*1*000000123~\n', '~\nIEA*1*000000123'))]))).toBe(
      'invalid-x12',
    );
    expect(codeOf(() => tokens([bytes(FILE.replace('1 MAIN ST', '1 MAIN\nST'))]))).toBe('invalid-x12');
    expect(codeOf(() => tokens([bytes(FILE.replace('1 MAIN ST', '1 MAIN\u0001ST'))]))).toBe('invalid-x12');
    expect(codeOf(() => tokens([bytes(FILE.replace('1 MAIN ST', '1 MAIN ÉST'))]))).toBe('invalid-x12');
    expect(codeOf(() => tokens([]))).toBe('invalid-x12');
  });

  it('keeps only the unfinished segment between chunks', () => {
    const got: number[] = [];
    const tokenizer = new X12Tokenizer((elements) => got.push(elements.length));
    const all = bytes(FILE);
    tokenizer.push(all.subarray(0, 200));
    const first = got.length;
    tokenizer.push(all.subarray(200));
    tokenizer.end();
    expect(first).toBeGreaterThan(1);
    expect(got).toHaveLength(whole.length);
  });
});

describe('readX12: loops', () => {
  it('places every segment in its loop, with positions from ST and ordinals from ISA', () => {
    const { result, segments } = read(FILE);
    expect(result.issues).toEqual([]);
    const where = (position: number) =>
      segments.find((s) => s.position === position && s.loop !== 'ISA' && s.loop !== 'GS');
    expect(segments[0]).toMatchObject({ id: 'ISA', loop: 'ISA', position: 0, ordinal: 1 });
    expect(segments[2]).toMatchObject({ id: 'ST', loop: 'ST', position: 1, ordinal: 3 });
    expect(where(2)).toMatchObject({ id: 'BHT', loop: 'HEADER' });
    expect(where(3)).toMatchObject({ id: 'NM1', loop: '1000A', loopPath: ['ST', 'HEADER', '1000A'] });
    expect(where(5)).toMatchObject({ id: 'NM1', loop: '1000B' });
    expect(where(7)).toMatchObject({ id: 'NM1', loop: '2010AA', loopPath: ['ST', '2000A', '2010AA'] });
    expect(where(13)).toMatchObject({
      id: 'NM1',
      loop: '2010BA',
      loopPath: ['ST', '2000A', '2000B', '2010BA'],
    });
    expect(where(15)).toMatchObject({ id: 'NM1', loop: '2010BB' });
    expect(where(20)).toMatchObject({
      id: 'SV1',
      loop: '2400',
      loopPath: ['ST', '2000A', '2000B', '2300', '2400'],
    });
    expect(where(29)).toMatchObject({ id: 'HL', loop: '2000C', loopPath: ['ST', '2000A', '2000B', '2000C'] });
    expect(where(34)).toMatchObject({ id: 'CLM', loopPath: ['ST', '2000A', '2000B', '2000C', '2300'] });
    expect(where(VALID_SET.length + 2)).toMatchObject({ id: 'SE', loop: 'ST' });
    expect(segments.at(-1)).toMatchObject({ id: 'IEA', loop: 'ISA', ordinal: VALID_SET.length + 6 });
  });

  it('chooses HL loops by HL03, not by order', () => {
    // Three subscribers in a row, then a patient under the last one.
    const set = [
      ...VALID_SET.slice(0, 9),
      'HL*2*1*22*0',
      'SBR*P*18',
      'NM1*IL*1*A',
      'NM1*PR*2*P*****PI*12',
      'HL*3*1*22*0',
      'SBR*P*18',
      'NM1*IL*1*B',
      'NM1*PR*2*P*****PI*12',
      ...VALID_SET.slice(23),
    ].map((line) => line.replace('HL*3*1*22*1', 'HL*4*1*22*1').replace('HL*4*3*23*0', 'HL*5*4*23*0'));
    const { result, segments } = read(envelope(set));
    expect(result.issues).toEqual([]);
    expect(segments.filter((s) => s.id === 'HL').map((s) => s.loop)).toEqual([
      '2000A',
      '2000B',
      '2000B',
      '2000B',
      '2000C',
    ]);
  });

  it('summarises interchanges, groups and sets', () => {
    const { result } = read(FILE);
    expect(result.delimiters).toEqual({ element: '*', component: ':', repetition: '^', segment: '~' });
    expect(result.interchanges).toEqual([
      expect.objectContaining({
        control: '000000123',
        sender: 'SUBMITTER',
        receiver: 'RECEIVER',
        version: '00501',
        usage: 'P',
        groups: [
          expect.objectContaining({
            functional: 'HC',
            control: '1',
            version: '005010X222A1',
            sets: [
              {
                id: '837',
                control: '0001',
                version: '005010X222A1',
                segments: VALID_SET.length + 2,
                claims: 2,
                accepted: true,
              },
            ],
          }),
        ],
      }),
    ]);
  });

  it('reads a stream of chunks the same as the whole', async () => {
    const all = bytes(FILE);
    async function* chunks() {
      for (let i = 0; i < all.length; i += 37) yield all.subarray(i, i + 37);
    }
    const seen: string[] = [];
    const streamed = await readX12Stream(
      chunks(),
      (s) => seen.push(`${s.loop}/${s.id}[${s.position}]`),
      options,
    );
    const direct: string[] = [];
    expect(streamed).toEqual(readX12(all, (s) => direct.push(`${s.loop}/${s.id}[${s.position}]`), options));
    expect(seen).toEqual(direct);
  });

  it('reads any guide: a small non-837 transaction set', () => {
    const elements = [1, 2, 3].map((n) => ({
      name: `E${n}`,
      usage: 'S' as const,
      type: 'AN' as const,
      min: 1,
      max: 35,
    }));
    const tiny: TransactionGuide = {
      version: '005010X231A1',
      name: '999',
      transactionSet: '999',
      functionalGroup: 'FA',
      body: {
        kind: 'loop',
        id: 'ST',
        name: 'Transaction Set',
        usage: 'R',
        max: 1,
        children: [
          { kind: 'segment', id: 'ST', name: 'ST', usage: 'R', max: 1, elements },
          {
            kind: 'loop',
            id: '2000',
            name: 'Set Response',
            usage: 'S',
            max: Number.POSITIVE_INFINITY,
            children: [
              { kind: 'segment', id: 'AK2', name: 'AK2', usage: 'R', max: 1, elements },
              { kind: 'segment', id: 'IK5', name: 'IK5', usage: 'R', max: 1, elements },
            ],
          },
          { kind: 'segment', id: 'SE', name: 'SE', usage: 'R', max: 1, elements },
        ],
      },
    };
    const text = envelope(['AK2*837*0001', 'IK5*A', 'AK2*837*0002', 'IK5*A'])
      .replace('GS*HC', 'GS*FA')
      .replaceAll('005010X222A1', '005010X231A1')
      .replace('ST*837', 'ST*999');
    const segments: PlacedSegment[] = [];
    const result = readX12(bytes(text), (s) => segments.push(s), {
      guides: (v) => (v === tiny.version ? tiny : undefined),
    });
    expect(result.issues).toEqual([]);
    expect(segments.filter((s) => s.loop === '2000').map((s) => s.id)).toEqual(['AK2', 'IK5', 'AK2', 'IK5']);
  });

  it('refuses a stream over its segment cap with invalid-x12', () => {
    const count = VALID_SET.length + 6;
    expect(codeOf(() => readX12(bytes(FILE), undefined, { ...options, maxSegments: count - 1 }))).toBe(
      'invalid-x12',
    );
    expect(readX12(bytes(FILE), undefined, { ...options, maxSegments: count }).issues).toEqual([]);
  });

  it('uses the 005010 837 guides by default', () => {
    const result = readX12(bytes(FILE));
    expect(result.interchanges[0]?.groups[0]?.version).toBe('005010X222A1');
    expect(result.issues.filter((i) => i.expression === 'GS08')).toEqual([]);
    expect(TEST_GUIDE.version).toBe('005010X222A1');
  });
});

describe('claimGrouper', () => {
  it('hands on each claim with its ancestry, one at a time', () => {
    const claims: ClaimUnit[] = [];
    readX12(
      bytes(FILE),
      claimGrouper((c) => claims.push(c)),
      options,
    );
    expect(claims).toHaveLength(2);
    const [first, second] = claims as [ClaimUnit, ClaimUnit];
    expect(first).toMatchObject({
      kind: '837P',
      version: '005010X222A1',
      interchange: '000000123',
      group: '1',
      transactionSet: '0001',
      index: 1,
      patient: undefined,
    });
    expect(first.header.map((s) => s.id)).toEqual(['BHT', 'NM1', 'PER', 'NM1']);
    expect(first.billingProvider.map((s) => s.loop)).toEqual([
      '2000A',
      '2010AA',
      '2010AA',
      '2010AA',
      '2010AA',
    ]);
    expect(first.subscriber.map((s) => s.elements[1])).toEqual(['2', 'P', 'IL', 'D8', 'PR']);
    expect(first.claim.map((s) => s.id)).toEqual([
      'CLM',
      'DTP',
      'HI',
      'LX',
      'SV1',
      'DTP',
      'LX',
      'SV1',
      'DTP',
    ]);
    expect(second.index).toBe(2);
    expect(second.subscriber[0]?.elements[1]).toBe('3');
    expect(second.patient?.map((s) => s.id)).toEqual(['HL', 'PAT', 'NM1', 'N3', 'N4']);
    expect(second.claim[0]?.elements[1]).toBe('B1');
  });

  it('counts claims across transaction sets and interchanges', () => {
    const twice = `${FILE}${envelope(VALID_SET, { control: '000000124' })}`;
    const claims: ClaimUnit[] = [];
    readX12(
      bytes(twice),
      claimGrouper((c) => claims.push(c)),
      options,
    );
    expect(claims.map((c) => `${c.interchange}:${c.index}`)).toEqual([
      '000000123:1',
      '000000123:2',
      '000000124:3',
      '000000124:4',
    ]);
  });
});
