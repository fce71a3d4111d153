/**
 * Hostile-input catalog §7 B (integrity digest) and A8 (repeated Content-Digest) over real HTTPS.
 * SPEC §3: digest-missing / digest-unsupported (+ Want-Content-Digest), digest-malformed, digest-mismatch.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentDigestHeader } from '../../cli/client/sign-submission.js';
import {
  accessToken,
  craftDetachedJws,
  DOOR_ONLY,
  ecSigner,
  expectNothingStored,
  expectOutcome,
  expectRejected,
  expectServerAlive,
  freshBundle,
  partnerJwsHeader,
  rawExchange,
  rawHead,
  sendRaw,
  snapshot,
  submission,
  utf8,
} from '../helpers/hostile.js';
import { startTestStack, type TestStack } from '../helpers/test-stack.js';

const WANT = { 'want-content-digest': 'sha-256=10' };
const hash = (algorithm: string, body: Uint8Array): Buffer => createHash(algorithm).update(body).digest();

describe('hostile digest (catalog B)', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack(DOOR_ONLY);
    await accessToken(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('B11: no Content-Digest is 400 digest-missing with Want-Content-Digest: sha-256=10', async () => {
    const req = await submission(t, freshBundle(), { headers: { 'Content-Digest': undefined } });
    await expectRejected(t, () => sendRaw(t, req), 400, 'digest-missing', { headers: WANT });
  });

  it('B12: only a (correct) md5 digest is 400 digest-unsupported with Want-Content-Digest', async () => {
    const body = freshBundle();
    const req = await submission(t, body, {
      headers: { 'Content-Digest': `md5=:${hash('md5', body).toString('base64')}:` },
    });
    await expectRejected(t, () => sendRaw(t, req), 400, 'digest-unsupported', { headers: WANT });
  });

  it('B13: only a (correct) SHA-1 "sha" digest is 400 digest-unsupported with Want-Content-Digest', async () => {
    const body = freshBundle();
    const req = await submission(t, body, {
      headers: { 'Content-Digest': `sha=:${hash('sha1', body).toString('base64')}:` },
    });
    await expectRejected(t, () => sendRaw(t, req), 400, 'digest-unsupported', { headers: WANT });
  });

  it('B14: the digest as a Token (no colons) is 400 digest-malformed', async () => {
    const body = freshBundle();
    const req = await submission(t, body, {
      headers: { 'Content-Digest': `sha-256=${hash('sha256', body).toString('base64')}` },
    });
    await expectRejected(t, () => sendRaw(t, req), 400, 'digest-malformed');
  });

  it('B15: base64url alphabet (- and _) inside the Byte Sequence is 400 digest-malformed', async () => {
    // Find a body whose SHA-256 in standard base64 has + or /, so the base64url form differs.
    let body = freshBundle();
    while (!/[+/]/.test(hash('sha256', body).toString('base64'))) body = freshBundle();
    const urlForm = hash('sha256', body).toString('base64url');
    const padded = urlForm + '='.repeat((4 - (urlForm.length % 4)) % 4);
    const req = await submission(t, body, { headers: { 'Content-Digest': `sha-256=:${padded}:` } });
    await expectRejected(t, () => sendRaw(t, req), 400, 'digest-malformed');
  });

  it('B16: a 31-byte sha-256 value is 400 digest-malformed', async () => {
    const body = freshBundle();
    const short = hash('sha256', body).subarray(0, 31).toString('base64');
    const req = await submission(t, body, { headers: { 'Content-Digest': `sha-256=:${short}:` } });
    await expectRejected(t, () => sendRaw(t, req), 400, 'digest-malformed');
  });

  it('B16: a 33-byte sha-256 value is 400 digest-malformed', async () => {
    const body = freshBundle();
    const long = Buffer.concat([hash('sha256', body), Buffer.from([0])]).toString('base64');
    const req = await submission(t, body, { headers: { 'Content-Digest': `sha-256=:${long}:` } });
    await expectRejected(t, () => sendRaw(t, req), 400, 'digest-malformed');
  });

  it('B16: an upper-case key (SHA-256) is not RFC 8941 syntax: 400 digest-malformed', async () => {
    const body = freshBundle();
    const req = await submission(t, body, {
      headers: { 'Content-Digest': `SHA-256=:${hash('sha256', body).toString('base64')}:` },
    });
    await expectRejected(t, () => sendRaw(t, req), 400, 'digest-malformed');
  });

  it('B16: sha-256 given as a String item instead of a Byte Sequence is 400 digest-malformed', async () => {
    const body = freshBundle();
    const req = await submission(t, body, {
      headers: { 'Content-Digest': `sha-256="${hash('sha256', body).toString('base64')}"` },
    });
    await expectRejected(t, () => sendRaw(t, req), 400, 'digest-malformed');
  });

  it('B17: the digest of the body without its trailing LF is 400 digest-mismatch', async () => {
    const withoutLf = utf8('{"hello": "world"}');
    const body = Buffer.concat([withoutLf, utf8('\n')]);
    const req = await submission(t, body, { headers: { 'Content-Digest': contentDigestHeader(withoutLf) } });
    await expectRejected(t, () => sendRaw(t, req), 400, 'digest-mismatch');
  });

  it('B18: only a legacy RFC 3230 Digest header is 400 digest-missing with Want-Content-Digest', async () => {
    const body = freshBundle();
    const req = await submission(t, body, {
      headers: { 'Content-Digest': undefined, Digest: `SHA-256=${hash('sha256', body).toString('base64')}` },
    });
    await expectRejected(t, () => sendRaw(t, req), 400, 'digest-missing', { headers: WANT });
  });

  it('B19: a right sha-256 next to a wrong sha-512 is 400 digest-mismatch (every supported digest is checked)', async () => {
    const body = freshBundle();
    const wrong512 = hash('sha512', utf8('another body')).toString('base64');
    const req = await submission(t, body, {
      headers: { 'Content-Digest': `${contentDigestHeader(body)}, sha-512=:${wrong512}:` },
    });
    await expectRejected(t, () => sendRaw(t, req), 400, 'digest-mismatch');
  });

  it('B19 (control): a right sha-256 next to a right sha-512 is accepted', async () => {
    const body = freshBundle();
    const right512 = hash('sha512', body).toString('base64');
    const req = await submission(t, body, {
      headers: { 'Content-Digest': `sha-512=:${right512}:, ${contentDigestHeader(body)}` },
    });
    expect((await sendRaw(t, req)).status).toBe(202);
  });

  it('B20: the digest of an empty body on a non-empty body is 400 digest-mismatch', async () => {
    const req = await submission(t, freshBundle(), {
      headers: { 'Content-Digest': 'sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:' },
    });
    await expectRejected(t, () => sendRaw(t, req), 400, 'digest-mismatch');
  });

  it('B21: a right digest over body B with a signature over body A is 400 signature-invalid', async () => {
    const bodyA = freshBundle();
    const bodyB = freshBundle();
    const jwk = await t.privateJwk();
    const req = await submission(t, bodyB, {
      headers: { 'X-JWS-Signature': craftDetachedJws(partnerJwsHeader(jwk), bodyA, ecSigner(jwk)) },
    });
    await expectRejected(t, () => sendRaw(t, req), 400, 'signature-invalid');
  });

  it('A8: a repeated sha-256 key in one Content-Digest is 400 digest-malformed', async () => {
    const body = freshBundle();
    const other = contentDigestHeader(utf8('other'));
    const req = await submission(t, body, {
      headers: { 'Content-Digest': `${contentDigestHeader(body)}, ${other}` },
    });
    await expectRejected(t, () => sendRaw(t, req), 400, 'digest-malformed');
  });

  it('A8: two Content-Digest header lines (right one last) are 400 digest-malformed, whatever the order', async () => {
    const body = freshBundle();
    const req = await submission(t, body);
    const right = contentDigestHeader(body);
    const wrong = contentDigestHeader(utf8('other'));
    for (const lines of [
      [wrong, right],
      [right, wrong],
      [right, right],
    ]) {
      const headers = Object.entries(req.headers).filter(([name]) => name !== 'Content-Digest');
      const head = rawHead(t, 'POST', '/v1/bundles', [
        ...headers,
        ...lines.map((v): [string, string] => ['Content-Digest', v]),
        ['Content-Length', String(body.length)],
        ['Connection', 'close'],
      ]);
      const before = await snapshot(t);

      const ex = await rawExchange(t, [head, body]);

      const [first] = ex.responses;
      expect(first).toBeDefined();
      if (first) expectOutcome(first, 400, 'digest-malformed');
      await expectNothingStored(t, before, { code: 'digest-malformed', audit: 'one' });
    }
  });

  it('still answers discovery after all of the above', async () => {
    await expectServerAlive(t);
  });
});
