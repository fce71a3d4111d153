import { describe, expect, it } from 'vitest';
import { builtInProfile } from '../../../shared/core/deid/contract.js';
import { engineFor, type Json } from './support/deid-fixtures.js';

/**
 * Ages over 89 are a leak class wherever they are written, not only as an Age: a Range, a number
 * next to an age code or an age question, a kept display. Under Safe Harbor each becomes "90 or more".
 */
const UCUM = 'http://unitsofmeasure.org';
const years = (value: number): Json => ({ value, unit: 'years', system: UCUM, code: 'a' });
const AGE90 = { value: 90, comparator: '>=', unit: 'years', system: UCUM, code: 'a' };
const BOUND90 = { value: 90, unit: 'years', system: UCUM, code: 'a' };
const subject = { reference: 'Patient/p1' };
const loinc = (code: string): Json => ({ coding: [{ system: 'http://loinc.org', code }] });

const PLACES: readonly (readonly [string, Json, (out: Json) => unknown, unknown])[] = [
  [
    'FamilyMemberHistory.ageRange',
    {
      resourceType: 'FamilyMemberHistory',
      id: 'f1',
      status: 'completed',
      patient: subject,
      relationship: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'MTH' }],
      },
      ageRange: { low: years(93), high: years(97) },
    },
    (out) => out.ageRange,
    { low: BOUND90 },
  ],
  [
    'Condition.onsetRange (unitless)',
    {
      resourceType: 'Condition',
      id: 'c1',
      code: loinc('52448-0'),
      subject,
      onsetRange: { low: { value: 91 }, high: { value: 94 } },
    },
    (out) => out.onsetRange,
    { low: BOUND90 },
  ],
  [
    'Procedure.performedRange',
    {
      resourceType: 'Procedure',
      id: 'pr1',
      status: 'completed',
      code: loinc('24627-2'),
      subject,
      performedRange: { low: years(80), high: years(95) },
    },
    (out) => out.performedRange,
    { low: years(80) },
  ],
  [
    'Observation.valueRange with an age code',
    {
      resourceType: 'Observation',
      id: 'o1',
      status: 'final',
      code: loinc('30525-0'),
      subject,
      valueRange: { low: { value: 92 }, high: { value: 96 } },
    },
    (out) => out.valueRange,
    { low: BOUND90 },
  ],
  [
    'Observation.valueInteger with an age code',
    {
      resourceType: 'Observation',
      id: 'o2',
      status: 'final',
      code: loinc('21612-7'),
      subject,
      valueInteger: 94,
    },
    (out) => [out.valueInteger, out.valueQuantity],
    [undefined, AGE90],
  ],
  [
    'QuestionnaireResponse integer, decimal and Quantity answers to age questions, nested too',
    {
      resourceType: 'QuestionnaireResponse',
      id: 'q1',
      status: 'completed',
      subject,
      item: [
        { linkId: 'age', text: 'Age', answer: [{ valueInteger: 93 }] },
        {
          linkId: 'mother',
          item: [{ linkId: 'mother-age', text: "Mother's age at death", answer: [{ valueDecimal: 98.5 }] }],
        },
        { linkId: 'q9', text: 'How old is the patient?', answer: [{ valueQuantity: years(101) }] },
        { linkId: 'pain', text: 'Pain score', answer: [{ valueInteger: 7 }] },
      ],
    },
    (out) => {
      const items = out.item as Json[];
      const nested = (items[1]?.item as Json[] | undefined)?.[0];
      return [items[0]?.answer, nested?.answer, items[2]?.answer, items[3]?.answer];
    },
    [
      [{ valueQuantity: AGE90 }],
      [{ valueQuantity: AGE90 }],
      [{ valueQuantity: AGE90 }],
      [{ valueInteger: 7 }],
    ],
  ],
];

describe('ages over 89 in other places, under safe-harbor', () => {
  const engine = engineFor(builtInProfile('safe-harbor'));

  it.each(PLACES)('%s becomes "90 or more"', (_place, resource, pick, expected) => {
    const out = engine.deidentifyResource(resource).output as Json;
    expect(pick(out)).toEqual(expected);
    expect(JSON.stringify(out)).not.toMatch(/"value(?:Integer|Decimal)?":\s*(?:9[1-9]|1\d\d)\b/);
  });

  it('drops a kept display or text that states an age over 89', () => {
    const patient = { resourceType: 'Patient', id: 'p1', name: [{ family: 'Roe' }], gender: 'female' };
    const condition = {
      resourceType: 'Condition',
      id: 'c2',
      subject,
      code: {
        coding: [{ system: 'http://snomed.info/sct', code: '52448006', display: 'Dementia, 93 y/o' }],
        text: 'Dementia, 93 y/o',
      },
    };
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: patient }, { resource: condition }],
    };
    const out = (engine.deidentifyBundle(bundle).output.entry as Json[])[1]?.resource as Json;
    expect(out.code).toEqual({ coding: [{ system: 'http://snomed.info/sct', code: '52448006' }] });
  });
});

describe('ages over 89 under limited-data-set', () => {
  it('are kept, as the profile allows', () => {
    const engine = engineFor(builtInProfile('limited-data-set'));
    const [, family] = PLACES[0] ?? [];
    const out = engine.deidentifyResource(family as Json).output as Json;
    expect(out.ageRange).toEqual({ low: years(93), high: years(97) });
  });
});
