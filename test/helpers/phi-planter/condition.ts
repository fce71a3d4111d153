import type { Cast } from './cast.js';
import { SYSTEMS } from './constants.js';
import { coding, type Planter } from './context.js';
import { fmt } from './dates.js';
import type { JsonObject } from './types.js';

/**
 * The primary patient's Condition: a conditional reference to the patient, a contained relative, a
 * free-text note.
 */
export function plantCondition(w: Planter, cast: Cast): JsonObject {
  const { p, inText, keep, c, poolAt, dateTime, idOf } = w;
  const {
    mrnSystem,
    given,
    family,
    mrnDigits,
    mrn,
    ssnDigits,
    phoneParen,
    street,
    city,
    rpGiven,
    rpFamily,
    ids,
    primaryRef,
  } = cast;
  const onset = poolAt(1);
  const conditionNoteDate = poolAt(2);
  const rpContainedName = c.word();
  const rpContainedPhone = `${c.digits(3, '2345678')}-${c.digits(3, '2345678')}-${c.digits(4)}`;
  const conditionNote = `${given} ${family} (MRN ${mrnDigits}) seen ${fmt.long(conditionNoteDate)} after a fall at ${street}, ${city}. Daughter reachable at ${phoneParen}. SSN ${ssnDigits}.`;
  inText('Condition.note.text', [
    ['name', given],
    ['name', family],
    ['mrn', mrnDigits],
    ['free-text-date', conditionNoteDate, 'date'],
    ['street', street],
    ['city', city],
    ['phone', phoneParen],
    ['ssn', ssnDigits],
  ]);
  const condition: JsonObject = {
    resourceType: 'Condition',
    id: idOf(ids.condition),
    contained: [
      {
        resourceType: 'RelatedPerson',
        id: 'rp1',
        text: {
          status: 'generated',
          div: `<div xmlns="http://www.w3.org/1999/xhtml">${p('name', 'Condition.contained(RelatedPerson).text.div', rpContainedName)}, neighbour</div>`,
        },
        patient: { reference: primaryRef },
        name: [{ text: p('name', 'Condition.contained(RelatedPerson).name.text', rpContainedName) }],
        telecom: [
          {
            system: 'phone',
            value: p('phone', 'Condition.contained(RelatedPerson).telecom.value', rpContainedPhone),
          },
        ],
      },
    ],
    clinicalStatus: {
      coding: [coding('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active', 'Active')],
    },
    code: {
      coding: [
        keep(
          SYSTEMS.snomed,
          '263204007',
          `Fracture of wrist, ${p('name', 'Condition.code.coding.display', family)} household`,
        ),
        keep(SYSTEMS.icd10, 'S62.109A', 'Fracture of unspecified carpal bone'),
      ],
      text: `${p('name', 'Condition.code.text', given)}'s left wrist fracture`,
    },
    subject: { reference: `Patient?identifier=${mrnSystem}|${mrn}` },
    encounter: { reference: ids.encounter },
    onsetDateTime: dateTime(p('date', 'Condition.onsetDateTime', onset, 'date'), 9),
    asserter: { reference: '#rp1' },
    note: [
      {
        authorString: p('name', 'Condition.note.authorString', `${rpGiven} ${rpFamily}`),
        time: dateTime(onset, 11),
        text: conditionNote,
      },
    ],
  };
  return condition;
}

/** The elderly patient's Condition, with its own `urn:uuid:` fullUrl (not one of the cast's ids). */
export interface ElderlyCondition {
  readonly fullUrl: string;
  readonly resource: JsonObject;
}

/** The elderly patient's Condition, with an onset age over 89. */
export function plantElderlyCondition(w: Planter, cast: Cast): ElderlyCondition {
  const { p, keep, urn, idOf } = w;
  const { elderlySsn, elderlyAge } = cast;
  const elderlyConditionId = urn();
  const elderlyCondition: JsonObject = {
    resourceType: 'Condition',
    id: idOf(elderlyConditionId),
    clinicalStatus: {
      coding: [coding('http://terminology.hl7.org/CodeSystem/condition-clinical', 'remission', 'Remission')],
    },
    code: { coding: [keep(SYSTEMS.snomed, '52448006', 'Dementia')] },
    subject: { reference: `Patient/${elderlySsn}` },
    onsetAge: {
      value: Number(
        p('age-over-89', 'Condition(elderly).onsetAge', String(Number(elderlyAge) - 1), 'age-quantity'),
      ),
      unit: 'years',
      system: SYSTEMS.ucum,
      code: 'a',
    },
    // An age as a Range whose low bound alone is over 89.
    abatementRange: {
      low: {
        value: Number(p('age-over-89', 'Condition(elderly).abatementRange.low', elderlyAge, 'age-quantity')),
        unit: 'years',
      },
    },
  };
  return { fullUrl: elderlyConditionId, resource: elderlyCondition };
}
