import { describe, expect, it } from 'vitest';
import { datePolicy } from '../../../../shared/core/deid/policies/date.js';
import { DROP, keep } from '../../../../shared/core/deid/policies/policy.js';
import { harness, inputFor } from './support.js';

const date = (h: ReturnType<typeof harness>, value: unknown, extra: Parameters<typeof inputFor>[4] = {}) =>
  inputFor(h, 'Observation', 'effectiveDateTime', value, { valueType: 'dateTime', ...extra });

describe('Function: datePolicy, year', () => {
  it('keeps the year only, counting the change', () => {
    const h = harness();
    expect(datePolicy(date(h, '2019-03-15T10:00:00Z'), h.services)).toEqual(keep('2019'));
    expect(datePolicy(date(h, '2019'), h.services)).toEqual(keep('2019'));
    expect(h.counts).toEqual(['generalize-year:Observation.effectiveDateTime']);
  });

  it('writes an instant as the first moment of its year', () => {
    const h = harness();
    expect(datePolicy(date(h, '2019-03-15T10:00:00Z', { valueType: 'instant' }), h.services)).toEqual(
      keep('2019-01-01T00:00:00Z'),
    );
  });

  it("takes the shifted date's year under a shifting contract, for the value's patient", () => {
    const h = harness({ dates: 'shift' });
    expect(datePolicy(date(h, '2019-12-25'), h.services)).toEqual(keep('2020'));
    expect(h.shiftedFor).toEqual(['Patient/p1']);
  });

  it('drops a year that would put the patient over 89', () => {
    const h = harness();
    expect(datePolicy(date(h, '1930-05-01'), h.services)).toBe(DROP);
    expect(h.counts).toEqual(['generalize-age90:Observation.effectiveDateTime']);
    const kept = harness();
    expect(datePolicy(date(kept, '1930-05-01', { modes: { age90: false } }), kept.services)).toEqual(
      keep('1930'),
    );
  });

  it('refuses what is not a date', () => {
    const h = harness();
    expect(datePolicy(date(h, 'March 2019'), h.services)).toBe(DROP);
    expect(datePolicy(date(h, 20190315), h.services)).toBe(DROP);
    expect(h.counts).toEqual([
      'invalid-drop:Observation.effectiveDateTime',
      'invalid-drop:Observation.effectiveDateTime',
    ]);
  });
});

describe('Function: datePolicy, birth date', () => {
  it('drops a birth date that may mean 90 or older and flags the record', () => {
    const h = harness();
    const birth = inputFor(h, 'Patient', 'birthDate', '1934-06-01', { valueType: 'date' });
    expect(datePolicy(birth, h.services)).toBe(DROP);
    expect(h.record.age90).toBe(true);
    expect(h.counts).toEqual(['generalize-age90:Patient.birthDate']);
  });

  it('keeps the year of a younger birth date', () => {
    const h = harness();
    const birth = inputFor(h, 'Patient', 'birthDate', '1985-03-15', { valueType: 'date' });
    expect(datePolicy(birth, h.services)).toEqual(keep('1985'));
    expect(h.record.age90).toBe(false);
  });
});

describe('Function: datePolicy, shift and keep', () => {
  it("shifts by the patient's days, keeping time and zone as the contract says", () => {
    const h = harness({ profile: 'limited-data-set', dates: 'shift' });
    const shift = { modes: { dates: 'shift' as const, age90: false } };
    expect(datePolicy(date(h, '2020-01-01T08:30:00-05:00', shift), h.services)).toEqual(
      keep('2020-01-11T08:30:00-05:00'),
    );
    expect(h.counts).toEqual(['date-shift:Observation.effectiveDateTime']);
    const dropTime = harness({
      profile: 'limited-data-set',
      dates: 'shift',
      shift: { minDays: 10, maxDays: 10, timeOfDay: 'drop' },
    });
    expect(datePolicy(date(dropTime, '2020-01-01T08:30:00-05:00', shift), dropTime.services)).toEqual(
      keep('2020-01-11'),
    );
  });

  it('keeps a date as written when the contract keeps dates, if it is one', () => {
    const h = harness({ profile: 'limited-data-set', dates: 'keep' });
    const keepDates = { modes: { dates: 'keep' as const, age90: false } };
    expect(datePolicy(date(h, '2020-01-01', keepDates), h.services)).toEqual(keep('2020-01-01'));
    expect(datePolicy(date(h, 'soon', keepDates), h.services)).toBe(DROP);
    expect(h.counts).toEqual(['invalid-drop:Observation.effectiveDateTime']);
  });
});
