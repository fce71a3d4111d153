import { z } from 'zod';
import { base64DecodeStrict } from '../../core/encoding.js';
import { reject } from '../../core/errors.js';
import { parseSafeJson } from '../../core/json/safe-json.js';
import { BULK_FILE_KINDS, type BulkFile } from '../submission.js';
import { R4_RESOURCE_TYPES } from './r4-resource-types.js';

/**
 * The manifest of `POST /v1/uploads` (SPEC §5): the unit a partner signs, declaring each file of a
 * bulk submission by name, kind, size and digest. Refusals name the field (`files[2].bytes`), never
 * its value: names, digests and unknown members are the partner's text.
 */

/** Files one manifest may declare. A Bulk Data export has one file per resource type, rarely more than a few hundred. */
export const MAX_MANIFEST_FILES = 1000;
/** S3's largest single PUT (5 GiB): each file is one presigned PUT. */
export const S3_SINGLE_PUT_MAX_BYTES = 5 * 1024 ** 3;

/**
 * Multipart (docs/uploads.md "Multipart"): parts of 5 MiB (S3's smallest but the last) to 5 GiB, 2 to
 * 1000 of them (one presigned ListParts page lists 1000).
 */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const MAX_PART_BYTES = 5 * 1024 ** 3;
export const MAX_MULTIPART_PARTS = 1000;

/** A declared fhir-bundle file is parsed whole, as /v1/bundles does: at most this large. */
export const MAX_BULK_BUNDLE_BYTES = 64 * 1024 * 1024;

export interface ManifestLimits {
  /** Largest declared file (≤ 5 GiB, S3's single PUT). */
  readonly maxFileBytes: number;
  /** Largest sum of declared sizes. */
  readonly maxTotalBytes: number;
}

/** A plain file name: no path, no leading dot, no spaces or control characters. */
const FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,254}$/;
/** RFC 9530 with exactly one member, sha-256, as a canonical Byte Sequence. */
const SHA256_DIGEST = /^sha-256=:([A-Za-z0-9+/=]{44}):$/;
/** A bare base64 SHA-256, as `x-amz-checksum-sha256` carries it. */
const SHA256_BASE64 = /^[A-Za-z0-9+/]{43}=$/;

/** How a file is cut for a multipart upload, as the partner signed it: the part size and each part's SHA-256. */
export interface DeclaredParts {
  readonly bytes: number;
  readonly sha256: readonly string[];
}

export interface DeclaredFile {
  readonly name: string;
  readonly kind: BulkFile['kind'];
  readonly resourceType?: string;
  readonly bytes: number;
  readonly contentDigest: string;
  /** Optional: declared to be offered a multipart upload of this file (resumable part by part). */
  readonly parts?: DeclaredParts;
}

export interface Manifest {
  readonly files: readonly DeclaredFile[];
}

/** The SHA-256 a declared `sha-256=:BASE64:` carries, as base64 (the form `x-amz-checksum-sha256` takes). */
export function declaredSha256(contentDigest: string): string {
  const match = SHA256_DIGEST.exec(contentDigest);
  const bytes = match?.[1] === undefined ? undefined : base64DecodeStrict(match[1]);
  if (match?.[1] === undefined || bytes?.byteLength !== 32) {
    throw reject('invalid-manifest', MESSAGES.contentDigest ?? '', { expression: 'contentDigest' });
  }
  return match[1];
}

const isSha256Digest = (value: string): boolean => {
  const match = SHA256_DIGEST.exec(value);
  return match?.[1] !== undefined && base64DecodeStrict(match[1])?.byteLength === 32;
};

const fileSchema = (limits: ManifestLimits) =>
  z
    .object({
      name: z.string().regex(FILE_NAME),
      kind: z.enum(BULK_FILE_KINDS),
      resourceType: z.string().optional(),
      bytes: z.number().int().min(1).max(limits.maxFileBytes),
      contentDigest: z.string().max(64).refine(isSha256Digest),
      parts: z
        .object({
          bytes: z.number().int().min(MIN_PART_BYTES).max(MAX_PART_BYTES),
          sha256: z.array(z.string().regex(SHA256_BASE64)).min(2).max(MAX_MULTIPART_PARTS),
        })
        .strict()
        .optional(),
    })
    .strict()
    .superRefine((file, ctx) => {
      const type = file.resourceType;
      const fits =
        file.kind === 'fhir-ndjson'
          ? type !== undefined && R4_RESOURCE_TYPES.has(type)
          : file.kind === 'fhir-bundle'
            ? type === undefined || type === 'Bundle'
            : type === undefined;
      if (!fits) ctx.addIssue({ code: 'custom', path: ['resourceType'], message: '' });
      if (file.parts !== undefined && file.parts.sha256.length !== Math.ceil(file.bytes / file.parts.bytes)) {
        ctx.addIssue({ code: 'custom', path: ['parts', 'sha256'], message: '' });
      }
      if (file.kind === 'fhir-bundle' && file.bytes > MAX_BULK_BUNDLE_BYTES) {
        ctx.addIssue({ code: 'custom', path: ['bytes'], message: 'bundle' });
      }
    });

const manifestSchema = (limits: ManifestLimits) =>
  z
    .object({ files: z.array(fileSchema(limits)).min(1).max(MAX_MANIFEST_FILES) })
    .strict()
    .superRefine((manifest, ctx) => {
      const seen = new Set<string>();
      manifest.files.forEach((file, index) => {
        if (seen.has(file.name))
          ctx.addIssue({ code: 'custom', path: ['files', index, 'name'], message: '' });
        seen.add(file.name);
      });
      const total = manifest.files.reduce((sum, f) => sum + f.bytes, 0);
      if (total > limits.maxTotalBytes) {
        ctx.addIssue({ code: 'custom', path: ['files'], message: 'total' });
      }
    });

/** Our own sentences, by field: zod's messages can quote the value they refuse. */
const MESSAGES: Record<string, string> = {
  manifest: 'The manifest must be a JSON object with exactly one member, files.',
  files: `files must list 1 to ${MAX_MANIFEST_FILES} file declarations.`,
  file: 'Each file declaration has exactly name, kind, bytes, contentDigest, when its kind needs it resourceType, and optionally parts.',
  name: 'name must be a plain file name (letters, digits, ".", "_", "-", at most 255, not starting with ".") and unique in the manifest.',
  kind: 'kind must be fhir-ndjson, fhir-bundle or x12-837.',
  resourceType:
    'resourceType must be an R4 resource type for fhir-ndjson, Bundle or absent for fhir-bundle, and absent for x12-837.',
  contentDigest: "contentDigest must be the file's RFC 9530 digest, sha-256=:BASE64:.",
  parts: `parts, when present, has exactly bytes (the part size, ${MIN_PART_BYTES} to ${MAX_PART_BYTES}) and sha256 (the base64 SHA-256 of each part in order, 2 to ${MAX_MULTIPART_PARTS}, as many as the file has parts).`,
};

function expressionOf(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) {
    text += typeof part === 'number' ? `[${part}]` : `${text === '' ? '' : '.'}${String(part)}`;
  }
  return text === '' ? 'manifest' : text;
}

function messageOf(issue: z.core.$ZodIssue, limits: ManifestLimits): string {
  if (issue.path[2] === 'parts') return MESSAGES.parts ?? '';
  const last = issue.path.at(-1);
  if (issue.code === 'unrecognized_keys')
    return issue.path.length === 0 ? (MESSAGES.manifest ?? '') : (MESSAGES.file ?? '');
  if (typeof last === 'number')
    return issue.path.length === 2 ? (MESSAGES.file ?? '') : (MESSAGES.files ?? '');
  if (last === 'bytes' && issue.code === 'custom') {
    return `A fhir-bundle file is at most ${MAX_BULK_BUNDLE_BYTES} bytes; send larger exports as fhir-ndjson.`;
  }
  if (last === 'bytes') return `bytes must be a whole number from 1 to ${limits.maxFileBytes}.`;
  if (last === 'files' && issue.code === 'custom') {
    return `The declared files together exceed ${limits.maxTotalBytes} bytes.`;
  }
  return MESSAGES[String(last ?? 'manifest')] ?? MESSAGES.manifest ?? '';
}

/**
 * Parses and checks a manifest's exact bytes: `invalid-json` (400) when they do not parse safely,
 * `invalid-manifest` (422) with the first offending field's `expression` when they break the schema.
 */
export function parseManifest(body: Uint8Array, limits: ManifestLimits): Manifest {
  const json = parseSafeJson(body);
  const parsed = manifestSchema(limits).safeParse(json);
  if (parsed.success) return parsed.data as Manifest;
  const issues = parsed.error.issues;
  const first = issues[0];
  const expression = expressionOf(first?.path ?? []);
  const message = first === undefined ? (MESSAGES.manifest ?? '') : messageOf(first, limits);
  throw reject('invalid-manifest', message, {
    expression,
    outcomeIssues: issues.slice(0, 20).map((issue) => ({
      expression: expressionOf(issue.path),
      diagnostics: messageOf(issue, limits),
    })),
  });
}
