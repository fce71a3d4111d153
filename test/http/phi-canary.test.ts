/**
 * The PHI canary (security.md §7, N4): marked PHI goes through every ingest outcome (accepted bundle
 * and claim, invalid FHIR, invalid JSON, invalid X12 and claim, digest mismatch, bad signature, wrong
 * media type, token endpoint errors), then every sink is searched for it: log lines on stdout/stderr
 * and the console, response bodies and headers, audit records, object keys, queue messages, and the
 * raw bytes of every file under PHI_HOME (the stored submission is ciphertext). Encoded forms of the
 * canary (base64 at each alignment, base64url, hex, UTF-16) are searched too: a logged API Gateway
 * event carries the body base64-encoded.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  accessToken,
  assertionClaims,
  auditLines,
  CANARY,
  craftDetachedJws,
  craftJwt,
  ecSigner,
  expectOAuthError,
  expectOutcome,
  fixture,
  partnerJwsHeader,
  type RawHttpResponse,
  sendRaw,
  submission,
  tokenForm,
  tokenRequest,
  utf8,
  walkFiles,
} from '../helpers/hostile.js';
import { startTestStack, type TestStack } from '../helpers/test-stack.js';

/** The canary as bytes in every form a careless sink might write it. */
function canaryNeedles(): { name: string; bytes: Buffer }[] {
  const raw = utf8(CANARY);
  const needles = [
    { name: 'utf-8', bytes: raw },
    { name: 'utf-16le', bytes: Buffer.from(CANARY, 'utf16le') },
    { name: 'hex', bytes: utf8(raw.toString('hex')) },
  ];
  for (let shift = 0; shift < 3; shift++) {
    // Only the base64 groups made of canary bytes alone are fixed whatever precedes the canary.
    const encoded = Buffer.concat([Buffer.alloc(shift, 0x20), raw]).toString('base64');
    const stable = encoded.slice(shift === 0 ? 0 : 4, Math.floor((shift + raw.length) / 3) * 4);
    needles.push({ name: `base64@${shift}`, bytes: utf8(stable) });
    needles.push({ name: `base64url@${shift}`, bytes: utf8(stable.replace(/\+/g, '-').replace(/\//g, '_')) });
  }
  return needles;
}
const NEEDLES = canaryNeedles();

/** Names of the canary encodings found in `haystack`. */
const canaryIn = (haystack: Buffer | string): string[] => {
  const bytes = typeof haystack === 'string' ? utf8(haystack) : haystack;
  return NEEDLES.filter((n) => bytes.includes(n.bytes)).map((n) => n.name);
};

function canaryBundle(): Buffer {
  const patientUrl = `urn:uuid:${randomUUID()}`;
  return utf8(
    JSON.stringify({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        {
          fullUrl: patientUrl,
          resource: {
            resourceType: 'Patient',
            text: {
              status: 'generated',
              div: `<div xmlns="http://www.w3.org/1999/xhtml">Patient ${CANARY}</div>`,
            },
            identifier: [{ system: 'urn:oid:2.16.840.1.113883.19.5', value: `${CANARY}-MRN` }],
            name: [{ family: CANARY, given: [CANARY, `${CANARY}-middle`] }],
            telecom: [{ system: 'email', value: `${CANARY}@example.org` }],
            address: [{ line: [`1 ${CANARY} Street`], city: CANARY }],
            birthDate: '1970-01-01',
          },
        },
        {
          fullUrl: `urn:uuid:${randomUUID()}`,
          resource: {
            resourceType: 'Observation',
            status: 'final',
            code: { text: CANARY },
            subject: { reference: patientUrl },
            valueString: CANARY,
            note: [{ text: `note ${CANARY}` }],
          },
        },
      ],
    }),
  );
}

/** Where a submission's processing ends (SPEC §3 statuses). */
const TERMINAL: ReadonlySet<string> = new Set(['delivered', 'failed', 'dead-lettered']);

const outcomeBundle = (resource: Record<string, unknown>, type = 'collection'): Buffer =>
  utf8(
    JSON.stringify({
      resourceType: 'Bundle',
      type,
      entry: [{ fullUrl: `urn:uuid:${randomUUID()}`, resource }],
    }),
  );

describe('PHI canary: submitted content reaches no log, response, audit record, key, message or plaintext file', () => {
  const logLines: string[] = [];
  const responses: RawHttpResponse[] = [];
  const accepted: { id: string; kind: 'bundle' | 'claim'; body: Buffer }[] = [];
  const restorers: (() => void)[] = [];
  /** Every message any part of the stack sends, to any queue (workers run here, unlike the hostile-* files). */
  const sent: string[] = [];
  let t: TestStack;

  beforeAll(async () => {
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write;
      const capture = (chunk: unknown, ...rest: unknown[]): boolean => {
        logLines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
        const callback = rest.find((r): r is () => void => typeof r === 'function');
        callback?.();
        return true;
      };
      stream.write = capture as typeof stream.write;
      restorers.push(() => {
        stream.write = original;
      });
    }
    for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
      const spy = vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        logLines.push(
          args.map((a) => (typeof a === 'string' ? a : (JSON.stringify(a) ?? String(a)))).join(' '),
        );
      });
      restorers.push(() => spy.mockRestore());
    }
    t = await startTestStack();
    const queue = t.stack.deps.queue;
    const originalSend = queue.send.bind(queue);
    vi.spyOn(queue, 'send').mockImplementation(async (name, body, options) => {
      sent.push(`${name}\n${body}\n${JSON.stringify(options ?? {})}`);
      return originalSend(name, body, options);
    });
    await accessToken(t);
  });

  afterAll(async () => {
    for (const restore of restorers.reverse()) restore();
    await t?.close();
  });

  const send = async (req: Awaited<ReturnType<typeof submission>>): Promise<RawHttpResponse> => {
    const res = await sendRaw(t, req);
    responses.push(res);
    return res;
  };

  it('sends the canary through every outcome, each answered as SPEC says', async () => {
    const jwk = await t.privateJwk();

    // Accepted: a bundle and an X12 claim with the canary in names, identifiers, narrative and notes.
    const bundle = canaryBundle();
    const okBundle = await send(await submission(t, bundle));
    expect(okBundle.status).toBe(202);
    accepted.push({
      id: (JSON.parse(okBundle.body.toString('utf8')) as { submissionId: string }).submissionId,
      kind: 'bundle',
      body: bundle,
    });

    const x12 = (await fixture('x12/demo.example1.837'))
      .toString('latin1')
      .replace('NM1*IL*1*SMITH*JANE', `NM1*IL*1*${CANARY}*${CANARY}`)
      .replace('NM1*QC*1*SMITH*TED', `NM1*QC*1*${CANARY}*TED`)
      .replace('N3*236 N MAIN ST', `N3*1 ${CANARY} ST`);
    const claim = Buffer.from(x12, 'latin1');
    const okClaim = await send(await submission(t, claim, { kind: 'claim' }));
    expect(okClaim.status).toBe(202);
    accepted.push({
      id: (JSON.parse(okClaim.body.toString('utf8')) as { submissionId: string }).submissionId,
      kind: 'claim',
      body: claim,
    });

    // invalid-fhir: the canary as a bad value, as an unknown element name, as a resourceType, as Bundle.type.
    for (const body of [
      outcomeBundle({ resourceType: 'Patient', birthDate: CANARY }),
      outcomeBundle({ resourceType: 'Patient', [CANARY]: CANARY }),
      outcomeBundle({ resourceType: CANARY, id: 'x' }),
      outcomeBundle({ resourceType: 'Patient', name: [{ family: CANARY }] }, CANARY),
      outcomeBundle({ resourceType: 'Patient', active: CANARY }),
    ]) {
      expectOutcome(await send(await submission(t, body)), 422, 'invalid-fhir');
    }

    // invalid-json: the canary inside a broken string, and as a duplicate key.
    for (const text of [
      `{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","name":[{"family":"${CANARY}`,
      `{"resourceType":"Bundle","${CANARY}":1,"${CANARY}":2}`,
      `{"resourceType":"Bundle","type":"collection","id":"${CANARY}\\ud800"}`,
    ]) {
      expectOutcome(await send(await submission(t, utf8(text))), 400, 'invalid-json');
    }

    // digest-mismatch and signature-invalid over a canary bundle.
    const other = canaryBundle();
    expectOutcome(
      await send(
        await submission(t, canaryBundle(), {
          headers: { 'Content-Digest': `sha-256=:${'A'.repeat(43)}=:` },
        }),
      ),
      400,
      'digest-mismatch',
    );
    expectOutcome(
      await send(
        await submission(t, canaryBundle(), {
          headers: { 'X-JWS-Signature': craftDetachedJws(partnerJwsHeader(jwk), other, ecSigner(jwk)) },
        }),
      ),
      400,
      'signature-invalid',
    );

    // unsupported-media-type with a canary body.
    expectOutcome(
      await send(await submission(t, canaryBundle(), { headers: { 'Content-Type': 'text/plain' } })),
      415,
      'unsupported-media-type',
    );

    // invalid-x12 and invalid-claim with the canary in the data.
    expectOutcome(
      await send(await submission(t, utf8(`${CANARY}*NOT*X12~`), { kind: 'claim' })),
      400,
      'invalid-x12',
    );
    expectOutcome(
      await send(
        await submission(t, utf8(x12.replace(`*${CANARY}*TED`, `*${CANARY}\u0000*TED`)), { kind: 'claim' }),
      ),
      400,
      'invalid-x12',
    );
    expectOutcome(
      await send(
        await submission(t, Buffer.from(x12.replace('IEA*1*000000907~', 'IEA*1*000000908~'), 'latin1'), {
          kind: 'claim',
        }),
      ),
      422,
      'invalid-claim',
    );

    // The token endpoint echoes neither a scope nor an assertion it refuses.
    const scopeRes = await expectOAuthError(
      t,
      () =>
        sendRaw(
          t,
          tokenRequest(
            tokenForm(
              craftJwt({ alg: 'ES256', kid: jwk.kid, typ: 'JWT' }, assertionClaims(t), ecSigner(jwk)),
              `system/${CANARY}.read`,
            ),
          ),
        ),
      400,
      'invalid_scope',
    );
    responses.push(scopeRes);
    const assertionRes = await expectOAuthError(
      t,
      () =>
        sendRaw(
          t,
          tokenRequest(
            tokenForm(
              craftJwt({ alg: 'ES256', kid: jwk.kid }, { ...assertionClaims(t), sub: CANARY }, ecSigner(jwk)),
            ),
          ),
        ),
      401,
      'invalid_client',
    );
    responses.push(assertionRes);

    // The status documents of what was accepted, once the workers are done with it: their logs,
    // messages and records are sinks too. (A deadline on a condition, not a fixed wait.)
    for (const { id } of accepted) {
      const deadline = Date.now() + 25_000;
      let res: RawHttpResponse;
      let status: string | undefined;
      do {
        res = await sendRaw(t, {
          method: 'GET',
          path: `/v1/submissions/${id}`,
          headers: { Authorization: `Bearer ${await accessToken(t)}` },
        });
        expect(res.status).toBe(200);
        status = (JSON.parse(res.body.toString('utf8')) as { status?: string }).status;
        if (!TERMINAL.has(String(status))) await new Promise((r) => setTimeout(r, 100));
      } while (!TERMINAL.has(String(status)) && Date.now() < deadline);
      expect(TERMINAL.has(String(status)), `submission ${id} reached a final status (${status})`).toBe(true);
      responses.push(res);
    }
  }, 60_000);

  it('the canary really went in: the accepted bodies are stored, encrypted, and decrypt to the canary', async () => {
    expect(accepted).toHaveLength(2);
    for (const { id, body } of accepted) {
      const stored = await t.stack.deps.objects.get(`raw/demo/${id}`);
      expect(stored).toBeDefined();
      expect(canaryIn(Buffer.from(stored?.body ?? []))).toEqual([]);
      const plain = await t.stack.deps.envelope.decrypt('data', stored?.body ?? new Uint8Array(), {
        purpose: 'raw-submission',
        submissionId: id,
        partner: 'demo',
      });
      expect(Buffer.from(plain).equals(body)).toBe(true);
      expect(canaryIn(Buffer.from(plain))).toContain('utf-8');
    }
  });

  it('no captured log line carries the canary (and the capture did see the log lines)', () => {
    expect(
      logLines.some((l) => l.includes('"service":"phi-pipeline"')),
      'the Powertools logger wrote through the captured streams',
    ).toBe(true);
    const leaking = logLines.filter((l) => canaryIn(l).length > 0).map((l) => l.slice(0, 200));
    expect(leaking).toEqual([]);
  });

  it('no response body or header carries the canary', () => {
    expect(responses.length).toBeGreaterThanOrEqual(18);
    for (const res of responses) {
      expect(canaryIn(`${JSON.stringify(res.headers)}\n`), `headers of a ${res.status} response`).toEqual([]);
      expect(canaryIn(res.body), `body of a ${res.status} response`).toEqual([]);
    }
  });

  it('no audit record carries the canary', async () => {
    const lines = await auditLines(t);
    expect(lines.length).toBeGreaterThanOrEqual(responses.length);
    expect(lines.filter((l) => canaryIn(l).length > 0)).toEqual([]);
  });

  it('no object key carries the canary', async () => {
    const keys = await t.stack.deps.objects.list('');
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((k) => canaryIn(k).length > 0)).toEqual([]);
  });

  it('no queue message carries the canary', () => {
    // The ingest door queued one pointer per accepted submission; workers queued what followed.
    expect(sent.filter((m) => m.startsWith('ingest\n')).length).toBe(accepted.length);
    expect(sent.filter((m) => canaryIn(m).length > 0)).toEqual([]);
  });

  it('no file under PHI_HOME holds the canary in any form (the raw object is ciphertext)', async () => {
    const files = await walkFiles(t.home);
    expect(files.some((f) => f.includes(`${accepted[0]?.id}`))).toBe(true);
    const leaking: string[] = [];
    for (const file of files) {
      const found = canaryIn(await readFile(file));
      if (found.length > 0) leaking.push(`${file.slice(t.home.length)}: ${found.join(',')}`);
    }
    expect(leaking).toEqual([]);
  });
});
