import { createReadStream, readFileSync } from 'node:fs';
import { X12Parser } from 'node-x12';
import { X12parser } from 'x12-parser';
import { x12Passes } from './x12-passes.js';

/**
 * One X12 bench measurement in a process of its own, so its peak RSS is its own:
 * `node x12-child.js MODE FILE stream|memory` prints `{ms, bytes, maxRssMb, segments}` as one JSON line.
 * `memory` reads the file first and repeats the pass until 20 MB went through (best of three);
 * `stream` reads it once from disk in 64 KiB chunks, as a Lambda reading S3 would.
 */
const [mode = 'floor', file = '', how = 'memory'] = process.argv.slice(2);

async function* chunksOf(path: string): AsyncGenerator<Uint8Array> {
  for await (const chunk of createReadStream(path, { highWaterMark: 64 * 1024 })) yield chunk as Buffer;
}

async function competitor(name: string, source: () => AsyncIterable<Uint8Array>): Promise<number> {
  if (name === 'node-x12') {
    // node-x12 parses a whole string into an object tree: that is its API.
    const chunks: Buffer[] = [];
    for await (const c of source()) chunks.push(Buffer.from(c));
    const interchange = new X12Parser(true).parse(Buffer.concat(chunks).toString('latin1'));
    let segments = 0;
    for (const g of (interchange as { functionalGroups: { transactions: { segments: unknown[] }[] }[] })
      .functionalGroups)
      for (const t of g.transactions) segments += t.segments.length;
    return segments;
  }
  // x12-parser: a Transform stream emitting one object per segment.
  const parser = new X12parser();
  let segments = 0;
  parser.on('data', () => {
    segments++;
  });
  const done = new Promise<void>((resolve, reject) => {
    parser.on('end', resolve);
    parser.on('error', reject);
  });
  for await (const c of source()) {
    if (!parser.write(c)) await new Promise((r) => parser.once('drain', r));
  }
  parser.end();
  await done;
  return segments;
}

async function run(source: () => AsyncIterable<Uint8Array>): Promise<number> {
  if (mode === 'node-x12' || mode === 'x12-parser') return competitor(mode, source);
  const pass = x12Passes[mode];
  if (pass === undefined) throw new TypeError(`unknown mode ${mode}`);
  return pass(source);
}

async function main(): Promise<void> {
  const bytes = readFileSync(file).byteLength;
  let ms = Number.POSITIVE_INFINITY;
  let segments = 0;
  let total = bytes;
  if (how === 'stream') {
    const t0 = performance.now();
    segments = await run(() => chunksOf(file));
    ms = performance.now() - t0;
  } else {
    const data = readFileSync(file);
    const times = Math.max(1, Math.ceil(20e6 / bytes));
    total = bytes * times;
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      for (let i = 0; i < times; i++) {
        segments = await run(async function* () {
          for (let at = 0; at < data.byteLength; at += 64 * 1024) yield data.subarray(at, at + 64 * 1024);
        });
      }
      ms = Math.min(ms, performance.now() - t0);
    }
  }
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ ms, bytes: total, maxRssMb, segments })}\n`);
}

main().catch((error: unknown) => {
  process.stdout.write(
    `${JSON.stringify({ error: error instanceof Error ? error.message : String(error) })}\n`,
  );
  process.exitCode = 1;
});
