import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSince } from '../../cli/alerts-command.js';
import { CliError } from '../../cli/cli-error.js';
import { FileAuditLog, FileAuditSink } from '../../shared/adapters/embedded/index.js';
import { SiemLineSchema } from '../../shared/app/signals-siem-schema.js';
import { PHI_BIN, REPO_ROOT as ROOT, type Run, spawnPhi } from '../helpers/phi-process.js';

const envFor = (home: string): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PHI_'))),
  PHI_HOME: home,
});
const phi = (home: string, ...args: string[]): Promise<Run> => spawnPhi(args, envFor(home)).done;

let home: string;

beforeAll(async () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT }).catch(
    () => undefined,
  );
  if (!existsSync(PHI_BIN)) throw new Error('the CLI did not build');
  home = await mkdtemp(join(tmpdir(), 'phi-alerts-'));
  // Twelve refused requests from one address within a minute, as the ingest door records them.
  const sink = new FileAuditSink(home);
  const now = Date.now();
  for (let i = 0; i < 12; i++) {
    await sink.append({
      time: new Date(now - 60_000 + i * 1000).toISOString(),
      actor: { type: 'anonymous', id: 'unknown' },
      action: 'submission.rejected',
      outcome: 'failure',
      code: 'unauthenticated',
      requestId: `req-${i}`,
      sourceIp: '203.0.113.44',
    });
  }
}, 180_000);

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('phi alerts', () => {
  it('lists the signal of a burst of refused requests, as text and as JSON lines', async () => {
    const text = await phi(home, 'alerts');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/warning auth-failures-source-ip sourceIp=203\.0\.113\.44: 11 > 10 in 300s/);
    const json = await phi(home, 'alerts', '--json', '--since', '1h');
    expect(json.code).toBe(0);
    const lines = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.signal)).toEqual(['auth-failures-source-ip']);
    for (const line of lines) expect(SiemLineSchema.safeParse(line).success).toBe(true);
    const later = await phi(home, 'alerts', '--since', new Date(Date.now() + 3_600_000).toISOString());
    expect(later.stdout).toBe('');
    expect(later.stderr).toContain('no signals');
  }, 60_000);

  it('--since that is neither a time nor a duration is a usage error', async () => {
    expect((await phi(home, 'alerts', '--since', 'yesterday')).code).toBe(2);
    expect(() => parseSince('5 minutes', new Date())).toThrow(CliError);
    expect(parseSince('15m', new Date('2026-12-04T04:00:00Z')).toISOString()).toBe(
      '2026-12-04T03:45:00.000Z',
    );
  }, 60_000);
});

describe('phi siem export', () => {
  it('without --ticket is a usage error that writes and audits nothing', async () => {
    const before = (await new FileAuditLog(home).read()).length;
    const run = await phi(home, 'siem', 'export');
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('requires --ticket');
    expect((await new FileAuditLog(home).read()).length).toBe(before);
  }, 60_000);

  it('with --ticket writes the records and signals to --out and audits the export', async () => {
    const out = join(home, 'siem.jsonl');
    const run = await phi(home, 'siem', 'export', '--ticket', 'SEC-7', '--out', out, '--operator', 'alice');
    expect(run.code).toBe(0);
    const lines = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.type === 'audit')).toHaveLength(12);
    expect(lines.filter((l) => l.type === 'signal').map((l) => l.signal)).toEqual([
      'auth-failures-source-ip',
    ]);
    for (const line of lines) expect(SiemLineSchema.safeParse(line).success).toBe(true);
    const last = JSON.parse((await new FileAuditLog(home).read()).at(-1)?.text ?? '{}');
    expect(last).toMatchObject({
      actor: { type: 'operator', id: 'alice' },
      action: 'audit.export',
      outcome: 'success',
      details: { format: 'siem-jsonl', count: 12, signals: 1, ticket: 'SEC-7' },
    });
  }, 60_000);
});
