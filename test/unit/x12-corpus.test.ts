import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isPipelineError } from '../../shared/core/errors.js';
import type { X12Issue, X12ReadResult } from '../../shared/core/x12/read-model.js';
import { claimFileAccepted, validateClaimFile } from '../../shared/core/x12/validate.js';
import { recountX12 } from '../helpers/x12-counts.js';

/**
 * The loop-aware reader over the whole X12 corpus (../shared/corpus/x12) with the real 837P/837I
 * guides: what it accepts, and where it finds each file's defects. Expressions name positions,
 * never values.
 */

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = path.resolve(repoRoot, '../shared/corpus/x12');

const repairCounts = (bytes: Uint8Array): Uint8Array =>
  new TextEncoder().encode(recountX12(new TextDecoder('latin1').decode(bytes)));
const read = (file: string) => readFileSync(path.join(corpus, file));
const expressions = (result: X12ReadResult) =>
  result.issues.map((i) => `${i.expression} ${i.ack.level}:${i.ack.code}`);

/** The component separator a file declares in ISA16, replaced. */
function withIsa16(bytes: Uint8Array, separator: string): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[104] = separator.charCodeAt(0);
  return copy;
}

function thrown(run: () => unknown): { code: string; expression: unknown } | undefined {
  try {
    run();
  } catch (error) {
    if (!isPipelineError(error)) throw error;
    return { code: error.code, expression: error.details?.expression };
  }
  return undefined;
}

const kinds = (issues: readonly X12Issue[]) =>
  [
    ...new Set(issues.map((i) => `${i.expression.replace(/\[\d+\]/, '[]')} ${i.ack.level}:${i.ack.code}`)),
  ].sort();

describe.skipIf(!existsSync(corpus))('Corpus: the loop-aware reader', () => {
  describe('valid 005010 837s', () => {
    const accepted = [
      'linuxforhealth-x12/837_005010X222A2/demo.autoaccident.837',
      'linuxforhealth-x12/837_005010X222A2/demo.cob.example3.B.837',
      'linuxforhealth-x12/837_005010X222A2/demo.cob.example3.C.837',
      'linuxforhealth-x12/837_005010X222A2/demo.drug.example10.1.837',
      'linuxforhealth-x12/837_005010X222A2/demo.drug.example10.2.837',
      'linuxforhealth-x12/837_005010X222A2/demo.drug.example10.3.837',
      'linuxforhealth-x12/837_005010X222A2/demo.example1.837',
      'linuxforhealth-x12/837_005010X222A2/demo.example2.837',
      'linuxforhealth-x12/837_005010X222A2/demo.example7.837',
      'linuxforhealth-x12/837_005010X222A2/demo.example8.837',
      'linuxforhealth-x12/837_005010X223A3/institutional-claim.837i',
      'linuxforhealth-x12/837_005010X223A3/two-claims-single-provider.837i',
      'linuxforhealth-x12/demo-file/demo.837',
      'linuxforhealth-x12/demo-file/demo.837i',
      'uhin-x12-parser-library/837.edi',
    ];
    it.each(accepted)('accepts %s', (file) => {
      const result = validateClaimFile(read(file));
      expect(expressions(result)).toEqual([]);
      expect(claimFileAccepted(result)).toBe(true);
      expect(result.interchanges[0]?.groups[0]?.sets[0]?.accepted).toBe(true);
    });

    // Published examples that break their own guide, each at a named place.
    const defective: [string, string[]][] = [
      // CLM05 `41::1`: the facility code qualifier (CLM05-2) is required.
      ['linuxforhealth-x12/837_005010X222A2/demo.ambulance.example5.837', ['2300/CLM[21]/CLM05-2 IK4:1']],
      // A 2320 other-subscriber loop without its required other payer name (2330B).
      ['linuxforhealth-x12/837_005010X222A2/demo.cob.example3.A.837', ['2330B/NM1[42] IK3:3']],
      // AMT F2 is a 4010 qualifier; 5010's 2320 AMT takes D, A8 or EAF, once each.
      [
        'linuxforhealth-x12/837_005010X222A2/demo.cob.example4.837',
        ['2320/AMT[29] IK3:5', '2320/AMT[29]/AMT01 IK4:7'],
      ],
    ];
    it.each(defective)('refuses %s at its defect', (file, expected) => {
      expect(expressions(validateClaimFile(read(file)))).toEqual(expected);
    });

    // ISA16 declares `:` but the composites use `>`: read as declared, CLM05 is one long value.
    // With ISA16 set to `>` each reads clean, but for demo.example9's SV107-1 `1.00` (a pointer is an integer).
    const separatorMismatch: [string, string, string[]][] = [
      ['linuxforhealth-x12/837_005010X222A2/demo.cob.2ndary.example4.837', '2300/CLM[19]/CLM05-1 IK4:5', []],
      ['linuxforhealth-x12/837_005010X222A2/demo.example11.837', '2300/CLM[19]/CLM05-1 IK4:5', []],
      ['linuxforhealth-x12/837_005010X222A2/demo.example12.837', '2300/CLM[24]/CLM05-1 IK4:5', []],
      ['linuxforhealth-x12/837_005010X222A2/demo.example6.837', '2300/CLM[19]/CLM05-1 IK4:5', []],
      [
        'linuxforhealth-x12/837_005010X222A2/demo.example9.837',
        '2300/CLM[18]/CLM05-1 IK4:5',
        ['2400/SV1[27]/SV107-1 IK4:6'],
      ],
      [
        'linuxforhealth-x12/837_005010X223A3/out-of-network-repriced-claim.837i',
        '2300/CLM[18]/CLM05-1 IK4:5',
        [],
      ],
      ['linuxforhealth-x12/837_005010X223A3/ppo-repriced-claim.837i', '2300/CLM[24]/CLM05-1 IK4:5', []],
    ];
    it.each(separatorMismatch)(
      'refuses %s, whose ISA16 is not the separator it uses',
      (file, first, corrected) => {
        const bytes = read(file);
        expect(expressions(validateClaimFile(bytes))[0]).toBe(first);
        expect(expressions(validateClaimFile(withIsa16(bytes, '>')))).toEqual(corrected);
      },
    );

    it('knows every 005010 837 of the corpus', () => {
      const folders = [
        'linuxforhealth-x12/837_005010X222A2',
        'linuxforhealth-x12/837_005010X223A3',
        'uhin-x12-parser-library',
      ];
      const listed = new Set([
        ...accepted,
        ...defective.map(([f]) => f),
        ...separatorMismatch.map(([f]) => f),
      ]);
      const all = folders.flatMap((folder) =>
        readdirSync(path.join(corpus, folder)).map((name) => `${folder}/${name}`),
      );
      expect(all.filter((file) => !listed.has(file))).toEqual([]);
    });
  });

  describe('imsweb 837 fixtures: SE01 is refused, and is all that recounting changes', () => {
    const folder = 'imsweb-x12-parser/837_5010';
    /**
     * The fixtures' own defects, present with or without the recount: HI written `HI*BK*8901*BF*…`
     * (code and value as two elements, not a composite), CLM02 500 against 12.25 of lines,
     * subscribers numbered HL 2 twice with parent 3, SBR02 empty without a 2000C, HL04 1 without a
     * child; x12_complex also has NM108/OI04 codes and 2330C without its REF; x12_multiple_st
     * repeats ST02.
     */
    const FIXTURE_DEFECTS = new Set([
      '2000A/HL[]/HL01 IK4:7',
      '2000B/HL[]/HL01 IK4:7',
      '2000B/HL[]/HL02 IK4:7',
      '2000B/HL[]/HL04 IK4:7',
      '2000B/SBR[]/SBR02 IK4:I9',
      '2300/CLM[]/CLM02 IK4:I12',
      '2300/HI[]/HI01-2 IK4:1',
      '2300/HI[]/HI02-1 IK4:7',
      '2300/HI[]/HI02-2 IK4:1',
      '2300/HI[]/HI03-2 IK4:1',
      '2300/HI[]/HI04-1 IK4:7',
      '2300/HI[]/HI04-2 IK4:1',
      '2310B/NM1[]/NM108 IK4:7',
      '2420D/NM1[]/NM108 IK4:7',
      '2320/OI[]/OI04 IK4:7',
      '2330C/REF[] IK3:3',
      'ST02 SET:23',
    ]);
    /**
     * x223-test.txt is an 837I written with 837P habits: CLM05-2 `B` (the 837I takes `A`), CLM10
     * (not used in the 837I), DTP 435 before DTP 434, the service facility NM1 77 after the 2320
     * loops (read as a 2330F), and DTP 304 in a 2400.
     */
    const X223_DEFECTS = new Set([
      '2300/CLM[]/CLM05-2 IK4:7',
      '2300/CLM[]/CLM10 IK4:10',
      '2300/DTP[] IK3:7',
      '2330F/NM1[]/NM103 IK4:10',
      '2330F/NM1[]/NM108 IK4:10',
      '2330F/NM1[]/NM109 IK4:10',
      '2330F/REF[] IK3:3',
      '2400/DTP[] IK3:5',
      '2400/DTP[]/DTP01 IK4:7',
    ]);
    const files = existsSync(corpus) ? readdirSync(path.join(corpus, folder)) : [];

    it.each(files)('%s', (name) => {
      const bytes = read(`${folder}/${name}`);
      const before = validateClaimFile(bytes, { maxIssues: 100_000 });
      const after = validateClaimFile(repairCounts(bytes), { maxIssues: 100_000 });
      const counts = before.issues.filter((i) => ['SE01', 'GE01', 'IEA01'].includes(i.expression));
      expect(counts.map((i) => i.expression)).toContain('SE01');
      expect(after.issues.filter((i) => ['SE01', 'GE01', 'IEA01'].includes(i.expression))).toEqual([]);
      expect(expressions(after)).toEqual(
        expressions({ ...before, issues: before.issues.filter((i) => !counts.includes(i)) }),
      );
      const known = (kind: string) =>
        FIXTURE_DEFECTS.has(kind) || (name === 'x223-test.txt' && X223_DEFECTS.has(kind));
      expect(kinds(after.issues).filter((kind) => !known(kind))).toEqual([]);
    });

    it('reads two interchanges in one file (x12_multiple_isa.txt)', () => {
      const result = validateClaimFile(read(`${folder}/x12_multiple_isa.txt`));
      expect(result.interchanges.map((i) => i.control)).toEqual(['000000905', '000000906']);
      expect(result.issues.filter((i) => i.expression === 'SE01').map((i) => i.interchange)).toEqual([0, 1]);
    });
  });

  describe('imsweb malformed 837s: refused at the position of their defect', () => {
    const folder = 'imsweb-x12-parser/837_5010-malformed';
    const EXPECTED: Record<string, string[]> = {
      // `*IC…`, `Nd4`, `NM31`: not segment ids; the segments they stand for are then missing.
      'x12_bad_segment_identifier.txt': [
        '1000A/?[4] IK3:1',
        '1000A/PER[5] IK3:3',
        '2010AA/?[9] IK3:1',
        '2010AA/N4[10] IK3:3',
        '2000B/?[18] IK3:1',
        '2010BA/NM1[19] IK3:3',
      ],
      'x12_bad_valid_code.txt': ['2010AA/NM1[7]/NM101 IK4:7'],
      'x12_loop_errors1_exceeds_max_1_parent.txt': ['2010AA/NM1[13] IK3:4'],
      'x12_loop_errors2_exceeds_max_repeats_multiple_parents.txt': ['2010AA/NM1[32] IK3:4'],
      'x12_loop_errors3_missing_loops.txt': ['2010AA/NM1[7] IK3:3'],
      'x12_missing_elements.txt': ['1000B/NM1[5]/NM102 IK4:1', '2300/CLM[29]/CLM05 IK4:1'],
      'x12_missing_required_loop_in_one_repeat.txt': ['2010BA/NM1[18] IK3:3'],
      // Two service lines without their LX (the 2400 trigger); one DTP has format RD9.
      'x12_missing_required_loops_mult_repeats.txt': [
        '2400/LX[31] IK3:3',
        '2400/DTP[32]/DTP02 IK4:7',
        '2400/LX[57] IK3:3',
      ],
      'x12_segment_errors.txt': ['2010AA/N3[8] IK3:3', '2010AA/REF[10] IK3:5', '2300/HI[20] IK3:3'],
      'x12_segments_out_of_order.txt': ['2010AA/N4[10] IK3:7', '2010AB/N3[15] IK3:7'],
    };
    const UNREADABLE: Record<string, unknown> = {
      'x12_bad_first_line.txt': 'ISA03', // ISA02 one space short
      'x12_no_isa_line.txt': 'ISA',
    };

    it('knows every malformed file', () => {
      expect(readdirSync(path.join(corpus, folder)).sort()).toEqual(
        [...Object.keys(EXPECTED), ...Object.keys(UNREADABLE)].sort(),
      );
    });

    it.each(Object.entries(EXPECTED))('%s', (name, expected) => {
      const bytes = read(`${folder}/${name}`);
      for (const version of [bytes, repairCounts(bytes)]) {
        const result = validateClaimFile(version);
        expect(claimFileAccepted(result)).toBe(false);
        expect(expressions(result)).toEqual(expect.arrayContaining(expected));
      }
    });

    it.each(Object.entries(UNREADABLE))('%s does not tokenize', (name, expression) => {
      expect(thrown(() => validateClaimFile(read(`${folder}/${name}`)))).toEqual({
        code: 'invalid-x12',
        expression,
      });
    });
  });

  describe('other files: refused', () => {
    const folders = [
      'linuxforhealth-x12/837_004010X096A1',
      'linuxforhealth-x12/837_004010X098A1',
      'linuxforhealth-x12/835_005010X221A1',
      'tastypackets-x12-parser/835',
      'hzbarcea-x12-parser',
    ];
    const files = existsSync(corpus)
      ? [
          ...folders.flatMap((f) => readdirSync(path.join(corpus, f)).map((n) => `${f}/${n}`)),
          'linuxforhealth-x12/demo-file/demo.835',
        ]
      : [];
    it.each(files)('%s', (file) => {
      const error = thrown(() => validateClaimFile(read(file)));
      if (error !== undefined) {
        // ISA widths off (hzbarcea) or a UTF-8 quotation mark in a name (three 4010 files).
        expect(error.code).toBe('invalid-x12');
        return;
      }
      const result = validateClaimFile(read(file));
      expect(claimFileAccepted(result)).toBe(false);
      expect(result.issues[0]?.expression).toBe('GS08');
    });
  });
});
