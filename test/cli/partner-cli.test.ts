import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPartnerKeyPair } from '../../local/partner-keys.js';
import { type Run, spawnPhi } from '../helpers/phi-process.js';

/** `phi partner …` as an operator runs it (the built CLI, a throwaway PHI_HOME). */
describe('phi partner (issue 12)', () => {
  let home: string;
  const env = () => ({
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PHI_'))),
    PHI_HOME: home,
  });
  const phi = (...args: string[]): Promise<Run> => spawnPhi(args, env()).done;
  const auditRecords = async () => {
    const dir = join(home, 'audit');
    const lines: Record<string, unknown>[] = [];
    for (const name of (await readdir(dir)).filter((n) => n.endsWith('.jsonl')).sort()) {
      for (const line of (await readFile(join(dir, name), 'utf8')).split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
    }
    return lines;
  };
  const today = new Date().toISOString().slice(0, 10);
  const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'phi-partner-cli-'));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('add writes a governed record and a 0600 private key; list flags what is due; show names keys by kid', async () => {
    const add = await phi(
      'partner',
      'add',
      'acme',
      '--baa-expires',
      inDays(10),
      '--review-due',
      inDays(-1),
      '--tier',
      'high',
      '--owner',
      'Pat Lee',
      '--allow-ip',
      '10.0.0.0/8 2001:db8::/32',
    );
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    const keyPath = add.stdout.trim();
    expect((await stat(keyPath)).mode & 0o777).toBe(0o600);

    const list = await phi('partner', 'list', '--json');
    expect(list.code).toBe(0);
    const rows = list.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; flags: string[] });
    expect(rows.find((r) => r.id === 'acme')?.flags).toEqual(['baa-expiring', 'review-overdue']);
    expect(rows.find((r) => r.id === 'demo')?.flags).toEqual([]);

    const show = JSON.parse((await phi('partner', 'show', 'acme')).stdout) as Record<string, unknown>;
    expect(show).toMatchObject({
      baa: { status: 'active', signedAt: today, expiresAt: inDays(10) },
      riskTier: 'high',
      owner: 'Pat Lee',
      sourceCidrs: ['10.0.0.0/8', '2001:db8::/32'],
    });
    expect(JSON.stringify(show.keys)).not.toMatch(/"(x|y|d)":/);
    expect((await auditRecords()).find((a) => a.action === 'partner.add')).toMatchObject({
      outcome: 'success',
      details: { partner: 'acme' },
    });
  });

  it('revoke and rotate-key without --ticket are usage errors that change nothing', async () => {
    const before = await readFile(join(home, 'registry', 'partners', 'acme.json'), 'utf8');
    const records = (await auditRecords()).length;
    for (const args of [
      ['partner', 'revoke', 'acme'],
      ['partner', 'rotate-key', 'acme'],
      ['partner', 'revoke', 'acme', '--ticket', 'patient Jane Roe called'],
    ]) {
      const run = await phi(...args);
      expect(run.code).toBe(2);
      expect(run.stderr).not.toContain('Jane');
    }
    expect(await readFile(join(home, 'registry', 'partners', 'acme.json'), 'utf8')).toBe(before);
    expect((await auditRecords()).length).toBe(records);
  });

  it('rotate-key with a partner-supplied public JWK keeps the old key until the overlap ends; audited with ticket', async () => {
    const { publicJwk } = await newPartnerKeyPair();
    const file = join(home, 'new-key.jwk');
    await writeFile(file, JSON.stringify(publicJwk));
    const run = await phi(
      'partner',
      'rotate-key',
      'acme',
      '--jwk',
      file,
      '--overlap',
      '2d',
      '--ticket',
      'CHG-7',
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const show = JSON.parse((await phi('partner', 'show', 'acme')).stdout) as {
      keys: { kid: string; notAfter?: string; verifiesNow: boolean }[];
    };
    expect(show.keys.map((k) => k.verifiesNow)).toEqual([true, true]);
    expect(show.keys[1]?.kid).toBe(publicJwk.kid);
    const until = Date.parse(show.keys[0]?.notAfter ?? '');
    expect(Math.abs(until - (Date.now() + 2 * 86_400_000))).toBeLessThan(60_000);
    expect((await auditRecords()).at(-1)).toMatchObject({
      action: 'partner.rotate-key',
      outcome: 'success',
      actor: { type: 'operator' },
      details: { partner: 'acme', ticket: 'CHG-7', kid: publicJwk.kid },
    });
    const privateFile = join(home, 'private.jwk');
    await writeFile(privateFile, JSON.stringify((await newPartnerKeyPair()).privateJwk));
    const refused = await phi('partner', 'rotate-key', 'acme', '--jwk', privateFile, '--ticket', 'CHG-7');
    expect(refused.code).toBe(2);
  });

  it('set names a bad field and changes nothing; revoke --ticket revokes and is audited; audit verify holds', async () => {
    const bad = await phi('partner', 'set', 'acme', '--allow-ip', '10.0.0.0/40');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/acme.*sourceCidrs\.0/);
    expect(bad.stderr).not.toContain('10.0.0.0/40');
    const set = await phi(
      'partner',
      'set',
      'acme',
      '--baa-expires',
      inDays(400),
      '--review-due',
      inDays(200),
    );
    expect(set.code).toBe(0);
    const revoke = await phi('partner', 'revoke', 'acme', '--ticket', 'INC-9', '--operator', 'alice@ops');
    expect(revoke.code).toBe(0);
    const list = await phi('partner', 'list');
    expect(list.stdout).toMatch(/^acme\s+revoked.*! revoked$/m);
    expect((await auditRecords()).at(-1)).toMatchObject({
      action: 'partner.revoke',
      actor: { type: 'operator', id: 'alice@ops' },
      details: { partner: 'acme', ticket: 'INC-9' },
    });
    expect((await phi('audit', 'verify')).code).toBe(0);
  });

  it("brings PHI_HOME's own demo partner forward when an earlier version wrote it, and no other partner", async () => {
    const file = (id: string) => join(home, 'registry', 'partners', `${id}.json`);
    const legacy = (id: string) => ({
      id,
      scopes: ['system/Bundle.write'],
      keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: `${id}-k1`, alg: 'ES256', use: 'sig' }],
      status: 'active',
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    await writeFile(file('demo'), JSON.stringify(legacy('demo')));
    await writeFile(file('old-lab'), JSON.stringify(legacy('old-lab')));
    const list = await phi('partner', 'list', '--json');
    expect(list.code).toBe(0);
    const rows = list.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; baa: string; flags: string[] });
    expect(rows.find((r) => r.id === 'demo')).toMatchObject({
      baa: `active until ${inDays(365)}`,
      flags: [],
    });
    expect(rows.find((r) => r.id === 'old-lab')?.flags).toEqual(['baa-missing', 'review-missing']);
  });
});
