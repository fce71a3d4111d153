import { mkdir, mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileContractStore } from '../../shared/adapters/embedded/file-contract-store.js';
import { ContractCache } from '../../shared/app/compiled-contracts.js';
import { parseContract } from '../../shared/core/deid/contract.js';
import { createDeidEngine } from '../../shared/core/deid/engine.js';
import type { PipelineError } from '../../shared/core/errors.js';
import { type FaultStack, startFaultStack, validContract } from '../helpers/invariants.js';

// Every parse and selector compilation the workers do, counted where they are defined.
const counts = vi.hoisted(() => ({ parse: 0, compile: 0 }));
vi.mock('../../shared/core/deid/contract.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../shared/core/deid/contract.js')>();
  return {
    ...real,
    parseContract: (json: unknown, source: string) => {
      counts.parse += 1;
      return real.parseContract(json, source);
    },
  };
});
vi.mock('../../shared/core/deid/compile.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../shared/core/deid/compile.js')>();
  return {
    ...real,
    compileSelectors: (...args: Parameters<typeof real.compileSelectors>) => {
      counts.compile += 1;
      return real.compileSelectors(...args);
    },
  };
});

const contract = (name: string, extra: object = {}) => ({ ...validContract(name), ...extra });
const anHourAgo = () => new Date(Date.now() - 3_600_000);

describe('FileContractStore: read once, then only stat', () => {
  let home: string;
  let store: FileContractStore;
  const file = (consumer: string) => join(home, 'contracts', `${consumer}.json`);
  const write = async (consumer: string, json: object | string, at = anHourAgo()) => {
    await writeFile(file(consumer), typeof json === 'string' ? json : JSON.stringify(json));
    await utimes(file(consumer), at, at);
  };
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'phi-contracts-'));
    await mkdir(join(home, 'contracts'));
    store = new FileContractStore(home);
  });
  afterEach(() => rm(home, { recursive: true, force: true }));

  it('answers an unchanged file from memory: the same frozen document every time', async () => {
    for (const consumer of ['lake', 'sea', 'pond']) await write(consumer, contract(consumer));
    for (const consumer of ['lake', 'sea', 'pond']) {
      const first = await store.get(consumer);
      for (let i = 0; i < 5; i++) expect(await store.get(consumer)).toBe(first);
      expect(Object.isFrozen(first?.json)).toBe(true);
      expect((await store.list()).find((c) => c.consumer === consumer)).toBe(first);
    }
  });

  it('sees a rewrite of the same size even when the old modification time is put back', async () => {
    await write('lake', contract('lake', { version: '1.0.0' }));
    const old = await store.get('lake');
    const { mtime } = await stat(file('lake'));
    await write('lake', contract('lake', { version: '1.0.1' }), mtime);
    const changed = await store.get('lake');
    expect(changed?.json).toMatchObject({ version: '1.0.1' });
    expect(changed?.version).not.toBe(old?.version);
  });

  it('re-reads a file written just now (mtime is coarse), keeping its version while the bytes agree', async () => {
    await write('lake', contract('lake'), new Date());
    const first = await store.get('lake');
    expect((await store.get('lake'))?.version).toBe(first?.version);
    await writeFile(file('lake'), JSON.stringify(contract('lake', { version: '2.0.0' })));
    expect((await store.get('lake'))?.json).toMatchObject({ version: '2.0.0' });
  });

  it('keeps refusing a file that is not JSON until it is fixed, and forgets a deleted one', async () => {
    await write('lake', '{"name": ');
    for (let i = 0; i < 3; i++)
      await expect(store.get('lake')).rejects.toMatchObject({ code: 'contract-invalid' });
    await write('lake', contract('lake'));
    expect((await store.get('lake'))?.consumer).toBe('lake');
    await rm(file('lake'));
    expect(await store.get('lake')).toBeUndefined();
  });
});

describe('ContractCache: parsed and compiled once per stored version', () => {
  const stored = (name: string, extra: object = {}, version?: string) => ({
    consumer: name,
    source: `contracts/${name}.json`,
    json: contract(name, extra),
    ...(version === undefined ? {} : { version }),
  });

  it('parses each version once, whatever the number of messages, and a new version at once', () => {
    const parse = vi.fn(parseContract);
    const cache = new ContractCache({ parse });
    const v1 = cache.contractOf(stored('lake', {}, 'a'));
    for (let i = 0; i < 20; i++) expect(cache.contractOf(stored('lake', {}, 'a'))).toBe(v1);
    expect(parse).toHaveBeenCalledTimes(1);
    const v2 = cache.contractOf(stored('lake', { output: { format: 'same' } }, 'b'));
    expect(v2.output).toEqual({ format: 'same' });
    expect(parse).toHaveBeenCalledTimes(2);
    // Stores without versions are versioned by their document.
    const u = cache.contractOf(stored('sea'));
    expect(cache.contractOf(stored('sea'))).toBe(u);
    expect(cache.contractOf(stored('sea', { version: '9.9.9' })).version).toBe('9.9.9');
    expect(parse).toHaveBeenCalledTimes(4);
  });

  it('remembers a broken contract as its error and names the file each time', () => {
    const parse = vi.fn(parseContract);
    const cache = new ContractCache({ parse });
    const broken = stored('lake', { extends: 'no-such-profile' }, 'x');
    const errors: PipelineError[] = [];
    for (let i = 0; i < 3; i++) {
      try {
        cache.contractOf(broken);
      } catch (error) {
        errors.push(error as PipelineError);
      }
    }
    expect(errors).toHaveLength(3);
    for (const e of errors) {
      expect(e.code).toBe('contract-invalid');
      expect(e.message).toContain('contracts/lake.json');
    }
    expect(parse).toHaveBeenCalledTimes(1);
    expect(cache.contractOf(stored('lake', {}, 'y')).name).toBe('lake');
  });

  it('builds one engine per contract, key id, day and secret', () => {
    const createEngine = vi.fn(createDeidEngine);
    const cache = new ContractCache({ createEngine });
    const c = cache.contractOf(stored('lake', {}, 'a'));
    const secret = new Uint8Array(32).fill(7);
    const opts = { contract: c, secret, keyId: 'deid-lake', referenceDate: '2026-12-03' };
    const engine = cache.engineFor(opts);
    for (let i = 0; i < 10; i++) expect(cache.engineFor({ ...opts, secret: secret.slice() })).toBe(engine);
    expect(createEngine).toHaveBeenCalledTimes(1);
    expect(cache.engineFor({ ...opts, referenceDate: '2026-12-04' })).not.toBe(engine);
    expect(cache.engineFor({ ...opts, keyId: 'deid-sea' })).not.toBe(engine);
    expect(cache.engineFor({ ...opts, secret: new Uint8Array(32).fill(8) })).not.toBe(engine);
    const other = cache.contractOf(stored('lake', {}, 'b'));
    expect(cache.engineFor({ ...opts, contract: other })).not.toBe(engine);
    expect(createEngine).toHaveBeenCalledTimes(5);
  });
});

describe('Local workers: contracts compiled once per version across many messages', () => {
  let s: FaultStack | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('parses an unchanged contract once, picks a changed one up on the next message, dead-letters a broken one', async () => {
    s = await startFaultStack({ consumers: ['lake', 'sea'] });
    const stack = s;
    const contractFile = (c: string) => join(stack.home, 'contracts', `${c}.json`);
    // Written long ago, as the operator's files usually are: trusted by stat alone.
    for (const c of stack.consumers) await utimes(contractFile(c), anHourAgo(), anHourAgo());
    stack.startWorkers();

    const warm = await stack.submit(1, 'warm');
    expect((await stack.settleAndCheck(warm, 30_000)).violations).toEqual([]);
    const after1 = { ...counts };
    const many = await stack.submit(6, 'many');
    const report = await stack.settleAndCheck(many, 30_000);
    expect(report.violations).toEqual([]);
    expect(report.pairs.filter((p) => p.kind === 'delivered')).toHaveLength(12);
    // Twelve more deliveries and six more fan-outs, not one more parse or compilation.
    expect(counts).toEqual(after1);

    // `lake` now wants a Bundle (`same`): the next message uses it.
    await writeFile(contractFile('lake'), JSON.stringify(contract('lake', { output: { format: 'same' } })));
    const changed = await stack.submit(2, 'changed');
    expect((await stack.settleAndCheck(changed, 30_000)).violations).toEqual([]);
    for (const id of changed) {
      expect(await stack.base.objects.exists(`consumers/lake/${id}.json`)).toBe(true);
      expect(await stack.base.objects.exists(`consumers/sea/${id}.ndjson`)).toBe(true);
    }
    expect(counts.parse).toBeGreaterThan(after1.parse);

    await writeFile(contractFile('sea'), JSON.stringify(contract('sea', { extends: 'no-such-profile' })));
    const broken = await stack.submit(2, 'broken');
    const brokenReport = await stack.settleAndCheck(broken, 30_000);
    expect(brokenReport.violations).toEqual([]);
    for (const id of broken) {
      const pairs = brokenReport.pairs.filter((p) => p.submissionId === id);
      expect(pairs.find((p) => p.consumer === 'sea')).toMatchObject({
        kind: 'dead-lettered',
        reason: 'contract-invalid',
      });
      expect(pairs.find((p) => p.consumer === 'lake')).toMatchObject({ kind: 'delivered' });
    }
  }, 120_000);
});
