import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_PART_BYTES,
  describeFile,
  filesOfFolder,
  kindOf,
  MIN_PART_BYTES,
  MULTIPART_ABOVE,
  manifestBytes,
  partBytesFor,
} from '../../cli/upload-files.js';

const head = (s: string) => Buffer.from(s);

describe('upload files: what the manifest declares', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'phi-submit-files-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('tells NDJSON, a Bundle and an 837 apart by their first line and name', () => {
    expect(kindOf('x.ndjson', head('{"resourceType":"Patient"}\n{"resourceType":"Patient"}\n'))).toBe(
      'fhir-ndjson',
    );
    expect(kindOf('x.json', head('{"resourceType":"Patient","id":"1"}\n{"resourceType":"Patient"}\n'))).toBe(
      'fhir-ndjson',
    );
    expect(kindOf('x.json', head('{\n  "resourceType": "Bundle",\n'))).toBe('fhir-bundle');
    expect(kindOf('x.json', head('{"resourceType":"Bundle","type":"transaction","entry":[]}'))).toBe(
      'fhir-bundle',
    );
    expect(kindOf('x.jsonl', head('{"resourceType":"Bundle","type":"collection"}\n'))).toBe('fhir-ndjson');
    expect(kindOf('claims.txt', head('ISA*00*          *00*'))).toBe('x12-837');
    expect(kindOf('claims.837', head('\uFEFF  ISA*00*'))).toBe('x12-837');
    expect(kindOf('notes.txt', head('hello'))).toBeUndefined();
  });

  it("describes a file in one streamed pass: size, the server's digest form, the first line's resourceType", async () => {
    const lines = Array.from({ length: 5000 }, (_, i) =>
      JSON.stringify({ resourceType: 'Observation', id: `o${i}` }),
    );
    const text = `${lines.join('\n')}\n`;
    const file = path.join(dir, '3.ndjson');
    await writeFile(file, text);
    let seen = 0;
    const d = await describeFile({ path: file, name: '3.ndjson' }, (n) => {
      seen += n;
    });
    expect(d).toEqual({
      path: file,
      name: '3.ndjson',
      kind: 'fhir-ndjson',
      resourceType: 'Observation',
      bytes: Buffer.byteLength(text),
      contentDigest: `sha-256=:${createHash('sha256').update(text).digest('base64')}:`,
    });
    expect(seen).toBe(Buffer.byteLength(text));
    // Nothing but its name says what a file with a huge first line holds.
    await writeFile(
      path.join(dir, 'Encounter.002.ndjson'),
      `{"resourceType":"Encounter","x":"${'y'.repeat(1100 * 1024)}"}\n`,
    );
    expect(
      (await describeFile({ path: path.join(dir, 'Encounter.002.ndjson'), name: 'Encounter.002.ndjson' }))
        .resourceType,
    ).toBe('Encounter');
    await writeFile(path.join(dir, 'empty.ndjson'), '');
    await expect(
      describeFile({ path: path.join(dir, 'empty.ndjson'), name: 'empty.ndjson' }),
    ).rejects.toThrow(/empty/);
    await writeFile(path.join(dir, 'blob.bin'), 'not a health record');
    await expect(describeFile({ path: path.join(dir, 'blob.bin'), name: 'blob.bin' })).rejects.toThrow(
      /neither/,
    );
  });

  it('a folder without NDJSON files, or an export manifest naming a missing file, is refused', async () => {
    const empty = path.join(dir, 'empty');
    await mkdir(empty);
    await writeFile(path.join(empty, 'notes.txt'), 'x');
    await expect(filesOfFolder(empty)).rejects.toThrow(/no non-empty \.ndjson files/);
    const broken = path.join(dir, 'broken');
    await mkdir(broken);
    await writeFile(path.join(broken, 'Patient.ndjson'), '{"resourceType":"Patient"}\n');
    await writeFile(
      path.join(broken, 'export.json'),
      JSON.stringify({
        transactionTime: 'x',
        output: [
          { type: 'Patient', url: 'https://h/Patient.ndjson' },
          { type: 'Claim', url: 'https://h/Claim.ndjson' },
        ],
      }),
    );
    await expect(filesOfFolder(broken)).rejects.toThrow(/output\[1\]/);
  });

  it('the manifest is the SPEC shape, in upload order, and refuses two files of one name', () => {
    const f = {
      path: '/a/P.ndjson',
      name: 'P.ndjson',
      kind: 'fhir-ndjson' as const,
      resourceType: 'Patient',
      bytes: 3,
      contentDigest: 'sha-256=:AA==:',
    };
    const g = {
      path: '/a/b.json',
      name: 'b.json',
      kind: 'fhir-bundle' as const,
      bytes: 9,
      contentDigest: 'sha-256=:BB==:',
    };
    expect(JSON.parse(Buffer.from(manifestBytes([f, g])).toString('utf8'))).toEqual({
      files: [
        {
          name: 'P.ndjson',
          kind: 'fhir-ndjson',
          resourceType: 'Patient',
          bytes: 3,
          contentDigest: 'sha-256=:AA==:',
        },
        { name: 'b.json', kind: 'fhir-bundle', bytes: 9, contentDigest: 'sha-256=:BB==:' },
      ],
    });
    expect(() => manifestBytes([f, { ...f, path: '/b/P.ndjson' }])).toThrow(/share a name/);
  });
});

describe('upload files: parts of a large file', () => {
  const MiB = 1024 * 1024;
  it('cuts parts at exact offsets whatever the read chunks, and declares them in the manifest', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'phi-parts-'));
    try {
      const body = Buffer.alloc(2 * 5 * MiB + 777, 'x');
      body.write('{"resourceType":"Observation"}\n');
      for (let i = 0; i < body.byteLength; i += 4099) body[i] = 0x30 + (i % 10);
      const file = path.join(dir, 'Observation.ndjson');
      await writeFile(file, body);
      const described = await describeFile({ path: file, name: 'Observation.ndjson' }, () => {}, 5 * MiB);
      const expected = [0, 1, 2].map((i) =>
        createHash('sha256')
          .update(body.subarray(i * 5 * MiB, (i + 1) * 5 * MiB))
          .digest('base64'),
      );
      expect(described.parts).toEqual({ bytes: 5 * MiB, sha256: expected });
      const manifest = JSON.parse(Buffer.from(manifestBytes([described])).toString('utf8')) as {
        files: { parts?: unknown }[];
      };
      expect(manifest.files[0]?.parts).toEqual({ bytes: 5 * MiB, sha256: expected });
      expect((await describeFile({ path: file, name: 'Observation.ndjson' })).parts).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('goes in parts above the threshold only, at least 5 MiB, at most 1000 parts', () => {
    expect(partBytesFor(64 * MiB, MULTIPART_ABOVE, DEFAULT_PART_BYTES)).toBeUndefined();
    expect(partBytesFor(64 * MiB + 1, MULTIPART_ABOVE, DEFAULT_PART_BYTES)).toBe(16 * MiB);
    expect(partBytesFor(12 * MiB, 5 * MiB, MIN_PART_BYTES)).toBe(5 * MiB);
    expect(partBytesFor(12 * MiB, 5 * MiB, 1024)).toBe(5 * MiB);
    const huge = 5 * 1024 * MiB;
    const size = partBytesFor(huge, MULTIPART_ABOVE, 5 * MiB) ?? 0;
    expect(Math.ceil(huge / size)).toBeLessThanOrEqual(1000);
    expect(size % MiB).toBe(0);
  });
});
