import { type DateType, mayBeAged90, shiftDate, toYear, writtenYear, yearImpliesAge90 } from '../dates.js';
import {
  dropAs,
  invalid,
  keep,
  type Modes,
  type Outcome,
  type PolicyInput,
  type PolicyServices,
} from './policy.js';

/**
 * date, dateTime, instant: the year only (Safe Harbor), shifted by the patient's keyed offset (a
 * limited data set), or kept; a birth date that may mean an age over 89 goes, and so does any year
 * that would imply one.
 */
export function datePolicy(input: PolicyInput, services: PolicyServices): Outcome {
  const { value, place, modes } = input;
  if (typeof value !== 'string') return invalid(place, services);
  if (modes.age90 && input.elementName === 'birthDate' && mayBeAged90(value, services.referenceDate)) {
    place.record.age90 = true;
    return dropAs('generalize-age90', place, services);
  }
  return DATE_METHODS[modes.dates](value, input, services);
}

type DateMethod = (value: string, input: PolicyInput, services: PolicyServices) => Outcome;

const year: DateMethod = (value, input, services) => {
  const { place, modes, patient } = input;
  const type = input.valueType as DateType;
  // Under a shifting contract the year is the shifted date's, so intervals stay consistent.
  const source =
    services.settings.dates === 'shift' ? shiftDate(value, type, services.shiftDays(patient), 'drop') : value;
  const written = source === undefined ? undefined : writtenYear(source);
  if (written === undefined) return invalid(place, services);
  if (modes.age90 && yearImpliesAge90(written, services.referenceDate)) {
    return dropAs('generalize-age90', place, services);
  }
  const out = toYear(written, type);
  if (out !== value) services.count('generalize-year', place);
  return keep(out);
};

const shift: DateMethod = (value, input, services) => {
  const { place, patient } = input;
  const days = services.shiftDays(patient);
  const shifted = shiftDate(value, input.valueType as DateType, days, services.settings.shift.timeOfDay);
  if (shifted === undefined) return invalid(place, services);
  services.count('date-shift', place);
  return keep(shifted);
};

const unchanged: DateMethod = (value, { place }, services) =>
  writtenYear(value) === undefined ? invalid(place, services) : keep(value);

const DATE_METHODS: Readonly<Record<Modes['dates'], DateMethod>> = { year, shift, keep: unchanged };

export const DATE_TYPES: readonly DateType[] = ['date', 'dateTime', 'instant'];
