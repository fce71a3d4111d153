/**
 * Hostile-input catalog §7 A (transport, HTTP framing, size) over real HTTPS, mapped to SPEC §3 codes.
 * Every rejection is checked with its invariants (nothing stored or queued, one failure audit record).
 */

import tls from 'node:tls';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPartner } from '../../local/partner-keys.js';
import {
  accessToken,
  DOOR_ONLY,
  expectNothingStored,
  expectOutcome,
  expectRejected,
  expectServerAlive,
  freshBundle,
  rawExchange,
  rawHead,
  sendRaw,
  snapshot,
  submission,
  utf8,
} from '../helpers/hostile.js';
import { startTestStack, type TestStack } from '../helpers/test-stack.js';

const MAX_BODY = 65_536;

/** A JSON text of exactly `size` bytes (content does not matter: size is checked before parsing). */
const jsonOfSize = (size: number): Buffer => {
  const head = '{"resourceType":"Bundle","type":"collection","id":"';
  const tail = '"}';
  return utf8(head + 'a'.repeat(size - head.length - tail.length) + tail);
};

describe('hostile transport (catalog A): framing, media type, size', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({ ...DOOR_ONLY, PHI_MAX_BODY_BYTES: String(MAX_BODY) });
    await accessToken(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('A1: a body one byte over PHI_MAX_BODY_BYTES is 413 payload-too-large', async () => {
    const req = await submission(t, jsonOfSize(MAX_BODY + 1));
    await expectRejected(t, () => sendRaw(t, req), 413, 'payload-too-large');
  });

  it('A1 (control): a body of exactly PHI_MAX_BODY_BYTES passes the size check', async () => {
    // Gets past size, digest and signature to validation, which refuses a 65 000-character Bundle.id.
    const req = await submission(t, jsonOfSize(MAX_BODY));
    expectOutcome(await sendRaw(t, req), 422, 'invalid-fhir');
  });

  it('A1: a chunked body (no Content-Length) over the limit is 413 and answered before it is all sent', async () => {
    const body = Buffer.alloc(4 * MAX_BODY, 0x20);
    const req = await submission(t, body);
    const head = rawHead(t, 'POST', '/v1/bundles', [
      ...Object.entries(req.headers),
      ['Transfer-Encoding', 'chunked'],
      ['Connection', 'close'],
    ]);
    const chunks: Buffer[] = [head];
    for (let at = 0; at < body.length; at += 8192) {
      const piece = body.subarray(at, at + 8192);
      chunks.push(Buffer.concat([utf8(`${piece.length.toString(16)}\r\n`), piece, utf8('\r\n')]));
    }
    chunks.push(utf8('0\r\n\r\n'));
    const before = await snapshot(t);

    const ex = await rawExchange(t, chunks, { stopWhenAnswered: true });

    const [first] = ex.responses;
    expect(first).toBeDefined();
    if (first) expectOutcome(first, 413, 'payload-too-large');
    await expectNothingStored(t, before, { code: 'payload-too-large', audit: 'one' });
  });

  it('A1/A2: a declared 5 MiB body is refused at the limit, long before the server has read it all', async () => {
    const body = Buffer.alloc(5 * 1024 * 1024, 0x20);
    const req = await submission(t, body);
    const head = rawHead(t, 'POST', '/v1/bundles', [
      ...Object.entries(req.headers),
      ['Content-Length', String(body.length)],
    ]);
    const parts = [head];
    for (let at = 0; at < body.length; at += 16_384) parts.push(body.subarray(at, at + 16_384));
    const before = await snapshot(t);

    const ex = await rawExchange(t, parts, { stopWhenAnswered: true });

    const [first] = ex.responses;
    expect(first).toBeDefined();
    if (first) expectOutcome(first, 413, 'payload-too-large');
    expect(ex.closed, 'the server closes the connection instead of draining 5 MiB').toBe(true);
    expect(ex.bytesSent).toBeLessThan(body.length);
    await expectNothingStored(t, before, { code: 'payload-too-large', audit: 'one' });
  });

  it('A2: Content-Length 100 with 200 KB streamed: the 100-byte request is answered in order, then the connection closes', async () => {
    // The server can only see a 100-byte body (whose digest does not match the header, computed over
    // 200 KB) followed by garbage. In-order answers (RFC 9112 §9.3): first the framed request's own
    // answer, digest-mismatch, which is also what the audit records; the garbage is not a request.
    const body = Buffer.alloc(200_000, 0x61);
    const req = await submission(t, body);
    const head = rawHead(t, 'POST', '/v1/bundles', [
      ...Object.entries(req.headers),
      ['Content-Length', '100'],
    ]);
    const before = await snapshot(t);

    const ex = await rawExchange(t, [head, body]);

    expect(ex.closed).toBe(true);
    const [first] = ex.responses;
    expect(first).toBeDefined();
    if (first) expectOutcome(first, 400, 'digest-mismatch');
    await expectNothingStored(t, before, { code: 'digest-mismatch', audit: 'edge' });
  });

  it('A3: Content-Type text/plain with FHIR JSON is 415 unsupported-media-type', async () => {
    const req = await submission(t, freshBundle(), { headers: { 'Content-Type': 'text/plain' } });
    await expectRejected(t, () => sendRaw(t, req), 415, 'unsupported-media-type');
  });

  it('A3: no Content-Type at all is 415 unsupported-media-type', async () => {
    const req = await submission(t, freshBundle(), { headers: { 'Content-Type': undefined } });
    await expectRejected(t, () => sendRaw(t, req), 415, 'unsupported-media-type');
  });

  it('A3: application/json (not the route type) is 415 unsupported-media-type', async () => {
    const req = await submission(t, freshBundle(), { headers: { 'Content-Type': 'application/json' } });
    await expectRejected(t, () => sendRaw(t, req), 415, 'unsupported-media-type');
  });

  it("A3: the other route's media type is 415 on both routes", async () => {
    const onBundles = await submission(t, freshBundle(), {
      headers: { 'Content-Type': 'application/edi-x12' },
    });
    await expectRejected(t, () => sendRaw(t, onBundles), 415, 'unsupported-media-type');
    const onClaims = await submission(t, freshBundle(), {
      kind: 'claim',
      headers: { 'Content-Type': 'application/fhir+json' },
    });
    await expectRejected(t, () => sendRaw(t, onClaims), 415, 'unsupported-media-type');
  });

  it('A3: fhirVersion other than 4.0 is 415 unsupported-media-type', async () => {
    const req = await submission(t, freshBundle(), {
      headers: { 'Content-Type': 'application/fhir+json; fhirVersion=3.0' },
    });
    await expectRejected(t, () => sendRaw(t, req), 415, 'unsupported-media-type');
  });

  it('A3 (control): application/fhir+json; charset=utf-8; fhirVersion=4.0 is accepted', async () => {
    const req = await submission(t, freshBundle(), {
      headers: { 'Content-Type': 'application/fhir+json; charset=utf-8; fhirVersion=4.0' },
    });
    expect((await sendRaw(t, req)).status).toBe(202);
  });

  it('A4: application/fhir+json; charset=utf-16 (a UTF-16 body) is 415 unsupported-media-type', async () => {
    const body = Buffer.from(`\ufeff${freshBundle().toString('utf8')}`, 'utf16le');
    const req = await submission(t, body, {
      headers: { 'Content-Type': 'application/fhir+json; charset=utf-16' },
    });
    await expectRejected(t, () => sendRaw(t, req), 415, 'unsupported-media-type');
  });

  it('A5: Content-Encoding gzip (a zip bomb) is 415 unsupported-media-type, never inflated', async () => {
    // SPEC is silent on content codings; RFC 9110 §15.5.16 answers an unsupported coding with 415.
    // Digest and signature are over the bytes sent (RFC 9530: the encoded content), so only the coding is wrong.
    const bomb = gzipSync(Buffer.alloc(40 * 1024 * 1024, 0x20), { level: 9 });
    expect(bomb.length).toBeLessThan(MAX_BODY);
    const req = await submission(t, bomb, { headers: { 'Content-Encoding': 'gzip' } });
    await expectRejected(t, () => sendRaw(t, req), 415, 'unsupported-media-type');
  });

  it('A6: request headers of 64 KB are 431 payload-too-large with the SPEC headers', async () => {
    const req = await submission(t, freshBundle());
    const body = Buffer.from(req.body ?? '');
    const head = rawHead(t, 'POST', '/v1/bundles', [
      ...Object.entries(req.headers),
      ['X-Padding', 'a'.repeat(64 * 1024)],
      ['Content-Length', String(body.length)],
    ]);
    const before = await snapshot(t);

    const ex = await rawExchange(t, [head, body]);

    const [first] = ex.responses;
    expect(first).toBeDefined();
    if (first) expectOutcome(first, 431, 'payload-too-large');
    // The host (API Gateway when deployed) refuses these before any function runs.
    await expectNothingStored(t, before, { code: 'payload-too-large', audit: 'edge' });
  });

  it('A7: plain HTTP to the HTTPS port gets no HTTP answer (no redirect carrying the body) and the connection closes', async () => {
    const body = freshBundle();
    const head = `POST /v1/bundles HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/fhir+json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const before = await snapshot(t);

    const ex = await rawExchange(t, [utf8(head), body], { plain: true, timeoutMs: 10_000 });

    expect(ex.closed).toBe(true);
    expect(ex.data.toString('latin1').startsWith('HTTP/')).toBe(false);
    await expectNothingStored(t, before, { audit: 'none' });
  });

  it('A7: TLS below 1.2 is refused; TLS 1.2 itself is accepted', async () => {
    const { port, hostname } = new URL(t.url);
    const handshake = (maxVersion: 'TLSv1.1' | 'TLSv1.2') =>
      new Promise<string>((resolve) => {
        // SECLEVEL=0 lets this client offer TLS 1.1 at all: the refusal must come from the server.
        const s = tls.connect({
          host: hostname,
          port: Number(port),
          ca: t.ca,
          minVersion: 'TLSv1',
          maxVersion,
          ciphers: 'DEFAULT@SECLEVEL=0',
        });
        s.once('secureConnect', () => {
          resolve(String(s.getProtocol()));
          s.destroy();
        });
        s.once('error', (e: NodeJS.ErrnoException) => resolve(`error:${e.code ?? ''}`));
      });
    expect(await handshake('TLSv1.1')).toMatch(/^error:/);
    expect(await handshake('TLSv1.2')).toBe('TLSv1.2');
  });

  it('A9: PUT, PATCH and DELETE on /v1/bundles are 404 not-found (SPEC has no 405: no such route)', async () => {
    const token = await accessToken(t);
    for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
      await expectRejected(
        t,
        () =>
          sendRaw(t, {
            method,
            path: '/v1/bundles',
            headers: { Authorization: `Bearer ${token}` },
            body: '{}',
          }),
        404,
        'not-found',
      );
    }
  });

  it('an unknown route is 404 not-found with the SPEC headers', async () => {
    await expectRejected(
      t,
      () => sendRaw(t, { method: 'GET', path: '/v1/admin/replay', headers: {} }),
      404,
      'not-found',
    );
  });

  it('still answers discovery after all of the above', async () => {
    await expectServerAlive(t);
  });
});

describe('hostile transport (catalog A10): per-partner rate limit', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({ ...DOOR_ONLY, PHI_RATE_LIMIT_RPS: '1', PHI_RATE_LIMIT_BURST: '2' });
    await accessToken(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('A10: a burst over the limit is 429 rate-limited with Retry-After; the partner is told when to come back', async () => {
    // Requests that would be refused anyway (415) still spend the budget, which comes before media type.
    const req = await submission(t, freshBundle(), { headers: { 'Content-Type': 'text/plain' } });
    let limited = false;
    for (let i = 0; i < 10 && !limited; i++) {
      const before = await snapshot(t);
      const res = await sendRaw(t, req);
      if (res.status === 429) {
        limited = true;
        expectOutcome(res, 429, 'rate-limited');
        expect(String(res.headers['retry-after'])).toMatch(/^[1-9]\d*$/);
        await expectNothingStored(t, before, { code: 'rate-limited', audit: 'one' });
      } else {
        expectOutcome(res, 415, 'unsupported-media-type');
      }
    }
    expect(limited, 'a burst of 10 against RPS 1 / burst 2 meets the limit').toBe(true);
  });

  it('A10: another partner is not affected by the first one exhausting its budget', async () => {
    await addPartner(t.home, t.stack.deps.partners, t.stack.deps.clock, 'other-lab');
    const req = await submission(t, freshBundle(), { partner: 'other-lab' });
    const res = await sendRaw(t, req);
    expect(res.status).toBe(202);
  });

  it('still answers discovery after all of the above', async () => {
    await expectServerAlive(t);
  });
});
