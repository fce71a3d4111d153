import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LandingMultipart } from '../../shared/adapters/embedded/landing-multipart.js';
import { LocalKeyProvider } from '../../shared/adapters/embedded/local-key-provider.js';
import { createEnvelope } from '../../shared/crypto/envelope.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function fixture() {
  const home = await mkdtemp(join(tmpdir(), 'phi-multipart-abort-'));
  dirs.push(home);
  const root = join(home, 'landing');
  return { root, multipart: new LandingMultipart(root, createEnvelope(new LocalKeyProvider(home))) };
}

/** A part body that yields its first half, waits for `gate`, then the rest. */
function pausedBody(bytes: Buffer, gate: Promise<void>): AsyncIterable<Uint8Array> {
  return (async function* () {
    yield bytes.subarray(0, bytes.length / 2);
    await gate;
    yield bytes.subarray(bytes.length / 2);
  })();
}

describe('local landing: a part still streaming when its upload is aborted', () => {
  it.each([1, 2, 7])(
    'part %i is refused NoSuchUpload and nothing of the upload stays',
    async (partNumber) => {
      const { root, multipart } = await fixture();
      const key = 'uploads/demo/4a1f0f0e-0000-4000-8000-000000000000/0';
      const uploadId = await multipart.create(key);
      const bytes = Buffer.alloc(64 * 1024, partNumber);
      const checksumSha256 = createHash('sha256').update(bytes).digest('base64');
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });

      const answer = multipart.putPart(
        key,
        uploadId,
        partNumber,
        { bytes: bytes.length, checksumSha256 },
        pausedBody(bytes, gate),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      await multipart.abort(key, uploadId);
      release();

      expect((await answer).status).toBe(404);
      expect(await readdir(join(root, '.multipart')).catch(() => [])).toEqual([]);
    },
  );
});
