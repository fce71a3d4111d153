import type { Cast } from './cast.js';
import { LOCAL_CODES, SYSTEMS } from './constants.js';
import { coding, type Planter } from './context.js';
import { fmt } from './dates.js';
import type { JsonObject } from './types.js';

/** The date pool's day of the vital signs, which the social history shares. */
const VITALS_DAY = 3;

/** Vital signs, with dates, an email and an IP address in the note. */
export function plantVitals(w: Planter, cast: Cast): JsonObject {
  const { p, inText, keep, poolAt, dateTime, idOf } = w;
  const { email, encounterId, ipv4, primaryFullUrl, ids, employer, street } = cast;
  const vitalsDate = poolAt(VITALS_DAY);
  const vitalsNoteDate = poolAt(4);
  inText('Observation.note.text', [
    ['free-text-date', vitalsNoteDate, 'date'],
    ['email', email],
    ['ip', ipv4],
  ]);
  const vitals: JsonObject = {
    resourceType: 'Observation',
    id: idOf(ids.vitals),
    status: 'final',
    category: [
      {
        coding: [
          coding('http://terminology.hl7.org/CodeSystem/observation-category', 'vital-signs', 'Vital Signs'),
        ],
      },
    ],
    code: {
      coding: [
        keep(SYSTEMS.loinc, '8867-4', 'Heart rate'),
        // A local coding whose display repeats the employer named only in Patient.contact.
        coding(
          LOCAL_CODES,
          'OCC-HR',
          `Occupational screening, ${p('employer', 'Observation.code.coding.display', employer)}`,
        ),
      ],
    },
    subject: { reference: primaryFullUrl },
    encounter: { reference: `Encounter/${encounterId}` },
    effectiveDateTime: dateTime(p('date', 'Observation.effectiveDateTime', vitalsDate, 'date'), 10),
    performer: [{ reference: ids.practitioner, display: 'Dr. Pat Provider' }],
    valueQuantity: { value: 72, unit: '/min', system: SYSTEMS.ucum, code: '/min' },
    // A kept string (a unit) that repeats the patient's street.
    component: [
      {
        code: { coding: [coding(LOCAL_CODES, 'SITE', 'Measurement site')] },
        valueQuantity: { value: 1, unit: p('street', 'Observation.component.valueQuantity.unit', street) },
      },
    ],
    note: [
      {
        text: `Repeat on ${fmt.us(vitalsNoteDate)}; results mailed to ${email}, portal login from ${ipv4}.`,
      },
    ],
  };
  return vitals;
}

/** A social-history Observation whose free-text values name people, a phone and a licence plate. */
export function plantSocialHistory(w: Planter, cast: Cast): JsonObject {
  const { p, inText, keep, c, poolAt, dateTime, idOf } = w;
  const { given, mobile, rpGiven, rpFamily, plate, ids, primaryRef } = cast;
  const socialName = c.word();
  const vitalsDate = poolAt(VITALS_DAY);
  inText('Observation.valueString', [
    ['name', socialName],
    ['phone', mobile],
    ['license-plate', plate],
  ]);
  inText('Observation.component.valueString', [['name', rpGiven]]);
  const social: JsonObject = {
    resourceType: 'Observation',
    id: idOf(ids.social),
    status: 'final',
    code: {
      coding: [keep(SYSTEMS.loinc, '63512-8', 'How many people are living or staying at this address')],
    },
    subject: { reference: primaryRef, display: p('name', 'Observation.subject.display', given) },
    effectiveDateTime: dateTime(vitalsDate, 11),
    valueString: `Lives with partner ${socialName}; call ${mobile}; drives car plate ${plate}`,
    component: [
      {
        code: { coding: [keep(SYSTEMS.loinc, '56051-6', 'Do you live alone')] },
        valueString: `No, with ${rpGiven}`,
      },
      {
        // A relative's name as a coded answer's display.
        code: { coding: [coding(LOCAL_CODES, 'CAREGIVER', 'Primary caregiver')] },
        valueCodeableConcept: {
          coding: [
            coding(
              LOCAL_CODES,
              'RP-1',
              p(
                'name',
                'Observation.component.valueCodeableConcept.coding.display',
                `${rpGiven} ${rpFamily}`,
              ),
            ),
          ],
        },
      },
    ],
  };
  return social;
}

/** The elderly patient's age as an Observation: an age over 89 as a Quantity and in free text. */
export function plantAgeObservation(w: Planter, cast: Cast): JsonObject {
  const { p, keep, poolAt, dateTime, idOf } = w;
  const { elderlyGiven, elderlyFamily, elderlySsn, elderlyBirth, elderlyAge, ids } = cast;
  const ageDate = poolAt(14);
  const ageObservation: JsonObject = {
    resourceType: 'Observation',
    id: idOf(ids.age),
    status: 'final',
    code: { coding: [keep(SYSTEMS.loinc, '30525-0', 'Age')] },
    subject: {
      reference: `Patient/${elderlySsn}`,
      display: p('name', 'Observation(elderly).subject.display', `${elderlyGiven} ${elderlyFamily}`),
    },
    effectiveDateTime: dateTime(p('date', 'Observation(elderly).effectiveDateTime', ageDate, 'date'), 9),
    valueQuantity: {
      value: Number(p('age-over-89', 'Observation(elderly).valueQuantity', elderlyAge, 'age-quantity')),
      unit: 'a',
      system: SYSTEMS.ucum,
      code: 'a',
    },
    // The same age in other forms: a Range and a plain integer, in components with age codes.
    component: [
      {
        code: { coding: [keep(SYSTEMS.loinc, '21612-7', 'Age - Reported')] },
        valueRange: {
          low: {
            value: Number(
              p(
                'age-over-89',
                'Observation(elderly).component.valueRange.low',
                String(Number(elderlyAge) - 1),
                'age-quantity',
              ),
            ),
            unit: 'a',
            system: SYSTEMS.ucum,
            code: 'a',
          },
          high: {
            value: Number(
              p(
                'age-over-89',
                'Observation(elderly).component.valueRange.high',
                String(Number(elderlyAge) + 1),
                'age-quantity',
              ),
            ),
            unit: 'a',
            system: SYSTEMS.ucum,
            code: 'a',
          },
        },
      },
      {
        code: { coding: [keep(SYSTEMS.loinc, '29553-5', 'Age calculated')] },
        valueInteger: Number(
          p('age-over-89', 'Observation(elderly).component.valueInteger', elderlyAge, 'age-quantity'),
        ),
      },
    ],
    note: [
      {
        text: `${elderlyGiven} is a ${p('age-over-89', 'Observation(elderly).note.text', `${elderlyAge}-year-old`)} man, born ${fmt.dayMon(p('free-text-date', 'Observation(elderly).note.text', elderlyBirth, 'date'))}.`,
      },
    ],
  };
  p('name', 'Observation(elderly).note.text', elderlyGiven);
  return ageObservation;
}
