import type { X12Planter } from './planter.js';

/**
 * Providers, payers and the submitter are not individuals' identifiers (45 CFR 164.514(b)(2)): they
 * stay in a de-identified copy, so they are drawn from fixed lists and never planted.
 */
export const ORGANISATIONS = [
  {
    name: 'MERIDIAN FAMILY PRACTICE',
    street: '400 HARBOR PLAZA',
    city: 'PORTLAND',
    state: 'ME',
    zip: '041012211',
  },
  {
    name: 'VALLEY GENERAL HOSPITAL',
    street: '1200 RIVER ROAD',
    city: 'SPOKANE',
    state: 'WA',
    zip: '992018831',
  },
  {
    name: 'LAKESHORE AMBULANCE SERVICE',
    street: '77 DEPOT STREET',
    city: 'DULUTH',
    state: 'MN',
    zip: '558021420',
  },
  {
    name: 'SUMMIT ORTHOPEDIC GROUP',
    street: '3 MEDICAL PARK DRIVE',
    city: 'BOISE',
    state: 'ID',
    zip: '837062311',
  },
] as const;

export const PAYERS = [
  { name: 'MEDICARE PART B', id: '00435', filing: 'MB' },
  { name: 'BLUE MEADOW HEALTH PLAN', id: '60054', filing: 'BL' },
  { name: 'CASCADE MUTUAL INSURANCE', id: '87726', filing: 'CI' },
  { name: 'STATE MEDICAID AGENCY', id: 'SKMD0', filing: 'MC' },
  { name: 'PRAIRIE HMO', id: '39026', filing: 'HM' },
] as const;

export const CLINICIANS = [
  { last: 'OKAFOR', first: 'CHIDI' },
  { last: 'LINDQVIST', first: 'MAJA' },
  { last: 'RAMASWAMY', first: 'PRIYA' },
  { last: 'BEAUCHAMP', first: 'LOUIS' },
  { last: 'NAKAGAWA', first: 'EMI' },
] as const;

export const HOSPITALS = [
  {
    name: 'ST BRIGID MEDICAL CENTER',
    street: '900 CATHEDRAL AVENUE',
    city: 'OMAHA',
    state: 'NE',
    zip: '681021001',
  },
  {
    name: 'NORTHRIDGE REGIONAL HOSPITAL',
    street: '15 SUMMIT BOULEVARD',
    city: 'DENVER',
    state: 'CO',
    zip: '802041234',
  },
] as const;

/** A ten-digit NPI with its Luhn check digit (prefix 80840, as CMS computes it). */
export function npi(planter: X12Planter): string {
  const body = `${planter.int(1, 2)}${String(planter.int(0, 99_999_999)).padStart(8, '0')}`;
  let sum = 24;
  for (let i = 0; i < body.length; i++) {
    let digit = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return body + String((10 - (sum % 10)) % 10);
}
