import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isPipelineError } from '../../shared/core/errors.js';
import { validateX12Envelope } from '../../shared/core/x12/envelope.js';
import {
  ISA_LENGTH,
  MAX_X12_ELEMENT_LENGTH,
  MAX_X12_ELEMENTS_PER_SEGMENT,
  MAX_X12_SEGMENTS,
} from '../../shared/core/x12/tokenize.js';
import { recountX12 } from '../helpers/x12-counts.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixture = (name: string) => readFileSync(path.join(repoRoot, 'samples/x12', name));

const CANARY = 'CANARY-PHI-7f3a';
const P = '005010X222A1';
const I = '005010X223A3';
const ISA_CONTROL = '000000123';
const isa = (control = ISA_CONTROL) =>
  `ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *230101*1200*^*00501*${control}*0*P*:`;
const CLAIM = [
  'BHT*0019*00*1*20230101*1200*CH',
  `NM1*41*2*${CANARY}*****46*X1`,
  'HL*1**20*1',
  'CLM*A1*100***11:B:1*Y*A*Y*I',
  'LX*1',
  'SV1*HC:99213*100*UN*1***1',
];

const transactionSet = (control = '0001', body = CLAIM, version = P) => [
  `ST*837*${control}*${version}`,
  ...body,
  `SE*${body.length + 2}*${control}`,
];
const group = (sets: string[][] = [transactionSet()], control = '1', version = P) => [
  `GS*HC*SENDER*RECEIVER*20230101*1200*${control}*X*${version}`,
  ...sets.flat(),
  `GE*${sets.length}*${control}`,
];
/** A well-formed interchange with correct counts, one segment per line. */
const interchange = (groups: string[][] = [group()], control = ISA_CONTROL) =>
  `${[isa(control), ...groups.flat(), `IEA*${groups.length}*${control}`].join('~\n')}~\n`;

const bytes = (text: string) => new TextEncoder().encode(text);

/** Code and location of the rejection; fails the test when the input is accepted. */
function refusal(input: string | Uint8Array): { code: string; expression: unknown } {
  try {
    validateX12Envelope(typeof input === 'string' ? bytes(input) : input);
  } catch (error) {
    if (!isPipelineError(error)) throw error;
    expect(`${error.message} ${JSON.stringify(error.details)}`).not.toContain('CANARY');
    return { code: error.code, expression: error.details?.expression };
  }
  throw new Error('the interchange was accepted');
}

const claimError = (expression: string) => ({ code: 'invalid-claim', expression });

describe('Function: validateX12Envelope', () => {
  describe('accepts 005010 837s', () => {
    it('builds a fixed-width ISA (the helpers below rely on it)', () => {
      expect(isa().length + 1).toBe(ISA_LENGTH);
    });

    it('summarises an 837P fixture', () => {
      expect(validateX12Envelope(fixture('demo.example1.837'))).toEqual({
        kind: '837P',
        version: '005010X222A2',
        interchangeControlNumber: '000000907',
        groups: 1,
        transactionSets: 1,
        claims: 1,
      });
    });

    it('summarises an 837I fixture', () => {
      expect(validateX12Envelope(fixture('institutional-claim.837i'))).toMatchObject({
        kind: '837I',
        version: '005010X223A3',
        claims: 1,
      });
    });

    it('counts groups, transaction sets and claims', () => {
      const twoClaims = [...CLAIM, 'CLM*A2*50***11:B:1*Y*A*Y*I'];
      const text = interchange([
        group([transactionSet('0001'), transactionSet('0002', twoClaims)], '1'),
        group([transactionSet('0003')], '2'),
      ]);
      expect(validateX12Envelope(bytes(text))).toEqual({
        kind: '837P',
        version: P,
        interchangeControlNumber: ISA_CONTROL,
        groups: 2,
        transactionSets: 3,
        claims: 4,
      });
    });

    it('reads the delimiters from the ISA rather than assuming them', () => {
      const text = interchange()
        .replaceAll('*', '|')
        .replaceAll('~', '!')
        .replace(/\|:!/, '|>!')
        .replaceAll('11:B:1', '11>B>1')
        .replaceAll('HC:99213', 'HC>99213');
      expect(validateX12Envelope(bytes(text)).claims).toBe(1);
    });

    it('accepts one long line, CRLF line breaks and blank lines after terminators', () => {
      expect(validateX12Envelope(bytes(interchange().replaceAll('\n', ''))).claims).toBe(1);
      expect(validateX12Envelope(bytes(interchange().replaceAll('\n', '\r\n'))).claims).toBe(1);
      expect(validateX12Envelope(bytes(`${interchange()}\n\n\r\n`)).claims).toBe(1);
    });

    it('accepts a line feed as the segment terminator', () => {
      const text = interchange().replaceAll('~\n', '\n');
      expect(validateX12Envelope(bytes(text)).groups).toBe(1);
    });

    it('accepts the 837I guides', () => {
      const text = interchange([group([transactionSet('0001', CLAIM, '005010X223A2')], '1', '005010X223A2')]);
      expect(validateX12Envelope(bytes(text)).kind).toBe('837I');
    });
  });

  describe('refuses what does not tokenize (invalid-x12)', () => {
    it('refuses a body that does not start with ISA', () => {
      expect(refusal(interchange().slice(interchange().indexOf('GS')))).toEqual({
        code: 'invalid-x12',
        expression: 'ISA',
      });
      expect(refusal('')).toMatchObject({ code: 'invalid-x12' });
    });

    // security.md §7 F row 72
    it('refuses an ISA that is not 106 characters', () => {
      const short = interchange().replace('SUBMITTER      ', 'SUBMITTER     ');
      expect(refusal(short).code).toBe('invalid-x12');
      const long = interchange().replace('SUBMITTER      ', 'SUBMITTER       ');
      expect(refusal(long).code).toBe('invalid-x12');
    });

    it('refuses a truncated ISA', () => {
      expect(refusal(isa().slice(0, 80)).code).toBe('invalid-x12');
    });

    // row 72: the element separator of the ISA differs from the one used later
    it('refuses segments that use another element separator than the ISA', () => {
      const text = interchange().replace('GS*HC*SENDER*RECEIVER', 'GS|HC|SENDER|RECEIVER');
      expect(refusal(text).code).toBe('invalid-x12');
    });

    it('refuses a character used for two delimiters', () => {
      expect(refusal(interchange().replace('*P*:~', '*P*~~')).code).toBe('invalid-x12');
      expect(refusal(interchange().replace('*^*00501', '*:*00501')).code).toBe('invalid-x12');
    });

    it('refuses letters, digits or spaces as delimiters', () => {
      expect(refusal(interchange().replace('*P*:~', '*P*A~')).code).toBe('invalid-x12');
      expect(refusal(interchange().replaceAll('~', 'Z')).code).toBe('invalid-x12');
    });

    it('refuses an ISA element that holds a delimiter', () => {
      const text = interchange().replace('SUBMITTER      ', 'SUBMI~TER      ');
      expect(refusal(text).code).toBe('invalid-x12');
    });

    // row 78
    it('refuses a file truncated inside its last segment', () => {
      const text = interchange().trimEnd().slice(0, -1);
      expect(refusal(text).code).toBe('invalid-x12');
      expect(refusal(text.slice(0, text.indexOf('CLM*') + 6)).code).toBe('invalid-x12');
    });

    // row 81
    it.each([
      ['NUL', '\u0000'],
      ['ESC', '\u001b'],
      ['DEL', '\u007f'],
      ['a line break inside a segment', '\n'],
      ['a carriage return inside a segment', '\r'],
    ])('refuses %s in an element', (_, char) => {
      expect(refusal(interchange().replace(CANARY, `SMITH${char}JANE`)).code).toBe('invalid-x12');
    });

    it('refuses non-ASCII bytes', () => {
      expect(refusal(interchange().replace(CANARY, 'JOSÉ')).code).toBe('invalid-x12');
      const raw = bytes(interchange().replace(CANARY, 'SMITH?JANE'));
      raw[raw.indexOf(0x3f)] = 0xc3; // a lone UTF-8 lead byte
      expect(refusal(raw).code).toBe('invalid-x12');
    });

    it('refuses an empty segment and a malformed segment identifier', () => {
      expect(refusal(interchange().replace('LX*1~', 'LX*1~~')).code).toBe('invalid-x12');
      expect(refusal(interchange().replace('LX*1', 'lx*1')).code).toBe('invalid-x12');
      expect(refusal(interchange().replace('LX*1', '*1')).code).toBe('invalid-x12');
      expect(refusal(interchange().replace('LX*1', 'LXXX*1')).code).toBe('invalid-x12');
    });

    // row 80
    it('refuses more segments than the cap, without reading them all', () => {
      const flood = interchange([
        group([transactionSet('0001', [...CLAIM, ...Array(MAX_X12_SEGMENTS).fill('CLM*1')])]),
      ]);
      expect(refusal(flood)).toEqual({ code: 'invalid-x12', expression: undefined });
    });

    it('accepts an interchange just under the segment cap', () => {
      // 6 envelope segments + the claim + the filler = exactly the cap.
      const filler = Array(MAX_X12_SEGMENTS - CLAIM.length - 6).fill('LX*1');
      const text = interchange([group([transactionSet('0001', [...CLAIM, ...filler])])]);
      expect(validateX12Envelope(bytes(text)).claims).toBe(1);
    });

    it('refuses an element longer than the cap', () => {
      const text = interchange().replace(CANARY, 'A'.repeat(MAX_X12_ELEMENT_LENGTH + 1));
      expect(refusal(text)).toEqual({ code: 'invalid-x12', expression: 'NM103' });
      const atCap = interchange().replace(CANARY, 'A'.repeat(MAX_X12_ELEMENT_LENGTH));
      expect(validateX12Envelope(bytes(atCap)).claims).toBe(1);
    });

    it('refuses a segment with more elements than the cap', () => {
      const text = interchange().replace('LX*1', `LX${'*1'.repeat(MAX_X12_ELEMENTS_PER_SEGMENT + 1)}`);
      expect(refusal(text)).toEqual({ code: 'invalid-x12', expression: 'LX' });
    });
  });

  describe('refuses a wrong envelope (invalid-claim)', () => {
    // row 73
    it('refuses IEA02 that differs from ISA13', () => {
      expect(refusal(interchange().replace(`IEA*1*${ISA_CONTROL}`, 'IEA*1*000000124'))).toEqual(
        claimError('IEA02'),
      );
    });

    // row 75
    it.each([
      ['IEA01', 'IEA*1*', 'IEA*2*'],
      ['IEA01', 'IEA*1*', 'IEA*one*'],
      ['GE01', 'GE*1*1', 'GE*2*1'],
      ['GE02', 'GE*1*1', 'GE*1*2'],
      ['SE01', 'SE*8*0001', 'SE*9*0001'],
      ['SE01', 'SE*8*0001', 'SE**0001'],
      ['SE02', 'SE*8*0001', 'SE*8*0002'],
    ])('refuses a wrong %s', (expression, from, to) => {
      const text = interchange();
      expect(text).toContain(from);
      expect(refusal(text.replace(from, to))).toEqual(claimError(expression));
    });

    it('counts SE01 per transaction set', () => {
      const text = interchange([group([transactionSet('0001'), transactionSet('0002')])]);
      expect(refusal(text.replace('SE*8*0002', 'SE*16*0002'))).toEqual(claimError('SE01'));
    });

    it.each([
      ['GS01', 'GS*HC*', 'GS*HP*'],
      ['GS08', `*X*${P}~`, '*X*004010X098A1~'],
      ['GS08', `*X*${P}~`, '*X*005010X221A1~'],
      ['GS08', `*X*${P}~`, `*X*${CANARY}~`],
      ['ST01', 'ST*837*', 'ST*835*'],
      ['ST03', `ST*837*0001*${P}`, `ST*837*0001*${I}`],
      ['ST03', `ST*837*0001*${P}`, 'ST*837*0001'],
      ['ST02', 'ST*837*0001*', 'ST*837*01*'],
      ['GS06', '1200*1*X', '1200*A*X'],
      ['ISA12', '*00501*', '*00401*'],
      ['ISA13', `*${ISA_CONTROL}*`, '*00000012A*'],
    ])('refuses a wrong %s', (expression, from, to) => {
      const text = interchange();
      expect(text).toContain(from);
      expect(refusal(text.replace(from, to))).toEqual(claimError(expression));
    });

    it('refuses a transaction set without a claim', () => {
      const noClaim = CLAIM.filter((s) => !s.startsWith('CLM'));
      expect(refusal(interchange([group([transactionSet('0001', noClaim)])]))).toEqual(claimError('CLM'));
    });

    it('refuses groups of different implementation guides', () => {
      const text = interchange([group(), group([transactionSet('0002', CLAIM, I)], '2', I)]);
      expect(refusal(text)).toEqual(claimError('GS08'));
    });

    it.each([
      ['GS', (t: string) => t.replace(/GS\*[^~]*~\n/, '').replace(/GE\*[^~]*~\n/, '')],
      ['ST', (t: string) => t.replace(/ST\*[^~]*~\n/, '')],
      ['SE', (t: string) => t.replace(/SE\*[^~]*~\n/, '')],
      ['GE', (t: string) => t.replace(/GE\*[^~]*~\n/, '')],
      ['IEA', (t: string) => t.replace(/IEA\*[^~]*~\n/, '')],
    ])('refuses a missing %s', (expression, cut) => {
      expect(refusal(cut(interchange()))).toEqual(claimError(expression));
    });

    // row 78: cut at a segment boundary, so it tokenizes but the envelope is open
    it('refuses an interchange cut after a whole segment', () => {
      const text = interchange();
      expect(refusal(text.slice(0, text.indexOf('LX*1')))).toEqual(claimError('SE'));
    });

    it('refuses a transaction set nested in another', () => {
      const text = interchange().replace('LX*1~', `LX*1~\n${transactionSet('0009').join('~\n')}~`);
      expect(refusal(text)).toEqual(claimError('SE'));
    });

    it('refuses a second interchange in the same body', () => {
      expect(refusal(interchange() + interchange([group()], '000000124'))).toEqual(claimError('IEA'));
    });

    it('refuses envelope segments with extra elements', () => {
      expect(refusal(interchange().replace('SE*8*0001', 'SE*8*0001*X'))).toEqual(claimError('SE'));
      expect(refusal(interchange().replace('GE*1*1', 'GE*1*1*X'))).toEqual(claimError('GE'));
    });

    // row 79: X12 has no escapes, so a delimiter in data always splits. Where that changes the
    // envelope (segment count, element count of envelope segments) it must not pass.
    it.each([
      ['a segment terminator followed by a valid segment id', `SMITH~NM1*JANE`, 'SE01'],
      // A complete, correctly counted forged set still leaves the real one short of a segment.
      ['a forged SE and ST', `SMITH~CLM*X*1~SE*5*0001~ST*837*0002*${P}~NM1*X`, 'SE01'],
    ])('refuses a name holding %s', (_, name, expression) => {
      expect(refusal(interchange().replace(CANARY, name))).toEqual(claimError(expression));
    });

    it('refuses a name holding a segment terminator that breaks the segment id', () => {
      expect(refusal(interchange().replace(CANARY, 'SMITH~JANE DOE')).code).toBe('invalid-x12');
    });

    it('refuses an element separator injected into an envelope element', () => {
      const text = interchange().replace('ST*837*0001*', 'ST*837*00*01*');
      expect(refusal(text)).toEqual(claimError('ST'));
    });

    it('does not check ISA15 (test or production is the caller’s policy)', () => {
      expect(validateX12Envelope(bytes(interchange().replace('*0*P*:', '*0*T*:'))).claims).toBe(1);
    });

    it('never puts submitted values in the error', () => {
      const cases = [
        interchange().replace(`*X*${P}~`, `*X*${CANARY}~`),
        interchange().replace('GS*HC*', 'GS*CANARY*'),
        interchange().replace(`IEA*1*${ISA_CONTROL}`, `IEA*1*${CANARY}`),
        interchange().replace('SE*8*0001', `SE*${CANARY}*0001`),
        interchange().replace(CANARY, `${CANARY}\u0000`),
        interchange().replace(CANARY, `${CANARY}~${CANARY}`),
      ];
      for (const text of cases) expect(['invalid-x12', 'invalid-claim']).toContain(refusal(text).code);
    });
  });
});

const corpus = path.resolve(repoRoot, '../shared/corpus/x12');

type Expected = 'accepted' | { code: 'invalid-x12' | 'invalid-claim'; expression?: string };
const x12Error: Expected = { code: 'invalid-x12' };
const se01: Expected = { code: 'invalid-claim', expression: 'SE01' };
const gs01: Expected = { code: 'invalid-claim', expression: 'GS01' };
const gs08: Expected = { code: 'invalid-claim', expression: 'GS08' };

/** Every corpus file, with what the door must answer; a new file without an entry fails the test. */
const EXPECTED: Record<string, Record<string, Expected>> = {
  'linuxforhealth-x12/837_005010X222A2': {},
  'linuxforhealth-x12/837_005010X223A3': {},
  'linuxforhealth-x12/demo-file': { 'demo.835': gs01 },
  'uhin-x12-parser-library': {},
  'linuxforhealth-x12/835_005010X221A1': { '*': gs01 },
  'tastypackets-x12-parser/835': { '*': gs01 },
  // ISA elements of non-standard widths (ISA13 has ten digits).
  'hzbarcea-x12-parser': { '*': x12Error },
  'linuxforhealth-x12/837_004010X096A1': {
    '*': gs08,
    // These hold a UTF-8 right single quotation mark (’) in a name: outside the X12 character set.
    'homeowners.837': x12Error,
    'workers-compensation.837': x12Error,
  },
  'linuxforhealth-x12/837_004010X098A1': { '*': gs08, 'dependent-commercial-insurance-02.837': x12Error },
  // The imsweb parser fixtures never maintain SE01 (always 25); a few also miscount GE01/IEA01.
  // (x223-test.txt has spaces after some terminators: layout, tolerated like line breaks.)
  'imsweb-x12-parser/837_5010': { '*': se01 },
  'imsweb-x12-parser/837_5010-malformed': {
    '*': se01, // loop- and code-level defects are the worker's; the door sees their bad SE01
    'x12_bad_first_line.txt': { code: 'invalid-x12', expression: 'ISA03' }, // ISA02 one space short
    'x12_bad_segment_identifier.txt': x12Error, // segments `*IC…`, `Nd4`, `NM31`
    'x12_no_isa_line.txt': { code: 'invalid-x12', expression: 'ISA' },
  },
};

describe.skipIf(!existsSync(corpus))('Corpus: ../shared/corpus/x12', () => {
  // A skipped describe's body still runs to collect its tests: read the corpus only when it is there.
  const cases = Object.entries(EXPECTED).flatMap(([folder, expected]) =>
    (existsSync(corpus) ? readdirSync(path.join(corpus, folder), { withFileTypes: true }) : [])
      .filter((entry) => entry.isFile())
      .map(
        (entry) => [`${folder}/${entry.name}`, expected[entry.name] ?? expected['*'] ?? 'accepted'] as const,
      ),
  );

  it('knows every file of the corpus', () => {
    const listed = new Set<string>(cases.map(([file]) => file));
    const all = readdirSync(corpus, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(corpus, path.join(entry.parentPath, entry.name)));
    expect(all.filter((file) => !listed.has(file))).toEqual([]);
    expect(cases.filter(([, expected]) => expected === 'accepted').length).toBeGreaterThanOrEqual(23);
  });

  it.each(cases)('%s', (file, expected) => {
    const body = readFileSync(path.join(corpus, file));
    if (expected === 'accepted') {
      const summary = validateX12Envelope(body);
      expect(summary.kind).toBe(summary.version.startsWith('005010X223') ? '837I' : '837P');
      expect(summary.claims).toBeGreaterThan(0);
    } else {
      const { code, expression } = refusal(body);
      expect({ code, ...(expected.expression === undefined ? {} : { expression }) }).toEqual(expected);
    }
  });

  it('accepts the imsweb 837 fixtures once their counts are repaired', () => {
    const folder = path.join(corpus, 'imsweb-x12-parser/837_5010');
    const results = Object.fromEntries(
      readdirSync(folder).map((name) => {
        const text = recountX12(readFileSync(path.join(folder, name), 'latin1'));
        try {
          return [name, validateX12Envelope(bytes(text)).claims];
        } catch (error) {
          return [
            name,
            isPipelineError(error) ? `${error.code} ${String(error.details?.expression)}` : 'crash',
          ];
        }
      }),
    );
    expect(results).toEqual({
      'x12_ambiguous_loop.txt': 1,
      'x12_complex.txt': 6,
      'x12_many_claims.txt': 820,
      'x12_multiple_gs.txt': 6,
      'x12_multiple_isa.txt': 'invalid-claim IEA', // two interchanges in one body
      'x12_multiple_st.txt': 4,
      'x12_multiple_transactions.txt': 'invalid-claim IEA', // 312 interchanges, one claim pair each
      'x12_no_errors.txt': 2,
      'x12_valid.txt': 2,
      'x12_valid_different_separators.txt': 2,
      'x12_writer_test.txt': 1,
      'x223-test.txt': 1,
    });
  });
});
