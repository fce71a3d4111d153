import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { declaredSha256, parseManifest } from '../../shared/app/uploads/manifest.js';
import { R4_RESOURCE_TYPES } from '../../shared/app/uploads/r4-resource-types.js';
import { allResourceTypes } from '../../shared/core/deid/model.js';
import { PipelineError } from '../../shared/core/errors.js';

const limits = { maxFileBytes: 1000, maxTotalBytes: 2500 };
const digest = (text: string) => `sha-256=:${createHash('sha256').update(text).digest('base64')}:`;
const file = (over: Record<string, unknown> = {}) => ({
  name: 'Patient.ndjson',
  kind: 'fhir-ndjson',
  resourceType: 'Patient',
  bytes: 10,
  contentDigest: digest('a'),
  ...over,
});
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const bytes_ = bytes;

function refusal(value: unknown): PipelineError {
  try {
    parseManifest(bytes(value), limits);
  } catch (error) {
    if (error instanceof PipelineError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('Function: parseManifest', () => {
  it('accepts the three kinds', () => {
    const manifest = parseManifest(
      bytes({
        files: [
          file(),
          file({ name: 'b.json', kind: 'fhir-bundle', resourceType: undefined }),
          file({ name: 'c.x12', kind: 'x12-837', resourceType: undefined }),
        ],
      }),
      limits,
    );
    expect(manifest.files.map((f) => f.kind)).toEqual(['fhir-ndjson', 'fhir-bundle', 'x12-837']);
    expect(declaredSha256(digest('a'))).toBe(createHash('sha256').update('a').digest('base64'));
  });

  it('names the field it refuses, in several places, and never the value', () => {
    const secret = 'CANARY-SMITH-1234';
    const cases: [unknown, string][] = [
      [{ files: [file(), file({ name: `../${secret}` })] }, 'files[1].name'],
      [{ files: [file({ name: secret }), file({ name: secret })] }, 'files[1].name'],
      [{ files: [file({ kind: secret })] }, 'files[0].kind'],
      [{ files: [file(), file({ name: 'x', resourceType: secret })] }, 'files[1].resourceType'],
      [{ files: [file({ resourceType: undefined })] }, 'files[0].resourceType'],
      [{ files: [file({ kind: 'x12-837' })] }, 'files[0].resourceType'],
      [{ files: [file({ bytes: 0 })] }, 'files[0].bytes'],
      [{ files: [file({ bytes: 1001 })] }, 'files[0].bytes'],
      [{ files: [file({ bytes: 1.5 })] }, 'files[0].bytes'],
      [{ files: [file({ contentDigest: `md5=:${secret}:` })] }, 'files[0].contentDigest'],
      [{ files: [file({ contentDigest: 'sha-256=:AAAA:' })] }, 'files[0].contentDigest'],
      [{ files: [file({ [secret]: 1 })] }, 'files[0]'],
      [{ files: [file()], [secret]: true }, 'manifest'],
      [{ files: [] }, 'files'],
      [[secret], 'manifest'],
      [
        {
          files: [
            file({ name: 'a', bytes: 1000 }),
            file({ name: 'b', bytes: 1000 }),
            file({ name: 'c', bytes: 1000 }),
          ],
        },
        'files',
      ],
    ];
    for (const [value, expression] of cases) {
      const error = refusal(value);
      expect(error.code, expression).toBe('invalid-manifest');
      expect(error.details?.expression, JSON.stringify(value)).toBe(expression);
      expect(JSON.stringify({ m: error.message, d: error.details })).not.toContain(secret);
    }
  });

  it('holds a fhir-bundle file to what /v1/bundles can parse whole', () => {
    const big = { maxFileBytes: 1024 ** 3, maxTotalBytes: 1024 ** 3 };
    const bundle = (bytes: number) =>
      bytes_({ files: [file({ kind: 'fhir-bundle', resourceType: undefined, bytes })] });
    expect(parseManifest(bundle(64 * 1024 * 1024), big).files).toHaveLength(1);
    expect(() => parseManifest(bundle(64 * 1024 * 1024 + 1), big)).toThrow(
      expect.objectContaining({
        code: 'invalid-manifest',
        details: expect.objectContaining({ expression: 'files[0].bytes' }),
      }),
    );
    expect(parseManifest(bytes_({ files: [file({ bytes: 64 * 1024 * 1024 + 1 })] }), big).files).toHaveLength(
      1,
    );
  });

  it('refuses what does not parse as invalid-json', () => {
    expect(() => parseManifest(new TextEncoder().encode('{"files":'), limits)).toThrow(
      expect.objectContaining({ code: 'invalid-json' }),
    );
  });

  it('knows exactly the R4 resource types of the element table', () => {
    expect([...R4_RESOURCE_TYPES].sort()).toEqual([...allResourceTypes()].sort());
  });
});

describe('Function: parseManifest, declared parts', () => {
  const MiB = 1024 * 1024;
  const big = { maxFileBytes: 5 * 1024 * MiB, maxTotalBytes: 10 * 1024 * MiB };
  const sha = (n: number) =>
    Array.from({ length: n }, (_, i) => createHash('sha256').update(String(i)).digest('base64'));
  const parse = (parts: unknown, size = 12 * MiB) =>
    parseManifest(bytes({ files: [file({ bytes: size, parts })] }), big);
  const expressionOf = (parts: unknown, size?: number): string | undefined => {
    try {
      parse(parts, size);
    } catch (error) {
      if (error instanceof PipelineError) return error.details?.expression as string | undefined;
      throw error;
    }
    return undefined;
  };

  it('keeps the part size and one SHA-256 per part', () => {
    const manifest = parse({ bytes: 5 * MiB, sha256: sha(3) });
    expect(manifest.files[0]?.parts).toEqual({ bytes: 5 * MiB, sha256: sha(3) });
  });

  it('refuses a part count that does not cut the file, parts under 5 MiB, one part, and other members', () => {
    expect(expressionOf({ bytes: 5 * MiB, sha256: sha(2) })).toBe('files[0].parts.sha256');
    expect(expressionOf({ bytes: 5 * MiB, sha256: sha(4) })).toBe('files[0].parts.sha256');
    expect(expressionOf({ bytes: 5 * MiB - 1, sha256: sha(3) })).toBe('files[0].parts.bytes');
    expect(expressionOf({ bytes: 12 * MiB, sha256: sha(1) })).toBe('files[0].parts.sha256');
    expect(expressionOf({ bytes: 5 * MiB, sha256: sha(3), extra: 1 })).toBe('files[0].parts');
    expect(expressionOf({ bytes: 5 * MiB, sha256: [...sha(2), 'not-a-digest'] })).toBe(
      'files[0].parts.sha256[2]',
    );
  });
});
