import { describe, expect, it } from 'vitest';
import {
  carriesPhi,
  PhiContext,
  scrubFreeText,
  textToXhtml,
  xhtmlToText,
} from '../../../shared/core/deid/scrubber.js';

function context(): PhiContext {
  const c = new PhiContext();
  c.addName('Jonathan');
  c.addName("O'Hara248");
  c.addName('Mary-Jane');
  c.addAddressPart('42 Elm Street');
  c.addAddressPart('Springfield');
  c.addIdentifier('MRN-12345');
  c.addIdentifier('123-45-6789');
  return c;
}

describe('pattern scrubbing', () => {
  const scrub = (text: string) => scrubFreeText(text, new PhiContext()).text;

  it.each([
    ['call 617-555-0199 today', 'call [PHONE] today'],
    ['call (617) 555-0199', 'call [PHONE]'],
    ['SSN 123-45-6789', '[ID]'],
    ['social 123-45-6789', 'social [SSN]'],
    ['mail jdoe@example.com now', 'mail [EMAIL] now'],
    ['see https://portal.example.org/u/1?a=b', 'see [URL]'],
    ['from 10.1.2.3', 'from [IP]'],
    ['from 2001:db8:0:0:0:0:2:1', 'from [IP]'],
    ['VIN 1HGCM82633A004352', 'VIN [VIN]'],
    ['MRN: A12345', '[ID]'],
    ['acct 998877665', '[ID]'],
    ['ref 99887766554', 'ref [ID]'],
    ['zip 02139', 'zip [ZIP]'],
    ['a 93-year-old man', 'a [AGE 90+] man'],
  ])('%s', (text, expected) => {
    expect(scrub(text)).toBe(expected);
  });

  it.each([
    '2024-03-14',
    '2024-03-14T09:30:00-05:00',
    '03/14/2024',
    '3/4/24',
    '14.03.2024',
    '2024/03/14',
    '20240314',
    'March 14, 2024',
    'Mar 14th 2024',
    '14 March 2024',
    '14th of March',
    'March 2024',
    '14-Mar-2024',
  ])('dates: %s', (date) => {
    expect(scrub(`seen ${date} ok`)).toBe('seen [DATE] ok');
  });

  it('keeps clinical text that is not PHI', () => {
    const text = 'BP 142/91 mmHg, lisinopril 10 MG daily for 2 weeks; HbA1c 7.2%.';
    expect(scrub(text)).toBe(text);
  });
});

describe('contextual scrubbing', () => {
  it('removes the record identifiers in any case, keeping word boundaries', () => {
    const { text, hits } = scrubFreeText(
      "JONATHAN and o'hara248's sister Mary-Jane of 42 ELM STREET, Springfield (MRN-12345, 123456789). Jonathanson stays.",
      context(),
    );
    expect(text).toBe(
      '[REDACTED] and [REDACTED] sister [REDACTED] of [REDACTED], [REDACTED] ([REDACTED], [REDACTED]). Jonathanson stays.',
    );
    expect(hits.CONTEXT).toBe(7);
  });

  it('matches names in any order and part', () => {
    expect(scrubFreeText('Mary Jane', context()).text).toBe('[REDACTED] [REDACTED]');
    expect(scrubFreeText('Apt 4, 42 Elm St', context()).text).toBe('Apt 4, [REDACTED] St');
  });

  it('reads a parent context without changing it', () => {
    const parent = context();
    const child = new PhiContext(parent);
    child.addName('Roe');
    expect(carriesPhi('Roe', child, false)).toBe(true);
    expect(carriesPhi('Roe', parent, false)).toBe(false);
    expect(carriesPhi('jonathan', child, false)).toBe(true);
  });

  it('judges kept strings: displays with names or shaped identifiers carry PHI, code displays do not', () => {
    const c = context();
    expect(carriesPhi('Jonathan mental status', c, true)).toBe(true);
    expect(carriesPhi('Seen 03/14/2024', c, true)).toBe(true);
    expect(carriesPhi('Medical Record Number', c, true)).toBe(false);
    for (const age of ['age 93', '93 y/o', 'a 93-year-old man', 'aged 101', '95 years old']) {
      expect(carriesPhi(age, c, true), age).toBe(true);
    }
    expect(carriesPhi('age 89', c, true)).toBe(false);
    expect(carriesPhi('Age 65 years and over', c, true)).toBe(false);
    expect(carriesPhi('Hydrochlorothiazide 25 MG Oral Tablet', c, true)).toBe(false);
    expect(carriesPhi('Body mass index (BMI) [Ratio]', c, true)).toBe(false);
    expect(carriesPhi('10000 UNT/ML Injectable', c, true)).toBe(false);
  });
});

describe('narrative text', () => {
  it('round-trips XHTML to text and back into a valid div', () => {
    const text = xhtmlToText(
      '<div xmlns="http://www.w3.org/1999/xhtml"><p>A &amp; B</p><p>C&lt;D &#x41;</p></div>',
    );
    expect(text).toBe('A & B\nC<D A');
    expect(textToXhtml(text)).toBe(
      '<div xmlns="http://www.w3.org/1999/xhtml"><p>A &amp; B<br/>C&lt;D A</p></div>',
    );
  });
});
