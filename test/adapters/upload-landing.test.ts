import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalKeyProvider } from '../../shared/adapters/embedded/local-key-provider.js';
import { LocalUploadLanding } from '../../shared/adapters/embedded/local-upload-landing.js';
import { createEnvelope } from '../../shared/crypto/envelope.js';
import { systemClock } from '../../shared/ports/clock.js';
import { describeUploadLandingContract } from '../contract/upload-landing.contract.js';

const body = async function* (bytes: Uint8Array): AsyncIterable<Uint8Array> {
  // Odd chunk sizes, as a socket delivers them.
  for (let at = 0; at < bytes.byteLength; at += 16_381) yield bytes.subarray(at, at + 16_381);
};

async function localFixture() {
  const home = await mkdtemp(join(tmpdir(), 'phi-landing-'));
  const landing = new LocalUploadLanding(home, {
    publicUrl: 'https://127.0.0.1:8443',
    clock: systemClock,
    envelope: createEnvelope(new LocalKeyProvider(home)),
  });
  const send = async (
    method: 'PUT' | 'GET' | 'POST',
    url: string,
    headers: Readonly<Record<string, string>>,
    bytes: Uint8Array = new Uint8Array(0),
  ) => {
    const parsed = new URL(url);
    const answer = await landing.receive({
      method,
      key: decodeURIComponent(parsed.pathname.slice(1)),
      query: parsed.searchParams,
      contentLength: String(bytes.byteLength),
      checksumSha256: headers['x-amz-checksum-sha256'],
      body: body(bytes),
    });
    return {
      status: answer.status,
      text: answer.body,
      ...(answer.headers.ETag ? { eTag: answer.headers.ETag } : {}),
    };
  };
  return {
    home,
    landing,
    refusesTampering: true,
    send,
    put: (url: string, headers: Readonly<Record<string, string>>, bytes: Uint8Array) =>
      send('PUT', url, headers, bytes),
    cleanup: () => rm(home, { recursive: true, force: true }),
  };
}

describeUploadLandingContract('LocalUploadLanding', localFixture);

describe('Class: LocalUploadLanding', () => {
  it('keeps landed files encrypted at rest, and a changed byte on disk is refused on read', async () => {
    const f = await localFixture();
    try {
      const canary = Buffer.from(
        '{"resourceType":"Patient","name":[{"family":"CANARY-LANDING-7731"}]}\n'.repeat(5000),
      );
      const key = 'uploads/demo/0b7a3f1e-2c4d-4e5f-8a9b-0c1d2e3f4a5b/0';
      const { createHash } = await import('node:crypto');
      const signed = await f.landing.presignPut(key, {
        checksumSha256: createHash('sha256').update(canary).digest('base64'),
        bytes: canary.byteLength,
        expiresAt: new Date(Date.now() + 60_000),
      });
      expect((await f.put(signed.url, signed.headers, canary)).status).toBe(200);
      const path = join(f.home, 'landing', ...key.split('/'));
      const stored = await readFile(path);
      expect(stored.includes('CANARY-LANDING')).toBe(false);
      expect(stored.byteLength).toBeGreaterThan(canary.byteLength);
      // Flip one byte in the middle frame, and separately cut the last frame off.
      const flipped = Buffer.from(stored);
      const middle = Math.floor(stored.byteLength / 2);
      flipped[middle] = (flipped[middle] ?? 0) ^ 1;
      await writeFile(path, flipped);
      await expect(async () => {
        for await (const _ of (await f.landing.open(key)) ?? []) void _;
      }).rejects.toMatchObject({ code: 'store-unavailable' });
      await writeFile(path, stored.subarray(0, stored.byteLength - 40));
      await expect(async () => {
        for await (const _ of (await f.landing.open(key)) ?? []) void _;
      }).rejects.toMatchObject({ code: 'store-unavailable' });
      // No temp file of a refused or finished upload stays behind.
      expect(
        (
          await readdir(join(f.home, 'landing', 'uploads', 'demo', '0b7a3f1e-2c4d-4e5f-8a9b-0c1d2e3f4a5b'))
        ).filter((n) => n.startsWith('.tmp-')),
      ).toEqual([]);
    } finally {
      await f.cleanup();
    }
  });
});
