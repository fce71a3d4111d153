import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumeOperator } from '../../cli/operator-commands.js';
import { recordFailure } from '../../shared/app/failures.js';
import type { PipelineDeps } from '../../shared/app/pipeline-deps.js';
import type { ConsumerNotification } from '../../shared/app/queue-messages.js';
import { queueNames } from '../../shared/app/queue-names.js';
import { consumerEncryptionContext, consumerKeyName } from '../../shared/app/submission.js';
import { loadConfig } from '../../shared/runtime/config.js';
import { createEmbeddedDeps } from '../../shared/runtime/embedded-deps.js';
import { PHI_BIN, REPO_ROOT as ROOT, type Run, spawnPhi } from '../helpers/phi-process.js';
import { until } from '../helpers/until.js';

/** The environment of a user with PHI_HOME set: nothing else of ours leaks in from the test runner. */
const envFor = (home: string): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PHI_'))),
  PHI_HOME: home,
});

const start = (home: string, args: readonly string[], extra: NodeJS.ProcessEnv = {}) =>
  spawnPhi(args, { ...envFor(home), ...extra });

const phi = (home: string, ...args: string[]): Promise<Run> => start(home, args).done;

/** `phi consume` where the consumer itself runs it: its environment declares PHI_CONSUMER. */
const asConsumer = (home: string, consumer: string, ...args: string[]): Promise<Run> =>
  start(home, ['consume', consumer, ...args], { PHI_CONSUMER: consumer }).done;

/** Poll every 100 ms, for up to 20 s. */
const POLL = { timeoutMs: 20_000, intervalMs: 100 };

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function storeCopy(deps: PipelineDeps, consumer: string, text: string): Promise<ConsumerNotification> {
  const plaintext = new TextEncoder().encode(text);
  const submissionId = randomUUID();
  const key = `consumers/${consumer}/${submissionId}.ndjson`;
  await deps.objects.put(
    key,
    await deps.envelope.encrypt(
      consumerKeyName(consumer),
      plaintext,
      consumerEncryptionContext(consumer, submissionId),
    ),
  );
  return {
    version: 1,
    type: 'submission.delivered',
    submissionId,
    consumer,
    bucket: deps.objects.bucket,
    key,
    contentType: 'application/fhir+ndjson',
    sha256: sha256(plaintext),
    bytes: plaintext.byteLength,
    resourceCounts: { Patient: 1 },
    profile: 'safe-harbor',
    createdAt: new Date().toISOString(),
  };
}

const deliverBody = (submissionId: string, consumer: string) =>
  JSON.stringify({
    version: 1,
    type: 'submission.deliver',
    submissionId,
    partner: 'demo',
    consumer,
    kind: 'bundle',
    key: `raw/demo/${submissionId}`,
    contentDigest: 'sha-256=:AAAA:',
    receivedAt: new Date().toISOString(),
  });

interface AuditLine {
  action: string;
  actor: { type: string; id: string };
  outcome: string;
  code?: string;
  details?: Record<string, string | number | boolean>;
}

async function auditLines(home: string): Promise<AuditLine[]> {
  const dir = join(home, 'audit');
  const names = (await readdir(dir)).filter((n) => n.endsWith('.jsonl')).sort();
  const lines: string[] = [];
  for (const n of names) lines.push(...(await readFile(join(dir, n), 'utf8')).split('\n').filter(Boolean));
  return lines.map((l) => JSON.parse(l));
}

beforeAll(async () => {
  // Emits even while unrelated files have type errors; only the output matters here.
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT }).catch(
    () => undefined,
  );
  if (!existsSync(PHI_BIN)) throw new Error('the CLI did not build');
}, 120_000);

describe('CLI: help and usage', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'phi-cli-usage-'));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it.each(['consume', 'dlq list', 'dlq replay', 'audit verify', 'audit export'])(
    'phi %s --help exits 0 with its usage',
    async (verb) => {
      const run = await phi(home, ...verb.split(' '), '--help');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`Usage: phi ${verb}`);
    },
  );

  it.each([
    ['replay without a selection', ['dlq', 'replay', '--ticket', 'CHG-1']],
    ['replay with two selections', ['dlq', 'replay', '--all', '--id', 'x', '--ticket', 'CHG-1']],
    [
      'replay with a malformed operator',
      ['dlq', 'replay', '--all', '--operator', 'a b', '--ticket', 'CHG-1'],
    ],
    ['replay without --ticket', ['dlq', 'replay', '--all']],
    ['replay --dry-run without --ticket', ['dlq', 'replay', '--all', '--dry-run']],
    ['replay with a free-text ticket', ['dlq', 'replay', '--all', '--ticket', 'called Jane Doe']],
    ['replay with an over-long ticket', ['dlq', 'replay', '--all', '--ticket', 'T'.repeat(65)]],
    ['export without --format', ['audit', 'export', '--ticket', 'CHG-1']],
    ['export in an unknown format', ['audit', 'export', '--format', 'xml', '--ticket', 'CHG-1']],
    ['export without --ticket', ['audit', 'export', '--format', 'fhir']],
    ['export with a free-text ticket', ['audit', 'export', '--format', 'fhir', '--ticket', 'a;b']],
    ['consume with a bad consumer id', ['consume', '../Lake', '--ticket', 'CHG-1']],
  ])('%s is a usage error: exit 2, one line on stderr, nothing audited', async (_case, args) => {
    const run = await phi(home, ...args);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toContain('Jane');
    expect(run.stdout).toBe('');
    expect(existsSync(join(home, 'audit')) ? await auditLines(home) : []).toEqual([]);
  });
});

describe('phi consume: the consumer or an operator on its behalf', () => {
  const local = { declared: undefined, target: 'local' } as const;
  it.each([
    ['the embedded default, undeclared', local, {}],
    ['its own declared environment', { declared: 'lake', target: 'local' } as const, {}],
    ['its own declared environment on AWS', { declared: 'lake', target: 'aws' } as const, {}],
  ])('runs as the consumer in %s: no ticket, no operator action', (_case, environment, opts) => {
    expect(consumeOperator('lake', environment, opts)).toBeUndefined();
  });
  it.each([
    ["another consumer's environment", { declared: 'pond', target: 'local' } as const],
    ['an undeclared shell against AWS', { declared: undefined, target: 'aws' } as const],
  ])(
    'is an operator action in %s: a usage error without --ticket, the ticket recorded with it',
    (_case, environment) => {
      expect(() => consumeOperator('lake', environment, {})).toThrow(/--ticket/);
      expect(consumeOperator('lake', environment, { ticket: 'CHG-7' })).toMatchObject({ ticket: 'CHG-7' });
    },
  );
  it('is an operator action wherever --ticket or --operator is given', () => {
    expect(consumeOperator('lake', local, { ticket: 'INC-2' })).toMatchObject({ ticket: 'INC-2' });
    expect(() => consumeOperator('lake', local, { operator: 'ops-1' })).toThrow(/--ticket/);
  });
});

describe('CLI: phi consume', () => {
  let home: string;
  let deps: PipelineDeps;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'phi-cli-consume-'));
    expect((await phi(home, 'audit', 'verify')).code).toBe(0); // prepares PHI_HOME
    deps = createEmbeddedDeps(loadConfig({ PHI_HOME: home }));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('--once writes each copy durably, prints one line per file, and empties the queue', async () => {
    const notes = [await storeCopy(deps, 'lake', '{"a":1}\n'), await storeCopy(deps, 'lake', '{"b":2}\n')];
    for (const n of notes) await deps.queue.send(queueNames.notify('lake'), JSON.stringify(n));
    const out = join(home, 'out-lake');

    const run = await asConsumer(home, 'lake', '--out', out, '--once');

    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout.trim().split('\n').sort()).toEqual(
      notes.map((n) => `${n.submissionId} ${join(out, `${n.submissionId}.ndjson`)}`).sort(),
    );
    for (const n of notes) {
      const file = join(out, `${n.submissionId}.ndjson`);
      expect(sha256(await readFile(file))).toBe(n.sha256);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    }
    expect(await deps.queue.receive(queueNames.notify('lake'))).toEqual([]);
    expect((await auditLines(home)).filter((r) => r.action === 'consumer.decrypt')).toHaveLength(2);
    // The consumer itself: no operator action.
    expect((await auditLines(home)).filter((r) => r.action === 'consumer.consume')).toEqual([]);
  });

  it('an operator consuming on behalf of a consumer needs --ticket and is audited with it', async () => {
    const note = await storeCopy(deps, 'pond', '{"e":5}\n');
    await deps.queue.send(queueNames.notify('pond'), JSON.stringify(note));
    const out = join(home, 'out-pond');

    const elsewhere = await start(home, ['consume', 'pond', '--out', out, '--once'], {
      PHI_CONSUMER: 'lake',
    }).done;
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toMatch(/requires --ticket/);
    expect(existsSync(out)).toBe(false);

    const run = await phi(
      home,
      'consume',
      'pond',
      '--out',
      out,
      '--once',
      '--ticket',
      'INC-5',
      '--operator',
      'dan@desk',
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(note.submissionId);
    const records = (await auditLines(home)).filter((r) => r.action === 'consumer.consume');
    expect(records.map((r) => [r.actor, r.outcome, r.details])).toEqual([
      [
        { type: 'operator', id: 'dan@desk' },
        'success',
        { consumer: 'pond', written: 1, refused: 0, ticket: 'INC-5', host: hostname() },
      ],
    ]);
  });

  it("refuses another consumer's object and a notification for someone else: exit 1, id and code on stderr", async () => {
    const lakes = await storeCopy(deps, 'lake', '{"c":3}\n');
    const stolenKey = `consumers/lds/${lakes.submissionId}.ndjson`;
    await deps.objects.put(stolenKey, (await deps.objects.get(lakes.key))?.body ?? new Uint8Array());
    const stolen = await deps.queue.send(
      queueNames.notify('lds'),
      JSON.stringify({ ...lakes, consumer: 'lds', key: stolenKey }),
    );
    const misrouted = await deps.queue.send(queueNames.notify('lds'), JSON.stringify(lakes));
    const out = join(home, 'out-lds');

    const run = await asConsumer(home, 'lds', '--out', out, '--once');

    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`notification ${stolen.messageId} refused: crypto-failed`);
    expect(run.stderr).toContain(`notification ${misrouted.messageId} refused: consumer-mismatch`);
    expect(existsSync(out) ? await readdir(out) : []).toEqual([]);
  });

  it('without --once waits for notifications until SIGTERM, then exits 0', async () => {
    const out = join(home, 'out-live');
    const { child, done } = start(home, ['consume', 'live', '--out', out], { PHI_CONSUMER: 'live' });
    const note = await storeCopy(deps, 'live', '{"d":4}\n');
    await deps.queue.send(queueNames.notify('live'), JSON.stringify(note));
    const file = join(out, `${note.submissionId}.ndjson`);
    await until(async () => (existsSync(file) ? true : undefined), POLL);
    child.kill('SIGTERM');

    const run = await done;

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(note.submissionId);
  });
});

describe('CLI: phi dlq', () => {
  let home: string;
  let deps: PipelineDeps;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'phi-cli-dlq-'));
    expect((await phi(home, 'dlq', 'list')).code).toBe(0);
    deps = createEmbeddedDeps(loadConfig({ PHI_HOME: home }));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('list prints id, queue, reason, receives, age and ids, never the body; --json one object per line', async () => {
    const submissionId = randomUUID();
    const { messageId } = await deps.queue.send('deliver-lake-dlq', deliverBody(submissionId, 'lake'), {
      attributes: { failureReason: 'contract-invalid', originalMessageId: 'orig-1' },
    });

    const text = await phi(home, 'dlq', 'list');
    const json = await phi(home, 'dlq', 'list', '--queue', 'deliver-lake', '--json');

    expect(text.code).toBe(0);
    expect(text.stdout.trim()).toMatch(
      new RegExp(
        `^${messageId} deliver-lake-dlq reason=contract-invalid receives=0 age=\\d+s submission=${submissionId} consumer=lake$`,
      ),
    );
    expect(text.stdout).not.toContain('raw/demo');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ messageId, sourceQueue: 'deliver-lake', submissionId });
  });

  it('replay --dry-run moves nothing; --id of nothing exits 1; --all moves and audits operator, ticket and host', async () => {
    const dry = await phi(home, 'dlq', 'replay', '--all', '--dry-run', '--ticket', 'CHG-1');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^would replay \S+ deliver-lake-dlq -> deliver-lake /);
    expect(await deps.deadLetters.list()).toHaveLength(1);

    const unknown = await phi(home, 'dlq', 'replay', '--id', 'no-such-id', '--ticket', 'CHG-1');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no-such-id');

    const real = await phi(home, 'dlq', 'replay', '--all', '--operator', 'bob@desk', '--ticket', 'INC/77#2');
    expect(real.code).toBe(0);
    expect(real.stdout).toMatch(/^replayed \S+ deliver-lake-dlq -> deliver-lake /);
    expect(await deps.deadLetters.list()).toEqual([]);
    expect(await deps.queue.receive('deliver-lake')).toHaveLength(1);
    const replays = (await auditLines(home)).filter((r) => r.action === 'replay');
    expect(replays.map((r) => [r.actor, r.outcome, r.code, r.details?.ticket, r.details?.host])).toEqual([
      [expect.objectContaining({ type: 'operator' }), 'failure', 'not-found', 'CHG-1', hostname()],
      [{ type: 'operator', id: 'bob@desk' }, 'success', undefined, 'INC/77#2', hostname()],
    ]);
  });

  it('two concurrent replay --all move each message once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 15; i++) {
      ids.push((await deps.queue.send('deliver-race-dlq', deliverBody(randomUUID(), 'race'))).messageId);
    }

    const runs = await Promise.all([
      phi(home, 'dlq', 'replay', '--queue', 'deliver-race', '--all', '--ticket', 'CHG-2'),
      phi(home, 'dlq', 'replay', '--queue', 'deliver-race', '--all', '--ticket', 'CHG-2'),
    ]);

    expect(runs.map((r) => r.code)).toEqual([0, 0]);
    const replayed = runs.flatMap((r) => [...r.stdout.matchAll(/^replayed (\S+)/gm)].map((m) => m[1]));
    expect(replayed.sort()).toEqual([...ids].sort());
    expect(await deps.deadLetters.list('deliver-race')).toEqual([]);
    const moved = await deps.queue.receive('deliver-race', { maxMessages: 10 });
    const rest = await deps.queue.receive('deliver-race', { maxMessages: 10 });
    expect(moved.length + rest.length).toBe(15);
  });
});

describe('CLI: phi audit', () => {
  let home: string;
  let deps: PipelineDeps;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'phi-cli-audit-'));
    expect((await phi(home, 'audit', 'verify')).stdout).toMatch(/^ok: 0 records, head 0{64}\n$/);
    deps = createEmbeddedDeps(loadConfig({ PHI_HOME: home }));
    for (const action of ['token.issued', 'submission.accepted', 'submission.read']) {
      await deps.audit.append({
        time: new Date().toISOString(),
        actor: { type: 'partner', id: 'demo' },
        action,
        outcome: 'success',
        requestId: randomUUID(),
        sourceIp: '192.0.2.7',
      });
    }
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('verify prints the record count and head', async () => {
    const run = await phi(home, 'audit', 'verify');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ok: 3 records, head [0-9a-f]{64}\n$/);
  });

  it('export --format fhir writes NDJSON AuditEvents; fhir-bundle --out writes a Bundle file (0600)', async () => {
    const ndjson = await phi(home, 'audit', 'export', '--format', 'fhir', '--ticket', 'AUD-1');
    expect(ndjson.code).toBe(0);
    const events = ndjson.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { resourceType: string; agent: unknown[] });
    expect(events.map((e) => e.resourceType)).toEqual(['AuditEvent', 'AuditEvent', 'AuditEvent']);

    const file = join(home, 'export', 'audit.json');
    const bundle = await phi(
      home,
      'audit',
      'export',
      '--format',
      'fhir-bundle',
      '--out',
      file,
      '--ticket',
      'AUD-2',
      '--operator',
      'carol@desk',
    );
    expect(bundle.code).toBe(0);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({
      resourceType: 'Bundle',
      type: 'collection',
    });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // Each export is audited after it ran: the first is in the second, operator and ticket mapped to BALP.
    const bundled = JSON.parse(await readFile(file, 'utf8')) as {
      entry: { resource: { subtype: { code: string }[]; agent: Record<string, unknown>[] } }[];
    };
    const exportEvents = bundled.entry
      .map((e) => e.resource)
      .filter((r) => r.subtype.some((c) => c.code === 'audit.export'));
    expect(exportEvents).toHaveLength(1);
    expect(exportEvents[0]?.agent[0]).toMatchObject({
      type: { coding: [{ code: 'humanuser' }] },
      network: { address: hostname(), type: '1' },
      purposeOfUse: [{ coding: [{ code: 'HOPERAT' }], text: 'AUD-1' }],
    });
    const exports = (await auditLines(home)).filter((r) => r.action === 'audit.export');
    expect(exports.map((r) => [r.actor.id, r.details?.ticket, r.details?.format, r.details?.count])).toEqual([
      [expect.any(String), 'AUD-1', 'fhir', 3],
      ['carol@desk', 'AUD-2', 'fhir-bundle', 4],
    ]);
  });

  it('one changed byte: verify exits 1 naming file, line, seq and reason; export refuses', async () => {
    const dir = join(home, 'audit');
    const [name] = (await readdir(dir)).filter((n) => n.endsWith('.jsonl'));
    const file = join(dir, name ?? '');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('"submission.accepted"', '"submission.acceptee"'));

    const verify = await phi(home, 'audit', 'verify');
    const exported = await phi(home, 'audit', 'export', '--format', 'fhir', '--ticket', 'AUD-3');

    expect(verify.code).toBe(1);
    expect(verify.stdout).toBe('');
    expect(verify.stderr.trim().split('\n')).toEqual([
      expect.stringContaining(`${file}:2 seq 2: hash-mismatch`),
    ]);
    expect(exported.code).toBe(1);
    expect(exported.stdout).toBe('');
    const last = (await auditLines(home)).at(-1);
    expect([last?.action, last?.outcome, last?.code, last?.details?.ticket]).toEqual([
      'audit.export',
      'failure',
      'audit-chain-broken',
      'AUD-3',
    ]);
  });
});

describe('CLI: phi dlq list on a residual-phi dead letter', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'phi-cli-residual-'));
    expect((await phi(home, 'dlq', 'list')).code).toBe(0);
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('shows the path and kind the release gate flagged, never a value', async () => {
    const deps = createEmbeddedDeps(loadConfig({ PHI_HOME: home }));
    const submissionId = randomUUID();
    const where = { path: 'Observation[3].note[0].text', kind: 'name' };
    await recordFailure(deps.objects, 'deliver-lake', 'orig-9', 'residual-phi', 't', where);
    const { messageId } = await deps.queue.send('deliver-lake-dlq', deliverBody(submissionId, 'lake'), {
      attributes: { failureReason: 'residual-phi', originalMessageId: 'orig-9' },
    });

    const text = await phi(home, 'dlq', 'list');
    expect(text.code).toBe(0);
    expect(text.stdout.trim()).toMatch(
      new RegExp(
        `^${messageId} deliver-lake-dlq reason=residual-phi receives=1 age=\\d+s submission=${submissionId} consumer=lake path=Observation\\[3\\]\\.note\\[0\\]\\.text kind=name$`,
      ),
    );
    const json = await phi(home, 'dlq', 'list', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({
      reason: 'residual-phi',
      path: where.path,
      pathKind: 'name',
    });
  });
});
