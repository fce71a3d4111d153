import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type BenchReport, type BenchRow, markdown, throughputSvg } from '../../bench/report.js';
import { parseArgs } from '../../bench/run.js';

const row = (over: Partial<BenchRow>): BenchRow => ({
  section: 'stages',
  stage: 'encrypt (envelope)',
  format: 'fhir',
  size: '10 KB',
  inputBytes: 10 * 1024,
  items: 10,
  perSec: 500,
  mbPerSec: 5,
  ...over,
});

const report = (rows: BenchRow[]): BenchReport => ({
  startedAt: '2026-12-03T00:00:00.000Z',
  conditions: { 'load generator': 'concurrency 16' },
  rows,
  notes: {},
});

describe('bench report', () => {
  it('marks each target met or not met, and a row that could not be measured says why', () => {
    const md = markdown(
      report([
        row({ stage: 'accepted', section: 'stack', ratio: 0.01, target: { text: '≥ 0.40', met: false } }),
        row({ stage: 'de-identify', ratio: 0.6, target: { text: '≥ 0.50', met: true } }),
        row({ stage: 'end to end', section: 'stack', notMeasured: 'upload path not on main' }),
      ]),
    );
    expect(md).toContain('| load generator | concurrency 16 |');
    expect(md).toMatch(/\| accepted \|.*\*\*not met\*\*: ≥ 0\.40 \|/);
    expect(md).toMatch(/\| de-identify \|.*\| met: ≥ 0\.50 \|/);
    expect(md).toContain('not measured: upload path not on main');
    // One heading per section, stack before stages as the rows came.
    expect(md.indexOf('## Running stack')).toBeLessThan(md.indexOf('## Stages'));
  });

  it('plots one solid line per stage and format, a dashed floor only where there is one, x growing with size', () => {
    const svg = throughputSvg(
      report([
        row({ size: '10 KB', inputBytes: 10_240, mbPerSec: 5, floor: { what: 'AES', perSec: 5000 } }),
        row({ size: '1 MB', inputBytes: 1_048_576, mbPerSec: 50, floor: { what: 'AES', perSec: 300 } }),
        row({ stage: 'notify', format: '-', inputBytes: 300, mbPerSec: undefined }),
        row({ stage: 'de-identify', format: 'x12', inputBytes: 1_048_576, mbPerSec: 2 }),
        row({ stage: 'store', notMeasured: 'failed' }),
      ]),
    );
    const solid = [...svg.matchAll(/<polyline [^>]*stroke-width="2" points="([^"]*)"/g)];
    const dashed = [...svg.matchAll(/stroke-dasharray/g)];
    expect(solid).toHaveLength(2);
    expect(dashed).toHaveLength(1);
    const xs = (solid[0]?.[1] ?? '').split(' ').map((p) => Number(p.split(',')[0]));
    expect(xs).toHaveLength(2);
    expect(xs[1]).toBeGreaterThan(xs[0] as number);
    expect(svg).toContain('encrypt (envelope) (fhir)');
    expect(svg).not.toContain('store (fhir)');
  });
});

describe('bench arguments', () => {
  it('takes sections by name and alias, and leaves the X12 comparison out of --quick unless asked', () => {
    expect([...parseArgs(['--only', 'ingest,deid']).only].sort()).toEqual(['deid', 'stack']);
    expect([...parseArgs(['e2e']).only]).toEqual(['stack']);
    expect(parseArgs(['--quick']).only.has('x12')).toBe(false);
    expect(parseArgs([]).only.has('x12')).toBe(true);
    expect(parseArgs(['--quick', '--only', 'x12']).only.has('x12')).toBe(true);
    expect(parseArgs(['--concurrency', '8']).concurrency).toBe(8);
    expect(parseArgs([]).concurrency).toBe(16);
    expect(() => parseArgs(['--only', 'nonsense'])).toThrow(/unknown section/);
    expect(() => parseArgs(['--concurrency', '0'])).toThrow();
  });
});

describe('key-port counter', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('counts envelope operations and the data keys really made behind the data-key cache, per thread', async () => {
    const counters = await mkdtemp(path.join(os.tmpdir(), 'bench-counters-'));
    const home = await mkdtemp(path.join(os.tmpdir(), 'bench-home-'));
    dirs.push(counters, home);
    process.env.BENCH_KEY_PORT_DIR = counters;
    await import('../../bench/key-port-counter.js');
    const { LocalKeyProvider } = await import('../../shared/adapters/embedded/local-key-provider.js');
    const { createEnvelope } = await import('../../shared/crypto/envelope.js');
    // Two objects per data key: 5 encrypts take 3 data keys; decrypting the first 4 unwraps 2 of them.
    const envelope = createEnvelope(new LocalKeyProvider(home, { cache: { maxMessagesEncrypted: 2 } }));
    const context = (i: number) => ({ purpose: 'raw', submissionId: `s-${i}`, partner: 'demo' });
    const sealed = [];
    for (let i = 0; i < 5; i++) sealed.push(await envelope.encrypt('data', new Uint8Array([i]), context(i)));
    for (const [i, c] of sealed.slice(0, 4).entries()) await envelope.decrypt('data', c, context(i));
    await new Promise((r) => setTimeout(r, 250));
    const files = await readdir(counters);
    expect(files).toHaveLength(1);
    const counts = JSON.parse(await readFile(path.join(counters, files[0] as string), 'utf8'));
    expect(counts).toEqual({ materials: 9, dataKeysGenerated: 3, dataKeysUnwrapped: 2, opaqueMaterials: 0 });
  });
});
