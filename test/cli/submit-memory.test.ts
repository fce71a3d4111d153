import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitFiles } from '../../cli/submit-files.js';
import { startFakeUploadServer } from './submit-fake-server.js';

const MiB = 1024 * 1024;
const SIZE = 200 * MiB;

/** A 200 MB NDJSON file written in 1 MiB blocks of whole lines. */
async function writeBigNdjson(file: string): Promise<number> {
  const line = `${JSON.stringify({ resourceType: 'Observation', id: 'x', valueString: 'y'.repeat(200) })}\n`;
  const block = Buffer.from(line.repeat(Math.floor(MiB / line.length)));
  const out = createWriteStream(file);
  let written = 0;
  while (written < SIZE) {
    if (!out.write(block)) await new Promise<void>((r) => out.once('drain', () => r()));
    written += block.byteLength;
  }
  await new Promise<void>((r, j) => out.end((e?: Error | null) => (e ? j(e) : r())));
  return written;
}

describe('phi submit streams a large file: memory stays flat', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'phi-submit-big-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('describes and PUTs a 200 MB file with RSS growing by far less than its size', async () => {
    const file = path.join(dir, 'Observation.ndjson');
    const bytes = await writeBigNdjson(file);
    const server = await startFakeUploadServer();
    try {
      global.gc?.();
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 20);
      let sent = 0;
      const started = Date.now();
      const [r] = await submitFiles(server.client(), [file], () => {}, {
        upload: {
          waitMs: 5_000,
          progress: (label) => ({
            advance: (n) => {
              if (label.startsWith('upload')) sent += n;
              peak = Math.max(peak, process.memoryUsage().rss);
            },
            finish: () => {},
          }),
        },
      });
      clearInterval(sampler);
      const seconds = (Date.now() - started) / 1000;
      const growth = peak - before;
      console.log(
        `200 MB upload path: ${seconds.toFixed(1)} s, RSS ${Math.round(before / MiB)} → peak ${Math.round(peak / MiB)} MiB (+${Math.round(growth / MiB)} MiB)`,
      );
      expect(r?.status).toBe('processing');
      expect(sent).toBe(bytes);
      const put = [...server.uploads.values()][0]?.puts[0];
      expect(put).toMatchObject({ status: 200, bytes });
      // Both ends (client and the stand-in server) run in this process; neither may hold the file.
      expect(growth).toBeLessThan(64 * MiB);
    } finally {
      await server.close();
    }
  }, 180_000);
});
