import type {
  ComponentDef,
  ElementDef,
  LoopDef,
  SegmentDef,
  TransactionGuide,
  Usage,
  X12DataType,
} from '../../shared/core/x12/guide/model.js';

/**
 * A small 837P-shaped guide written for the reader's tests, independent of the real guide data:
 * the loops and HL levels of the 837P with a few segments each, so the engine's rules are tested
 * on a guide whose every line the test can see.
 */

const el = (
  name: string,
  usage: Usage,
  type: X12DataType,
  min: number,
  max: number,
  codes?: string[],
): ElementDef => ({ name, usage, type, min, max, ...(codes ? { codes } : {}) });
const comp = (
  name: string,
  usage: Usage,
  type: X12DataType,
  min: number,
  max: number,
  codes?: string[],
): ComponentDef => ({
  name,
  usage,
  type,
  min,
  max,
  ...(codes ? { codes } : {}),
});
const composite = (name: string, usage: Usage, components: ComponentDef[]): ElementDef => ({
  name,
  usage,
  type: 'AN',
  min: 1,
  max: 100,
  components,
});
const seg = (
  id: string,
  usage: 'R' | 'S',
  max: number,
  elements: ElementDef[],
  match?: { element: number; values: string[] },
): SegmentDef => ({
  kind: 'segment',
  id,
  name: `${id} segment`,
  usage,
  max,
  elements,
  ...(match ? { match } : {}),
});
const loop = (id: string, usage: 'R' | 'S', max: number, children: (SegmentDef | LoopDef)[]): LoopDef => ({
  kind: 'loop',
  id,
  name: `Loop ${id}`,
  usage,
  max,
  children,
});
const MANY = Number.POSITIVE_INFINITY;

const nm1 = (codes: string[], idUsage: Usage = 'S') =>
  seg(
    'NM1',
    'R',
    1,
    [
      el('Entity Identifier Code', 'R', 'ID', 2, 3, codes),
      el('Entity Type Qualifier', 'R', 'ID', 1, 1, ['1', '2']),
      el('Last or Organization Name', 'S', 'AN', 1, 60),
      el('First Name', 'S', 'AN', 1, 35),
      el('Middle Name', 'S', 'AN', 1, 25),
      el('Name Prefix', 'N', 'AN', 1, 10),
      el('Name Suffix', 'S', 'AN', 1, 10),
      el('Identification Code Qualifier', idUsage, 'ID', 1, 2, ['46', 'XX', 'MI', 'PI', 'II']),
      el('Identification Code', idUsage, 'AN', 2, 80),
    ],
    { element: 1, values: codes },
  );
const n3 = (usage: 'R' | 'S') =>
  seg('N3', usage, 1, [
    el('Address Information', 'R', 'AN', 1, 55),
    el('Address Information', 'S', 'AN', 1, 55),
  ]);
const n4 = (usage: 'R' | 'S') =>
  seg('N4', usage, 1, [
    el('City Name', 'R', 'AN', 2, 30),
    el('State or Province Code', 'S', 'ID', 2, 2),
    el('Postal Code', 'S', 'ID', 3, 15),
  ]);
const hl = (level: string) =>
  seg(
    'HL',
    'R',
    1,
    [
      el('Hierarchical ID Number', 'R', 'AN', 1, 12),
      el('Hierarchical Parent ID Number', level === '20' ? 'N' : 'R', 'AN', 1, 12),
      el('Hierarchical Level Code', 'R', 'ID', 1, 2, [level]),
      el('Hierarchical Child Code', 'R', 'ID', 1, 1, ['0', '1']),
    ],
    { element: 3, values: [level] },
  );
const dtp = (usage: 'R' | 'S', qualifiers: string[], formats: string[]) =>
  seg(
    'DTP',
    usage,
    1,
    [
      el('Date Time Qualifier', 'R', 'ID', 3, 3, qualifiers),
      el('Date Time Period Format Qualifier', 'R', 'ID', 2, 3, formats),
      el('Date Time Period', 'R', 'AN', 1, 35),
    ],
    { element: 1, values: qualifiers },
  );

const claim = loop('2300', 'R', 100, [
  seg('CLM', 'R', 1, [
    el('Patient Control Number', 'R', 'AN', 1, 38),
    el('Total Claim Charge Amount', 'R', 'R', 1, 18),
    el('Not used', 'N', 'AN', 1, 1),
    el('Not used', 'N', 'AN', 1, 1),
    composite('Health Care Service Location Information', 'R', [
      comp('Place of Service Code', 'R', 'AN', 1, 2),
      comp('Facility Code Qualifier', 'R', 'ID', 1, 2, ['B']),
      comp('Claim Frequency Type Code', 'R', 'ID', 1, 1, ['1', '7', '8']),
    ]),
    el('Provider Signature Indicator', 'R', 'ID', 1, 1, ['Y', 'N']),
  ]),
  dtp('S', ['431'], ['D8']),
  seg('HI', 'R', 1, [
    composite('Health Care Code Information', 'R', [
      comp('Code List Qualifier Code', 'R', 'ID', 1, 3, ['ABK', 'BK']),
      comp('Industry Code', 'R', 'AN', 1, 30),
    ]),
    composite('Health Care Code Information', 'S', [
      comp('Code List Qualifier Code', 'R', 'ID', 1, 3, ['ABF', 'BF']),
      comp('Industry Code', 'R', 'AN', 1, 30),
    ]),
  ]),
  loop('2310B', 'S', 1, [nm1(['82'], 'R')]),
  loop('2400', 'R', 50, [
    seg('LX', 'R', 1, [el('Assigned Number', 'R', 'N0', 1, 6)]),
    seg('SV1', 'R', 1, [
      composite('Composite Medical Procedure Identifier', 'R', [
        comp('Product or Service ID Qualifier', 'R', 'ID', 2, 2, ['HC', 'ER']),
        comp('Procedure Code', 'R', 'AN', 1, 48),
        comp('Procedure Modifier', 'S', 'AN', 2, 2),
      ]),
      el('Line Item Charge Amount', 'R', 'R', 1, 18),
      el('Unit or Basis for Measurement Code', 'R', 'ID', 2, 2, ['MJ', 'UN']),
      el('Service Unit Count', 'R', 'R', 1, 15),
    ]),
    dtp('R', ['472'], ['D8', 'RD8']),
  ]),
]);

const body = loop('ST', 'R', 1, [
  seg('ST', 'R', 1, [
    el('Transaction Set Identifier Code', 'R', 'ID', 3, 3, ['837']),
    el('Transaction Set Control Number', 'R', 'AN', 4, 9),
    el('Implementation Convention Reference', 'R', 'AN', 1, 35),
  ]),
  loop('HEADER', 'R', 1, [
    seg('BHT', 'R', 1, [
      el('Hierarchical Structure Code', 'R', 'ID', 4, 4, ['0019']),
      el('Transaction Set Purpose Code', 'R', 'ID', 2, 2, ['00', '18']),
      el('Originator Application Transaction Identifier', 'R', 'AN', 1, 50),
      el('Transaction Set Creation Date', 'R', 'DT', 8, 8),
      el('Transaction Set Creation Time', 'R', 'TM', 4, 8),
      el('Claim or Encounter Identifier', 'R', 'ID', 2, 2, ['31', 'CH', 'RP']),
    ]),
    loop('1000A', 'R', 1, [
      nm1(['41'], 'R'),
      seg('PER', 'R', 2, [
        el('Contact Function Code', 'R', 'ID', 2, 2, ['IC']),
        el('Name', 'S', 'AN', 1, 60),
        el('Communication Number Qualifier', 'R', 'ID', 2, 2, ['EM', 'FX', 'TE']),
        el('Communication Number', 'R', 'AN', 1, 256),
      ]),
    ]),
    loop('1000B', 'R', 1, [nm1(['40'], 'R')]),
  ]),
  loop('2000A', 'R', MANY, [
    hl('20'),
    loop('2010AA', 'R', 1, [
      nm1(['85'], 'R'),
      n3('R'),
      n4('R'),
      seg(
        'REF',
        'R',
        1,
        [
          el('Reference Identification Qualifier', 'R', 'ID', 2, 3, ['EI', 'SY']),
          el('Reference Identification', 'R', 'AN', 1, 50),
        ],
        {
          element: 1,
          values: ['EI', 'SY'],
        },
      ),
    ]),
    loop('2000B', 'R', MANY, [
      hl('22'),
      seg('SBR', 'R', 1, [
        el('Payer Responsibility Sequence Number Code', 'R', 'ID', 1, 1, ['P', 'S', 'T']),
        el('Individual Relationship Code', 'S', 'ID', 2, 2, ['18']),
      ]),
      seg('PAT', 'S', 1, [el('Not used', 'N', 'ID', 2, 2), el('Not used', 'N', 'ID', 1, 1)]),
      loop('2010BA', 'R', 1, [
        nm1(['IL']),
        n3('S'),
        n4('S'),
        seg('DMG', 'S', 1, [
          el('Date Time Period Format Qualifier', 'R', 'ID', 2, 3, ['D8']),
          el('Date Time Period', 'R', 'AN', 1, 35),
          el('Gender Code', 'R', 'ID', 1, 1, ['F', 'M', 'U']),
        ]),
      ]),
      loop('2010BB', 'R', 1, [nm1(['PR'], 'R')]),
      { ...claim, usage: 'S' },
      loop('2000C', 'S', MANY, [
        hl('23'),
        seg('PAT', 'R', 1, [
          el('Individual Relationship Code', 'R', 'ID', 2, 2, [
            '01',
            '19',
            '20',
            '21',
            '39',
            '40',
            '53',
            'G8',
          ]),
        ]),
        loop('2010CA', 'R', 1, [nm1(['QC']), n3('R'), n4('R')]),
        claim,
      ]),
    ]),
  ]),
  seg('SE', 'R', 1, [
    el('Number of Included Segments', 'R', 'N0', 1, 10),
    el('Transaction Set Control Number', 'R', 'AN', 4, 9),
  ]),
]);

export const TEST_GUIDE: TransactionGuide = {
  version: '005010X222A1',
  name: '837P',
  transactionSet: '837',
  functionalGroup: 'HC',
  body,
};

export const testGuides = (version: string): TransactionGuide | undefined =>
  version === TEST_GUIDE.version ? TEST_GUIDE : undefined;

/** A claim file as lines (no terminators), with ISA/GS/GE/IEA and a correct SE01 around `set`. */
export function envelope(
  set: readonly string[],
  options: { control?: string; separators?: { element: string; component: string; segment: string } } = {},
): string {
  const control = options.control ?? '000000123';
  const lines = [
    `ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *230101*1200*^*00501*${control}*0*P*:`,
    'GS*HC*SENDER*RECEIVER*20230101*1200*1*X*005010X222A1',
    'ST*837*0001*005010X222A1',
    ...set,
    `SE*${set.length + 2}*0001`,
    'GE*1*1',
    `IEA*1*${control}`,
  ];
  const text = `${lines.join('~\n')}~\n`;
  const s = options.separators;
  if (s === undefined) return text;
  return text.replace(/[*:~]/g, (c) => (c === '*' ? s.element : c === ':' ? s.component : s.segment));
}

/** A valid set body: billing provider, a subscriber who is the patient with a claim, and a subscriber with a dependent patient. */
export const VALID_SET: readonly string[] = [
  'BHT*0019*00*0123*20230101*0932*CH',
  'NM1*41*2*SUBMITTER CO*****46*999999999',
  'PER*IC*CONTACT*TE*5555550100',
  'NM1*40*2*RECEIVER CO*****46*111222333',
  'HL*1**20*1',
  'NM1*85*2*BILLING GROUP*****XX*1234567890',
  'N3*1 MAIN ST',
  'N4*TOWN*MD*20705',
  'REF*EI*123456789',
  'HL*2*1*22*0',
  'SBR*P*18',
  'NM1*IL*1*DOE*JOHN****MI*123456',
  'DMG*D8*19611124*M',
  'NM1*PR*2*PAYER CO*****PI*11122333',
  'CLM*A1*100.50***11:B:1*Y',
  'DTP*431*D8*20230101',
  'HI*ABK:J45*ABF:E11',
  'LX*1',
  'SV1*HC:99211:25*60.25*UN*1',
  'DTP*472*D8*20230105',
  'LX*2',
  'SV1*HC:99212*40.25*UN*1',
  'DTP*472*RD8*20230105-20230106',
  'HL*3*1*22*1',
  'SBR*S',
  'NM1*IL*1*ROE*JANE****MI*654321',
  'NM1*PR*2*PAYER CO*****PI*11122333',
  'HL*4*3*23*0',
  'PAT*19',
  'NM1*QC*1*ROE*JIM',
  'N3*2 MAIN ST',
  'N4*TOWN*MD*20705',
  'CLM*B1*12***11:B:1*Y',
  'HI*ABK:J45',
  'LX*1',
  'SV1*HC:99211*12*UN*1',
  'DTP*472*D8*20230105',
];
