import { describe, expect, it } from 'vitest';
import {
  mayBeAged90,
  parseFhirDate,
  shiftDate,
  toYear,
  writtenYear,
  yearImpliesAge90,
} from '../../../shared/core/deid/dates.js';

describe('year-only generalization', () => {
  it('keeps a valid FHIR type: dates and dateTimes become YYYY, instants a full instant on 1 January', () => {
    expect(toYear(2019, 'date')).toBe('2019');
    expect(toYear(2019, 'dateTime')).toBe('2019');
    expect(toYear(2019, 'instant')).toBe('2019-01-01T00:00:00Z');
    expect(toYear(7, 'date')).toBe('0007');
  });

  it('reads the year as written, whatever the zone', () => {
    expect(writtenYear('2019-12-31T23:30:00-05:00')).toBe(2019);
    expect(writtenYear('2019')).toBe(2019);
    expect(writtenYear('19-01-01')).toBeUndefined();
    expect(writtenYear('John')).toBeUndefined();
  });
});

describe('date shift', () => {
  it('shifts the calendar date and keeps the written time and zone', () => {
    expect(shiftDate('2024-03-14T09:30:00-05:00', 'dateTime', 10, 'keep')).toBe('2024-03-24T09:30:00-05:00');
    expect(shiftDate('2024-03-14T09:30:00.123Z', 'instant', -14, 'keep')).toBe('2024-02-29T09:30:00.123Z');
  });

  it('drops the time of day on request, keeping instants complete', () => {
    expect(shiftDate('2024-03-14T09:30:00-05:00', 'dateTime', 1, 'drop')).toBe('2024-03-15');
    expect(shiftDate('2024-03-14T09:30:00-05:00', 'instant', 1, 'drop')).toBe('2024-03-15T00:00:00-05:00');
  });

  it('crosses months, years and leap days correctly', () => {
    expect(shiftDate('2023-12-31', 'date', 1, 'keep')).toBe('2024-01-01');
    expect(shiftDate('2019-03-01', 'date', -1, 'keep')).toBe('2019-02-28');
    expect(shiftDate('2020-03-01', 'date', -1, 'keep')).toBe('2020-02-29');
    expect(shiftDate('0050-06-01', 'date', 0, 'keep')).toBe('0050-06-01');
  });

  it('keeps the precision of partial dates', () => {
    expect(shiftDate('2024-03', 'date', 30, 'keep')).toBe('2024-04');
    expect(shiftDate('2024', 'date', -200, 'keep')).toBe('2023');
    expect(shiftDate('2024', 'date', 100, 'keep')).toBe('2024');
  });

  it('refuses what is not a FHIR date', () => {
    expect(shiftDate('03/14/2024', 'date', 1, 'keep')).toBeUndefined();
    expect(shiftDate('2024-13-01', 'date', 1, 'keep')).toBeUndefined();
    expect(parseFhirDate('2024-02-30T25:00:00Z')).toBeUndefined();
  });
});

describe('ages over 89', () => {
  it('treats a birth date that may mean 90 or more as 90+', () => {
    expect(mayBeAged90('1935-01-01', '2025-01-01')).toBe(true);
    expect(mayBeAged90('1935-01-02', '2025-01-01')).toBe(false);
    // A year alone could be 1 January: conservatively 90.
    expect(mayBeAged90('1935', '2025-06-30')).toBe(true);
    expect(mayBeAged90('1936', '2025-06-30')).toBe(false);
  });

  it('treats an event year as age-revealing once its last day is 90 years back', () => {
    expect(yearImpliesAge90(1934, '2025-01-01')).toBe(true);
    expect(yearImpliesAge90(1935, '2025-01-01')).toBe(false);
    expect(yearImpliesAge90(1935, '2025-12-31')).toBe(true);
  });
});
