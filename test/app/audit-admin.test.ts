import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyAuditDirectory } from '../../shared/adapters/embedded/audit-files.js';
import { FileAuditLog, FileAuditSink } from '../../shared/adapters/embedded/index.js';
import { type AuditLogReader, exportAuditLog, verifyAuditLog } from '../../shared/app/audit-admin.js';
import { type ChainLine, GENESIS_HASH, hashRecord } from '../../shared/core/audit/hash-chain.js';
import { validateBundle } from '../../shared/core/fhir/validate-bundle.js';
import type { AuditEvent, AuditRecord } from '../../shared/ports/audit-sink.js';

/** The embedded AuditLog's reader, as the CLI passes `deps.auditLog` to the use cases. */
const embeddedAuditLog =
  (home: string): AuditLogReader =>
  () =>
    new FileAuditLog(home).read();

const EVENTS: readonly AuditEvent[] = [
  {
    time: '2026-08-01T10:00:00.000Z',
    actor: { type: 'partner', id: 'demo' },
    action: 'token.issued',
    outcome: 'success',
    requestId: 'r1',
    sourceIp: '192.0.2.1',
  },
  {
    time: '2026-08-01T10:00:01.000Z',
    actor: { type: 'partner', id: 'demo' },
    action: 'submission.accepted',
    outcome: 'success',
    requestId: 'r2',
    submissionId: '0b7d4c52-7a3c-4f7e-9d3e-1a2b3c4d5e6f',
    sourceIp: '192.0.2.1',
    details: { kind: 'bundle', bytes: 10 },
  },
  // A later day: the chain continues into the next day file.
  {
    time: '2026-08-02T09:00:00.000Z',
    actor: { type: 'operator', id: 'alice@host' },
    action: 'replay',
    outcome: 'success',
    submissionId: '0b7d4c52-7a3c-4f7e-9d3e-1a2b3c4d5e6f',
    details: { queue: 'deliver-lake-dlq', sourceQueue: 'deliver-lake', messageId: 'm1' },
  },
];

async function collect(read: AuditLogReader, format: 'fhir' | 'fhir-bundle') {
  let text = '';
  const result = await exportAuditLog(read, format, async (chunk) => {
    text += chunk;
  });
  return { result, text };
}

describe('Use case: audit verify and export', () => {
  let home: string;
  let records: AuditRecord[];
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'phi-audit-admin-'));
    const sink = new FileAuditSink(home);
    records = [];
    for (const event of EVENTS) records.push(await sink.append(event));
    sink.close();
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('verifies the embedded chain across day files, as verifyAuditDirectory does', async () => {
    const result = await verifyAuditLog(embeddedAuditLog(home));
    expect(result).toEqual({ ok: true, count: 3, head: records[2]?.hash });
    expect(await verifyAuditDirectory(home)).toEqual(result);
    expect((await readdir(join(home, 'audit'))).filter((n) => n.endsWith('.jsonl'))).toHaveLength(2);
  });

  it('finds one changed byte and names the file, line, seq and reason', async () => {
    const file = join(home, 'audit', '2026-08-01.jsonl');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('"bytes":10', '"bytes":11'));

    const result = await verifyAuditLog(embeddedAuditLog(home));

    expect(result).toEqual({
      ok: false,
      count: 1,
      broken: { file, line: 2, seq: 2, reason: 'hash-mismatch' },
    });
  });

  it('takes any reader, so a deployed chain (S3 keys as files) plugs in', async () => {
    const lines = await embeddedAuditLog(home)();
    const asObjects: ChainLine[] = lines.map((l, i) => ({
      file: `chain/${String(i + 1).padStart(12, '0')}.json`,
      line: 1,
      text: l.text,
    }));
    const missingSecond = asObjects.filter((_, i) => i !== 1);

    expect(await verifyAuditLog(async () => asObjects)).toMatchObject({ ok: true, count: 3 });
    expect(await verifyAuditLog(async () => missingSecond)).toMatchObject({
      ok: false,
      broken: { file: 'chain/000000000003.json', reason: 'prev-mismatch' },
    });
  });

  it('exports one AuditEvent per line (NDJSON), ids = record hashes', async () => {
    const { result, text } = await collect(embeddedAuditLog(home), 'fhir');

    expect(result).toEqual({ ok: true, count: 3 });
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { resourceType: string; id: string; action: string });
    expect(lines.map((l) => l.resourceType)).toEqual(['AuditEvent', 'AuditEvent', 'AuditEvent']);
    expect(lines.map((l) => l.id)).toEqual(records.map((r) => r.hash));
    expect(lines.map((l) => l.action)).toEqual(['E', 'C', 'E']);
  });

  it('exports a collection Bundle that is valid R4', async () => {
    const { result, text } = await collect(embeddedAuditLog(home), 'fhir-bundle');

    expect(result).toEqual({ ok: true, count: 3 });
    expect(validateBundle(JSON.parse(text))).toMatchObject({
      type: 'collection',
      resourceCounts: { AuditEvent: 3 },
    });
  });

  it('refuses to export a tampered chain, writing nothing', async () => {
    const file = join(home, 'audit', '2026-08-02.jsonl');
    await writeFile(file, (await readFile(file, 'utf8')).replace('alice@host', 'mallory@host'));

    const { result, text } = await collect(embeddedAuditLog(home), 'fhir');

    expect(result).toMatchObject({
      ok: false,
      verification: { broken: { file, seq: 3, reason: 'hash-mismatch' } },
    });
    expect(text).toBe('');
  });

  it('refuses a soundly chained line that is not one of our records', async () => {
    const unsigned = { seq: 1, prev: GENESIS_HASH, action: 'x' };
    const lines: ChainLine[] = [
      { file: 'x.jsonl', line: 1, text: JSON.stringify({ ...unsigned, hash: hashRecord(unsigned) }) },
    ];
    expect(await verifyAuditLog(async () => lines)).toMatchObject({ ok: true, count: 1 });

    await expect(collect(async () => lines, 'fhir')).rejects.toMatchObject({ code: 'content-invalid' });
  });
});
