import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactVerify, importJWK } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { splitLines } from '../../shared/adapters/embedded/audit-files.js';
import { FileContractStore } from '../../shared/adapters/embedded/file-contract-store.js';
import {
  FileAuditLog,
  FileAuditSink,
  FileObjectStore,
  FilePartnerRegistry,
  LocalKeyProvider,
  LocalTokenSigner,
  SqliteDeadLetters,
  SqliteQueue,
  verifyAuditDirectory,
} from '../../shared/adapters/embedded/index.js';
import type { Clock } from '../../shared/ports/clock.js';
import { auditEvent, describeAuditSinkContract } from '../contract/audit-sink.contract.js';
import { describeContractStoreContract } from '../contract/contract-store.contract.js';
import { describeDeadLettersContract } from '../contract/dead-letters.contract.js';
import { describeKeyProviderContract } from '../contract/key-provider.contract.js';
import { describeObjectStoreContract } from '../contract/object-store.contract.js';
import { describePartnerRegistryContract } from '../contract/partner-registry.contract.js';
import {
  describeQueueContract,
  type QueueFixture,
  type QueueFixtureConfig,
} from '../contract/queue.contract.js';
import { describeTokenSignerContract } from '../contract/token-signer.contract.js';

const tempHome = (): Promise<string> => mkdtemp(join(tmpdir(), 'phi-embedded-'));
const removeHome = (home: string): Promise<void> => rm(home, { recursive: true, force: true });

class FakeClock implements Clock {
  constructor(private ms = Date.parse('2026-08-01T00:00:00.000Z')) {}
  now(): Date {
    return new Date(this.ms);
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

async function readAuditLines(home: string) {
  const dir = join(home, 'audit');
  const names = (await readdir(dir)).filter((name) => name.endsWith('.jsonl')).sort();
  const lines = [];
  for (const name of names)
    lines.push(...splitLines(join(dir, name), await readFile(join(dir, name), 'utf8')));
  return lines;
}

describeObjectStoreContract('FileObjectStore', async () => {
  const home = await tempHome();
  return { store: new FileObjectStore(home), cleanup: () => removeHome(home) };
});

const sqliteQueueFixture = async (config: QueueFixtureConfig): Promise<QueueFixture> => {
  const home = await tempHome();
  const clock = new FakeClock();
  const queue = new SqliteQueue(home, {
    clock,
    maxReceiveCount: config.maxReceiveCount,
    defaultVisibilityTimeoutSeconds: config.visibilityTimeoutSeconds,
  });
  return {
    queue,
    deadLetters: new SqliteDeadLetters(queue),
    advance: async (seconds) => clock.advance(seconds),
    cleanup: async () => {
      queue.close();
      await removeHome(home);
    },
  };
};

describeQueueContract('SqliteQueue', sqliteQueueFixture);
describeDeadLettersContract('SqliteDeadLetters', sqliteQueueFixture);

describeKeyProviderContract('LocalKeyProvider', async () => {
  const home = await tempHome();
  return { keys: new LocalKeyProvider(home), cleanup: () => removeHome(home) };
});

describeAuditSinkContract('FileAuditSink', async () => {
  const home = await tempHome();
  const sink = new FileAuditSink(home);
  return {
    sink,
    log: new FileAuditLog(home),
    read: () => readAuditLines(home),
    cleanup: async () => {
      sink.close();
      await removeHome(home);
    },
  };
});

/** Writes `text` to `${dir}/${name}`, as an operator editing PHI_HOME would. */
async function writeInto(dir: string, name: string, text: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, name), text);
}

describeContractStoreContract('FileContractStore', async () => {
  const home = await tempHome();
  return {
    store: new FileContractStore(home),
    write: (name, text) => writeInto(join(home, 'contracts'), name, text),
    cleanup: () => removeHome(home),
  };
});

describePartnerRegistryContract('FilePartnerRegistry', async () => {
  const home = await tempHome();
  return {
    registry: new FilePartnerRegistry(home),
    writeRaw: (id, text) => writeInto(join(home, 'registry', 'partners'), `${id}.json`, text),
    cleanup: () => removeHome(home),
  };
});

describeTokenSignerContract('LocalTokenSigner', async () => {
  const home = await tempHome();
  const other = await tempHome();
  return {
    signer: new LocalTokenSigner(home),
    sameKey: async () => new LocalTokenSigner(home),
    otherKey: async () => new LocalTokenSigner(other),
    cleanup: async () => {
      await removeHome(home);
      await removeHome(other);
    },
  };
});

describe('Embedded adapters', () => {
  let home: string;
  beforeEach(async () => {
    home = await tempHome();
  });
  afterEach(async () => {
    await removeHome(home);
  });

  describe('Class: FileObjectStore', () => {
    it('stores objects as 0600 files under objects/ in 0700 directories, leaving no temp files', async () => {
      const store = new FileObjectStore(home);
      await store.put('raw/demo/sub-1', new Uint8Array([1, 2, 3]));
      await store.put('raw/demo/sub-1', new Uint8Array([4]), { ifAbsent: true });
      expect((await stat(join(home, 'objects/raw/demo/sub-1'))).mode & 0o777).toBe(0o600);
      expect((await stat(join(home, 'objects/raw/demo'))).mode & 0o777).toBe(0o700);
      expect(await readdir(join(home, 'objects/raw/demo'))).toEqual(['sub-1']);
    });

    it('skips leftover temp files of an interrupted write in listings', async () => {
      const store = new FileObjectStore(home);
      await store.put('raw/demo/sub-1', new Uint8Array([1]));
      await writeFile(join(home, 'objects/raw/demo/.tmp-0123456789abcdef'), 'partial');
      expect(await store.list('raw/')).toEqual(['raw/demo/sub-1']);
      await expect(store.get('raw/demo/.tmp-0123456789abcdef')).rejects.toMatchObject({
        code: 'content-invalid',
      });
    });

    it('reports a damaged object file instead of returning it', async () => {
      const store = new FileObjectStore(home);
      await store.put('raw/demo/sub-1', new TextEncoder().encode('ciphertext'));
      const path = join(home, 'objects/raw/demo/sub-1');
      const file = await readFile(path);
      file[file.length - 1] = (file[file.length - 1] ?? 0) ^ 0xff;
      await writeFile(path, file);
      await expect(store.get('raw/demo/sub-1')).rejects.toMatchObject({ code: 'store-unavailable' });
    });

    it('refuses a key that would turn an existing key into a directory, and the reverse', async () => {
      const store = new FileObjectStore(home);
      await store.put('a/b', new Uint8Array([1]));
      await expect(store.put('a/b/c', new Uint8Array([2]))).rejects.toMatchObject({ code: 'store-conflict' });
      await expect(store.put('a', new Uint8Array([3]), { ifAbsent: true })).rejects.toMatchObject({
        code: 'store-conflict',
      });
      expect(await store.get('a')).toBeUndefined();
      expect(await store.exists('a/b/c')).toBe(false);
    });
  });

  describe('Class: SqliteQueue', () => {
    it('reports depth as visible, in flight and delayed', async () => {
      const clock = new FakeClock();
      const queue = new SqliteQueue(home, { clock });
      await queue.send('deliver', 'a');
      await queue.send('deliver', 'b');
      await queue.send('deliver', 'c', { delaySeconds: 60 });
      await queue.receive('deliver');
      expect(queue.depth('deliver')).toEqual({ visible: 1, inFlight: 1, delayed: 1, total: 3 });
      queue.close();
    });

    it('applies per-queue overrides of maxReceiveCount and visibility timeout', async () => {
      const clock = new FakeClock();
      const queue = new SqliteQueue(home, {
        clock,
        queues: { fragile: { maxReceiveCount: 1, visibilityTimeoutSeconds: 5 } },
      });
      await queue.send('fragile', 'm');
      await queue.receive('fragile');
      clock.advance(4);
      await expect(queue.receive('fragile')).resolves.toEqual([]);
      clock.advance(2);
      await expect(queue.receive('fragile')).resolves.toEqual([]);
      expect((await new SqliteDeadLetters(queue).list('fragile')).map((d) => d.queue)).toEqual([
        'fragile-dlq',
      ]);
      queue.close();
    });

    it('shows overdue dead letters in listDeadLetters even before anyone receives again', async () => {
      const clock = new FakeClock();
      const queue = new SqliteQueue(home, { clock, maxReceiveCount: 1, defaultVisibilityTimeoutSeconds: 1 });
      await queue.send('deid', 'm');
      await queue.receive('deid');
      expect(await new SqliteDeadLetters(queue).list()).toEqual([]);
      clock.advance(2);
      expect((await new SqliteDeadLetters(queue).list()).map((d) => [d.queue, d.sourceQueue])).toEqual([
        ['deid-dlq', 'deid'],
      ]);
      queue.close();
    });

    it('treats a message sent straight to q-dlq as a dead letter of q', async () => {
      const queue = new SqliteQueue(home);
      const { messageId } = await queue.send('deid-dlq', 'm', {
        attributes: { failureReason: 'invalid-fhir' },
      });
      const [dead] = await new SqliteDeadLetters(queue).list('deid');
      expect(dead).toMatchObject({
        messageId,
        sourceQueue: 'deid',
        attributes: { failureReason: 'invalid-fhir' },
      });
      await expect(new SqliteDeadLetters(queue).replay('deid-dlq', messageId)).resolves.toBe(true);
      expect(queue.depth('deid').visible).toBe(1);
      queue.close();
    });

    it('wakes a long poll when a message arrives', async () => {
      const queue = new SqliteQueue(home, { pollIntervalMs: 10_000 });
      const polling = queue.receive('events', { waitTimeSeconds: 20 });
      await queue.send('events', 'late');
      const [message] = await polling;
      expect(message?.body).toBe('late');
      queue.close();
    });

    it('returns an empty list after the long-poll wait when nothing arrives', async () => {
      const queue = new SqliteQueue(home, { pollIntervalMs: 50 });
      await expect(queue.receive('events', { waitTimeSeconds: 1 })).resolves.toEqual([]);
      queue.close();
    });

    it('keeps its database files private', async () => {
      const queue = new SqliteQueue(home);
      await queue.send('q', 'm');
      for (const name of (await readdir(home)).filter((n) => n.startsWith('queues.db'))) {
        expect((await stat(join(home, name))).mode & 0o777, name).toBe(0o600);
      }
      queue.close();
    });

    it('shares messages between two instances on one file, like two processes', async () => {
      const one = new SqliteQueue(home);
      const two = new SqliteQueue(home);
      await one.send('shared', 'm');
      const [message] = await two.receive('shared');
      expect(message?.body).toBe('m');
      await expect(one.receive('shared')).resolves.toEqual([]);
      one.close();
      two.close();
    });

    it('refuses invalid names, options and bodies', async () => {
      const queue = new SqliteQueue(home);
      await expect(queue.send('bad name', 'x')).rejects.toMatchObject({ code: 'config-invalid' });
      await expect(queue.send(`${'q'.repeat(77)}`, 'x')).rejects.toMatchObject({ code: 'config-invalid' });
      await expect(
        new SqliteDeadLetters(queue).replay('not-a-dead-letter-queue', 'id'),
      ).rejects.toMatchObject({
        code: 'config-invalid',
      });
      await expect(queue.receive('q', { maxMessages: 11 })).rejects.toMatchObject({
        code: 'content-invalid',
      });
      await expect(queue.send('q', 'x'.repeat(256 * 1024 + 1))).rejects.toMatchObject({
        code: 'content-invalid',
      });
      queue.close();
    });
  });

  describe('Class: FileAuditSink', () => {
    it('writes 0600 day files by the UTC date of each record, chained across files', async () => {
      const sink = new FileAuditSink(home);
      await sink.append(auditEvent({ time: '2026-08-01T23:59:59.000+00:00' }));
      await sink.append(auditEvent({ time: '2026-08-01T20:30:00.000-04:00' }));
      await sink.append(auditEvent({ time: '2026-08-03T00:00:00.000Z' }));
      sink.close();
      const files = (await readdir(join(home, 'audit'))).filter((name) => name.endsWith('.jsonl')).sort();
      expect(files).toEqual(['2026-08-01.jsonl', '2026-08-02.jsonl', '2026-08-03.jsonl']);
      expect((await stat(join(home, 'audit', files[0] ?? ''))).mode & 0o777).toBe(0o600);
      await expect(verifyAuditDirectory(home)).resolves.toMatchObject({ ok: true, count: 3 });
    });

    it('puts a late record into the newest file so file order stays chain order', async () => {
      const sink = new FileAuditSink(home);
      await sink.append(auditEvent({ time: '2026-08-02T00:00:00.000Z' }));
      await sink.append(auditEvent({ time: '2026-08-01T23:59:59.000Z' }));
      sink.close();
      expect((await readdir(join(home, 'audit'))).filter((name) => name.endsWith('.jsonl'))).toEqual([
        '2026-08-02.jsonl',
      ]);
      await expect(verifyAuditDirectory(home)).resolves.toMatchObject({ ok: true, count: 2 });
    });

    it('reports the file and line of a record with one byte changed', async () => {
      const sink = new FileAuditSink(home);
      for (let i = 0; i < 4; i++) await sink.append(auditEvent({ requestId: `req-${i}` }));
      sink.close();
      const path = join(home, 'audit', '2026-08-01.jsonl');
      const text = await readFile(path, 'utf8');
      const lines = text.split('\n');
      lines[2] = (lines[2] ?? '').replace('req-2', 'req-X');
      await writeFile(path, lines.join('\n'));
      await expect(verifyAuditDirectory(home)).resolves.toEqual({
        ok: false,
        count: 2,
        broken: { file: path, line: 3, seq: 3, reason: 'hash-mismatch' },
      });
    });

    it('reports a removed record as a break in the chain', async () => {
      const sink = new FileAuditSink(home);
      for (let i = 0; i < 4; i++) await sink.append(auditEvent({ requestId: `req-${i}` }));
      sink.close();
      const path = join(home, 'audit', '2026-08-01.jsonl');
      const lines = (await readFile(path, 'utf8')).split('\n');
      lines.splice(1, 1);
      await writeFile(path, lines.join('\n'));
      await expect(verifyAuditDirectory(home)).resolves.toMatchObject({
        ok: false,
        broken: { file: path, line: 2, seq: 3, reason: 'prev-mismatch' },
      });
    });

    it('cuts off a torn final line left by a crash and continues the chain from the last whole record', async () => {
      const sink = new FileAuditSink(home);
      const first = await sink.append(auditEvent());
      const path = join(home, 'audit', '2026-08-01.jsonl');
      await writeFile(path, `${await readFile(path, 'utf8')}{"action":"submission.acc`);
      await expect(verifyAuditDirectory(home)).resolves.toMatchObject({
        ok: false,
        broken: { line: 2, reason: 'unparsable' },
      });
      const second = await sink.append(auditEvent());
      sink.close();
      expect(second).toMatchObject({ seq: 2, prev: first.hash });
      await expect(verifyAuditDirectory(home)).resolves.toEqual({ ok: true, count: 2, head: second.hash });
    });

    it('keeps one chain when two sink instances in one process append concurrently', async () => {
      const one = new FileAuditSink(home);
      const two = new FileAuditSink(home);
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? one : two).append(auditEvent({ requestId: `req-${i}` })),
        ),
      );
      one.close();
      two.close();
      await expect(verifyAuditDirectory(home)).resolves.toMatchObject({ ok: true, count: 20 });
    });

    it('keeps its lock database private', async () => {
      new FileAuditSink(home).close();
      expect((await stat(join(home, 'audit', '.lock.db'))).mode & 0o777).toBe(0o600);
      expect((await stat(join(home, 'audit'))).mode & 0o777).toBe(0o700);
    });

    it('verifies an empty or missing log as an empty chain', async () => {
      await expect(verifyAuditDirectory(home)).resolves.toMatchObject({ ok: true, count: 0 });
    });
  });

  describe('Class: LocalKeyProvider', () => {
    it('creates one 32-byte 0600 key file per name, and reuses it across instances', async () => {
      await new LocalKeyProvider(home).materials('consumer:analytics');
      const path = join(home, 'keys', 'consumer-analytics.key');
      const key = await readFile(path);
      expect(key.byteLength).toBe(32);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      await Promise.all([
        new LocalKeyProvider(home).materials('consumer:analytics'),
        new LocalKeyProvider(home).materials('data'),
        new LocalKeyProvider(home).materials('data'),
      ]);
      expect(Buffer.compare(await readFile(path), key)).toBe(0);
      expect((await readdir(join(home, 'keys'))).sort()).toEqual(['consumer-analytics.key', 'data.key']);
    });

    it.each(['', 'Data', 'consumer:', 'consumer:a:b', 'consumer-x', '../data', 'consumer:-x'])(
      'refuses the key name %j',
      async (name) => {
        await expect(
          Promise.resolve().then(() => new LocalKeyProvider(home).materials(name)),
        ).rejects.toMatchObject({
          code: 'config-invalid',
        });
      },
    );

    it('refuses a key file of the wrong length', async () => {
      await new LocalKeyProvider(home).materials('data');
      await writeFile(join(home, 'keys', 'data.key'), Buffer.alloc(16));
      await expect(new LocalKeyProvider(home).materials('data')).rejects.toMatchObject({
        code: 'crypto-failed',
      });
    });
  });

  describe('Class: LocalTokenSigner', () => {
    it('signs ES256 JWS that verify with its public JWK, kid being the RFC 7638 thumbprint', async () => {
      const signer = new LocalTokenSigner(home);
      const jwk = await signer.publicJwk();
      expect(jwk).toMatchObject({
        kty: 'EC',
        crv: 'P-256',
        alg: 'ES256',
        use: 'sig',
        kid: await signer.kid(),
      });
      expect(jwk).not.toHaveProperty('d');
      const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: jwk.kid })).toString('base64url');
      const payload = Buffer.from('{"sub":"demo"}').toString('base64url');
      const signature = await signer.sign(new TextEncoder().encode(`${header}.${payload}`));
      expect(signature.byteLength).toBe(64);
      const token = `${header}.${payload}.${Buffer.from(signature).toString('base64url')}`;
      const verified = await compactVerify(token, await importJWK(jwk, 'ES256'));
      expect(new TextDecoder().decode(verified.payload)).toBe('{"sub":"demo"}');
    });

    it('keeps one issuer key across instances, in a 0600 file', async () => {
      const kids = await Promise.all([new LocalTokenSigner(home).kid(), new LocalTokenSigner(home).kid()]);
      expect(kids[0]).toBe(kids[1]);
      expect(await new LocalTokenSigner(home).kid()).toBe(kids[0]);
      expect((await stat(join(home, 'keys', 'issuer.jwk'))).mode & 0o777).toBe(0o600);
    });

    it('produces signatures another key does not verify', async () => {
      const other = await mkdtemp(join(tmpdir(), 'phi-embedded-'));
      try {
        const signer = new LocalTokenSigner(home);
        const stranger = new LocalTokenSigner(other);
        const header = Buffer.from('{"alg":"ES256"}').toString('base64url');
        const signature = await signer.sign(new TextEncoder().encode(`${header}.`));
        const token = `${header}..${Buffer.from(signature).toString('base64url')}`;
        await expect(
          compactVerify(token, await importJWK(await stranger.publicJwk(), 'ES256')),
        ).rejects.toMatchObject({
          code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
        });
      } finally {
        await removeHome(other);
      }
    });
  });

  describe('Class: FilePartnerRegistry', () => {
    const partner = {
      id: 'demo',
      scopes: ['system/Bundle.write', 'system/Claim.write'],
      keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1', alg: 'ES256', use: 'sig' }],
      status: 'active' as const,
      createdAt: '2026-08-01T00:00:00.000Z',
    };

    it('stores, reads and lists partners', async () => {
      const registry = new FilePartnerRegistry(home);
      await registry.put(partner);
      await registry.put({ ...partner, id: 'acme', status: 'disabled' });
      expect(await registry.get('demo')).toEqual(partner);
      expect((await registry.list()).map((p) => p.id)).toEqual(['acme', 'demo']);
      expect((await stat(join(home, 'registry/partners/demo.json'))).mode & 0o777).toBe(0o600);
    });

    it('answers undefined for unknown or invalid ids and refuses to store them', async () => {
      const registry = new FilePartnerRegistry(home);
      expect(await registry.get('nobody')).toBeUndefined();
      expect(await registry.get('../keys/data')).toBeUndefined();
      await expect(registry.put({ ...partner, id: '../evil' })).rejects.toMatchObject({
        code: 'config-invalid',
      });
    });

    it('refuses a private key in a partner record', async () => {
      const registry = new FilePartnerRegistry(home);
      await expect(
        registry.put({ ...partner, keys: [{ ...partner.keys[0], d: 'secret' }] }),
      ).rejects.toMatchObject({ code: 'config-invalid' });
    });

    it('reports a damaged record file as config-invalid', async () => {
      const registry = new FilePartnerRegistry(home);
      await registry.put(partner);
      await writeFile(join(home, 'registry/partners/demo.json'), '{"id":"demo","scopes":"all"}');
      await expect(registry.get('demo')).rejects.toMatchObject({ code: 'config-invalid' });
    });
  });
});
