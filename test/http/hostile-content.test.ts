/**
 * Hostile-input catalog §7 E (JSON / FHIR) and F (X12) over real HTTPS. Each body carries a correct
 * Content-Digest and detached JWS, so content is the only fault. SPEC §3: invalid-json / invalid-x12
 * (400: does not parse or breaks the parser's limits), invalid-fhir / invalid-claim (422: parses but
 * is not a valid R4 Bundle / 837; `expression` names the element, never its value).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessToken,
  collectionBundle,
  connectionCounter,
  DOOR_ONLY,
  expectRejected,
  expectRejectedAsOneOf,
  expectServerAlive,
  fixture,
  type OperationOutcomeIssue,
  sendRaw,
  submission,
  utf8,
} from '../helpers/hostile.js';
import { startTestStack, type TestStack } from '../helpers/test-stack.js';

const patient = (extra: Record<string, unknown> = {}) => ({
  resourceType: 'Patient',
  name: [{ family: 'Test', given: ['Hostile'] }],
  ...extra,
});

/** `issue.expression` is present and every entry matches `pattern`. */
function expectExpression(issue: OperationOutcomeIssue, pattern: RegExp): void {
  expect(Array.isArray(issue.expression), 'issue.expression is a list').toBe(true);
  const expressions = Array.isArray(issue.expression) ? (issue.expression as unknown[]) : [];
  expect(expressions.length).toBeGreaterThan(0);
  for (const e of expressions) expect(String(e)).toMatch(pattern);
}

describe('hostile content (catalog E: JSON and FHIR; F: X12)', () => {
  let t: TestStack;
  let x12: string;
  beforeAll(async () => {
    t = await startTestStack(DOOR_ONLY);
    await accessToken(t);
    x12 = (await fixture('x12/demo.example1.837')).toString('latin1');
  });
  afterAll(async () => {
    await t?.close();
  });

  const bundleRejected = async (body: Uint8Array, status: number, code: string, forbidden: string[] = []) => {
    const req = await submission(t, body);
    return expectRejected(t, () => sendRaw(t, req), status, code, { forbidden });
  };
  const invalidJson = (body: Uint8Array | string) =>
    bundleRejected(typeof body === 'string' ? utf8(body) : body, 400, 'invalid-json');
  const invalidFhir = (body: Uint8Array, forbidden: string[] = []) =>
    bundleRejected(body, 422, 'invalid-fhir', forbidden);
  const claimRejected = async (body: string | Buffer, status: number, code: string) => {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
    const req = await submission(t, bytes, { kind: 'claim' });
    return expectRejected(t, () => sendRaw(t, req), status, code);
  };

  describe('JSON', () => {
    it('E53: truncated JSON is 400 invalid-json', async () => {
      await invalidJson('{"resourceType":"Bundle"');
    });

    it('E53: a body that is not JSON at all, and an empty body, are 400 invalid-json', async () => {
      await invalidJson('resourceType=Bundle');
      await invalidJson('');
    });

    it('E54: nesting depth 100 000 is 400 invalid-json (no stack overflow)', async () => {
      await invalidJson(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    });

    it('E55: a __proto__ key is 400 invalid-json, and nothing is polluted', async () => {
      await invalidJson('{"__proto__":{"isAdmin":true},"resourceType":"Bundle","type":"collection"}');
      await expectServerAlive(t);
      const fresh: Record<string, unknown> = {};
      expect(fresh.isAdmin).toBeUndefined();
      expect(Object.hasOwn(Object.prototype, 'isAdmin')).toBe(false);
    });

    it('E55: __proto__ spelled with a JSON escape is 400 invalid-json', async () => {
      await invalidJson('{"\\u005f_proto__":{"isAdmin":true},"resourceType":"Bundle","type":"collection"}');
    });

    it('E56: constructor.prototype inside an entry is 400 invalid-json', async () => {
      await invalidJson(
        '{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Basic","constructor":{"prototype":{"x":1}}}}]}',
      );
    });

    it('E56: a bare prototype key is 400 invalid-json', async () => {
      await invalidJson('{"resourceType":"Bundle","type":"collection","prototype":{"x":1}}');
    });

    it('E57: duplicate keys are 400 invalid-json, at the top and nested', async () => {
      await invalidJson('{"resourceType":"Bundle","resourceType":"Patient","type":"collection"}');
      await invalidJson(
        '{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Basic","id":"a","id":"b"}}]}',
      );
    });

    it('E58: lone surrogate escapes (high and low) are 400 invalid-json', async () => {
      await invalidJson('{"resourceType":"Bundle","type":"collection","id":"\\ud800"}');
      await invalidJson('{"resourceType":"Bundle","type":"collection","id":"\\udc00x"}');
    });

    it('E58: invalid UTF-8 (C3 28), an overlong encoding (C0 AF) and encoded surrogates (ED A0 80) are 400 invalid-json', async () => {
      for (const bad of [
        [0xc3, 0x28],
        [0xc0, 0xaf],
        [0xed, 0xa0, 0x80],
      ]) {
        await invalidJson(
          Buffer.concat([
            utf8('{"resourceType":"Bundle","type":"collection","id":"'),
            Buffer.from(bad),
            utf8('"}'),
          ]),
        );
      }
    });

    it('E70: a number outside the double range (1e400) is 400 invalid-json, never Infinity', async () => {
      // Refused by the parser's limits (SPEC: invalid-json), rather than silently turned into Infinity/null.
      const body = `{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1e400}}}]}`;
      await invalidJson(body);
    });

    it('E59: 200 000 tiny entries are refused (parser array limit or Bundle entry limit)', async () => {
      // Both are specific SPEC answers: the array breaks a parser limit (invalid-json) or, if the parser
      // takes it, the Bundle exceeds an entry cap (invalid-fhir). Either way it is refused cheaply.
      const entries = Array.from({ length: 200_000 }, () => '{}').join(',');
      const req = await submission(
        t,
        utf8(`{"resourceType":"Bundle","type":"collection","entry":[${entries}]}`),
      );
      await expectRejectedAsOneOf(t, () => sendRaw(t, req), [
        [400, 'invalid-json'],
        [422, 'invalid-fhir'],
      ]);
    });
  });

  describe('FHIR', () => {
    it('E61: a Patient at top level (not a Bundle) is 422 invalid-fhir', async () => {
      const { issue } = await invalidFhir(utf8(JSON.stringify(patient())));
      expectExpression(issue, /^Bundle/);
    });

    it.each(['searchset', 'history', 'batch-response', 'transaction-response'])(
      'E62: a %s Bundle is 422 invalid-fhir at Bundle.type',
      async (type) => {
        const { issue } = await invalidFhir(collectionBundle([patient()], type));
        expectExpression(issue, /^Bundle\.type$/);
      },
    );

    it('E63: a duplicate fullUrl (bdl-7) is 422 invalid-fhir naming the fullUrl', async () => {
      const fullUrl = `urn:uuid:${randomUUID()}`;
      const body = utf8(
        JSON.stringify({
          resourceType: 'Bundle',
          type: 'collection',
          entry: [
            { fullUrl, resource: patient() },
            { fullUrl, resource: patient() },
          ],
        }),
      );
      const { issue } = await invalidFhir(body, [fullUrl]);
      expectExpression(issue, /fullUrl/);
    });

    it('a malformed urn:uuid reference is 422 invalid-fhir naming the reference', async () => {
      const body = collectionBundle([
        {
          resourceType: 'Observation',
          status: 'final',
          code: { text: 'x' },
          subject: { reference: 'urn:uuid:MALFORMED-Q3' },
        },
      ]);
      const { issue } = await invalidFhir(body, ['MALFORMED-Q3']);
      expectExpression(issue, /^Bundle\.entry\[0\]\.resource\.subject/);
    });

    // Decision (README, "FHIR validation"): a well-formed urn:uuid that no entry of this Bundle carries
    // is accepted, because generators such as Synthea split one load across Bundles that point at
    // each other; refusing would lose PHI the partner must send. Deliveries keep the reference as is.
    it('a well-formed urn:uuid reference to an entry of another Bundle is accepted (202)', async () => {
      const body = collectionBundle([
        {
          resourceType: 'Observation',
          status: 'final',
          code: { text: 'x' },
          subject: { reference: `urn:uuid:${randomUUID()}` },
        },
      ]);
      const req = await submission(t, body);
      const res = await sendRaw(t, req);
      expect(res.status).toBe(202);
    });

    it('E71: an unknown element in a Patient is 422 invalid-fhir; neither its name nor its value is echoed', async () => {
      const { issue } = await invalidFhir(collectionBundle([patient({ favouriteColourXyz: 'VALUE-Q9' })]), [
        'favouriteColourXyz',
        'VALUE-Q9',
      ]);
      expectExpression(issue, /^Bundle\.entry\[0\]\.resource/);
    });

    it('a bad birthDate is 422 invalid-fhir at the birthDate, without the value', async () => {
      const { issue } = await invalidFhir(collectionBundle([patient({ birthDate: '1974-13-45' })]), [
        '1974-13-45',
      ]);
      expectExpression(issue, /birthDate/);
    });

    it('a code outside a required binding (Patient.gender) is 422 invalid-fhir, without the value', async () => {
      // R4 required bindings are part of validity: "gender" must be one of male | female | other | unknown.
      const { issue } = await invalidFhir(collectionBundle([patient({ gender: 'GENDER-Q7' })]), [
        'GENDER-Q7',
      ]);
      expectExpression(issue, /gender/);
    });

    it('a primitive of the wrong JSON type (Patient.active as a string) is 422 invalid-fhir, without the value', async () => {
      const { issue } = await invalidFhir(collectionBundle([patient({ active: 'ACTIVE-Q8' })]), [
        'ACTIVE-Q8',
      ]);
      expectExpression(issue, /active/);
    });

    it('an unknown resourceType in an entry is 422 invalid-fhir, without the name', async () => {
      const { issue } = await invalidFhir(collectionBundle([{ resourceType: 'HackerThing' }]), [
        'HackerThing',
      ]);
      expectExpression(issue, /^Bundle\.entry\[0\]/);
    });

    it('Bundle.entry that is not a list is 422 invalid-fhir', async () => {
      const { issue } = await invalidFhir(
        utf8('{"resourceType":"Bundle","type":"collection","entry":{"x":1}}'),
      );
      expectExpression(issue, /^Bundle\.entry/);
    });

    it('E60: a 2 MB string in Patient.name.given (R4 strings are at most 1 MB) is 422 invalid-fhir', async () => {
      const { issue } = await invalidFhir(
        collectionBundle([patient({ name: [{ given: ['g'.repeat(2 * 1024 * 1024)] }] })]),
      );
      expectExpression(issue, /^Bundle\.entry\[0\]\.resource\.name/);
    });

    it.each([
      '<div xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></div>',
      '<div xmlns="http://www.w3.org/1999/xhtml"><img src="x" onerror="alert(1)"/></div>',
      '<div xmlns="http://www.w3.org/1999/xhtml"><a href="javascript:alert(1)">x</a></div>',
    ])('E67: active content in the narrative (%s) is 422 invalid-fhir', async (div) => {
      const { issue } = await invalidFhir(
        collectionBundle([patient({ text: { status: 'generated', div } })]),
        ['alert(1)'],
      );
      expectExpression(issue, /^Bundle\.entry\[0\]\.resource\.text/);
    });

    it('E65/E66: URLs in references and attachments are accepted as data and never dereferenced', async () => {
      const listener = await connectionCounter();
      try {
        const body = collectionBundle([
          patient({ photo: [{ contentType: 'image/png', url: `${listener.url}/photo.png` }] }),
          {
            resourceType: 'Observation',
            status: 'final',
            code: { text: 'x' },
            subject: { reference: `${listener.url}/Patient/1` },
          },
          {
            resourceType: 'Observation',
            status: 'final',
            code: { text: 'y' },
            subject: { reference: 'file:///etc/passwd' },
          },
        ]);
        const res = await sendRaw(t, await submission(t, body));
        expect(res.status).toBe(202);
        expect(listener.connections(), 'connections to URLs named in the Bundle').toBe(0);
      } finally {
        await listener.close();
      }
    });
  });

  describe('X12', () => {
    it('(control) the X12 fixture itself is accepted', async () => {
      const res = await sendRaw(t, await submission(t, Buffer.from(x12, 'latin1'), { kind: 'claim' }));
      expect(res.status).toBe(202);
    });

    it('F: a file not starting with ISA is 400 invalid-x12', async () => {
      await claimRejected(x12.slice(x12.indexOf('GS*')), 400, 'invalid-x12');
      await claimRejected('HELLO WORLD', 400, 'invalid-x12');
    });

    it('F: FHIR JSON posted as X12 is 400 invalid-x12', async () => {
      await claimRejected(JSON.stringify(patient()), 400, 'invalid-x12');
    });

    it('F72: an ISA that is not 106 characters is 400 invalid-x12', async () => {
      await claimRejected(x12.replace('*000000005      *', '*000000005     *'), 400, 'invalid-x12');
    });

    it('F73: ISA13 ≠ IEA02 is 422 invalid-claim naming the control number', async () => {
      const { issue } = await claimRejected(
        x12.replace('IEA*1*000000907~', 'IEA*1*000000908~'),
        422,
        'invalid-claim',
      );
      expectExpression(issue, /ISA13|IEA02/);
    });

    it('F: an 835 (remittance) file is 422 invalid-claim', async () => {
      const remittance = x12
        .replace('GS*HC*', 'GS*HP*')
        .replaceAll('005010X222A2', '005010X221A1')
        .replace('ST*837*', 'ST*835*');
      const { issue } = await claimRejected(remittance, 422, 'invalid-claim');
      expectExpression(issue, /^(GS|ST)\d\d$/);
    });

    it('F77: GS08 of another version (004010X098A1) is 422 invalid-claim', async () => {
      const { issue } = await claimRejected(
        x12.replaceAll('005010X222A2', '004010X098A1'),
        422,
        'invalid-claim',
      );
      expectExpression(issue, /^(GS08|ST03)$/);
    });

    it('F75: a wrong SE01 segment count is 422 invalid-claim', async () => {
      const { issue } = await claimRejected(x12.replace('SE*40*0021~', 'SE*41*0021~'), 422, 'invalid-claim');
      expectExpression(issue, /^SE01$/);
    });

    it('F78: a missing segment terminator at EOF (truncated file) is 400 invalid-x12', async () => {
      await claimRejected(x12.replace(/~\s*$/, ''), 400, 'invalid-x12');
    });

    it('F79: a segment terminator injected into a name shifts the counts: 422 invalid-claim', async () => {
      const injected = x12.replace('NM1*IL*1*SMITH*JANE', 'NM1*IL*1*SMI~TH*JANE');
      expect(injected).not.toBe(x12);
      const { res } = await claimRejected(injected, 422, 'invalid-claim');
      // The shortened NM1 and the stray segment after it are named, and the count no longer adds up.
      const outcome = JSON.parse(res.body.toString('utf8')) as { issue: { expression?: string[] }[] };
      const expressions = outcome.issue.flatMap((i) => i.expression ?? []);
      expect(expressions).toContain('SE01');
      expect(expressions.some((e) => e.startsWith('2010BA/NM1[17]/'))).toBe(true);
      expect(res.body.toString('utf8')).not.toContain('SMI');
    });

    it('F81: NUL and ESC bytes inside an element are 400 invalid-x12', async () => {
      for (const control of ['\u0000', '\u001b']) {
        await claimRejected(x12.replace('SMITH*JANE', `SMI${control}TH*JANE`), 400, 'invalid-x12');
      }
    });

    it('F81: non-ASCII bytes inside an element are 400 invalid-x12', async () => {
      await claimRejected(Buffer.from(x12.replace('SMITH*JANE', 'SMÏTH*JANE'), 'utf8'), 400, 'invalid-x12');
    });

    it("F80: 300 000 segments (within the size limit) break the parser's limits: 400 invalid-x12", async () => {
      const filler = 'N3*A~\n'.repeat(300_000);
      const huge = x12.replace('N3*234 SEAWAY ST~\n', `N3*234 SEAWAY ST~\n${filler}`);
      await claimRejected(huge, 400, 'invalid-x12');
    });
  });

  it('still answers discovery after all of the above', async () => {
    await expectServerAlive(t);
  });
});
