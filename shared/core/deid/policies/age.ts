import type { AfterPolicy, Json } from './policy.js';

/**
 * Age: an age over 89 identifies (164.514(b)(2)(i)(C)), so it becomes the category "90 or more"
 * in UCUM years; any extensions stay. The FHIR walker also applies this to the value of an
 * Observation of the patient's age.
 */
export const agePolicy: AfterPolicy = ({ value, output, place, modes }, services) => {
  if (!modes.age90) return;
  const years = ageInYears(value);
  if (years === undefined || years <= 89) return;
  for (const key of Object.keys(output)) if (key !== 'extension') delete output[key];
  Object.assign(output, { value: 90, comparator: '>=', unit: 'years', system: UCUM, code: 'a' });
  services.count('generalize-age90', place);
};

export const UCUM = 'http://unitsofmeasure.org';

const YEARS_PER_UNIT: Readonly<Record<string, number>> = {
  a: 1,
  mo: 1 / 12,
  wk: 7 / 365.25,
  d: 1 / 365.25,
  h: 1 / 8766,
  min: 1 / 525_960,
};

/** The quantity in years, by its UCUM code (or unit); unknown codes, and no code, count as years. */
export function ageInYears(quantity: Json): number | undefined {
  if (typeof quantity.value !== 'number') return undefined;
  const code =
    typeof quantity.code === 'string'
      ? quantity.code
      : typeof quantity.unit === 'string'
        ? quantity.unit
        : 'a';
  return quantity.value * (YEARS_PER_UNIT[code] ?? 1);
}
