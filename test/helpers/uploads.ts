import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { httpsRequest } from '../../cli/client/https-request.js';
import { contentDigestHeader, signDetached } from '../../cli/client/sign-submission.js';
import type { TestStack } from './test-stack.js';

/** One file to upload: its declaration (name, kind, resourceType) and its bytes. */
export interface UploadFile {
  readonly name: string;
  readonly kind: 'fhir-ndjson' | 'fhir-bundle' | 'x12-837';
  readonly resourceType?: string;
  readonly body: Buffer;
}

export interface UploadAnswer {
  readonly status: number;
  readonly json: {
    submissionId?: string;
    expiresAt?: string;
    files?: { name: string; url: string; method: string; headers: Record<string, string> }[];
    issue?: { expression?: string[]; details?: { coding?: { code?: string }[] } }[];
  };
  readonly text: string;
}

export const digestOf = (body: Uint8Array): string =>
  `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;

export const manifestOf = (files: readonly UploadFile[]) => ({
  files: files.map((f) => ({
    name: f.name,
    kind: f.kind,
    ...(f.resourceType === undefined ? {} : { resourceType: f.resourceType }),
    bytes: f.body.byteLength,
    contentDigest: digestOf(f.body),
  })),
});

/** POST /v1/uploads with the partner's token, digest and detached JWS over the manifest bytes. */
export async function postManifest(
  t: TestStack,
  manifest: unknown,
  opts: { partner?: string; headers?: Record<string, string> } = {},
): Promise<UploadAnswer> {
  const client = await t.client(opts.partner);
  const body = Buffer.from(JSON.stringify(manifest));
  const res = await httpsRequest(`${t.url}/v1/uploads`, {
    method: 'POST',
    ca: t.ca,
    headers: {
      Authorization: `Bearer ${await client.accessToken()}`,
      'Content-Type': 'application/json',
      'Content-Digest': contentDigestHeader(body),
      'X-JWS-Signature': await signDetached(body, await t.privateJwk(opts.partner), {
        encoding: 'unencoded',
      }),
      ...(opts.headers ?? {}),
    },
    body,
  });
  const text = res.body.toString('utf8');
  let json: UploadAnswer['json'] = {};
  try {
    json = JSON.parse(text) as UploadAnswer['json'];
  } catch {
    json = {};
  }
  return { status: res.status, json, text };
}

/** PUT one file to its upload URL as a partner's tooling would (the headers the answer listed). */
export async function putFile(
  t: TestStack,
  target: { url: string; headers: Record<string, string> },
  body: Uint8Array,
): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  const res = await httpsRequest(target.url, { method: 'PUT', ca: t.ca, headers: target.headers, body });
  return { status: res.status, text: res.body.toString('utf8'), headers: res.headers };
}

export async function getWithToken(
  t: TestStack,
  route: string,
  partner?: string,
): Promise<{ status: number; text: string; contentType: string | undefined }> {
  const client = await t.client(partner);
  const res = await httpsRequest(`${t.url}${route}`, {
    method: 'GET',
    ca: t.ca,
    headers: { Authorization: `Bearer ${await client.accessToken()}` },
  });
  const type = res.headers['content-type'];
  return {
    status: res.status,
    text: res.body.toString('utf8'),
    contentType: typeof type === 'string' ? type : undefined,
  };
}

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** NDJSON per resource type from a sample Bundle, as a Bulk Data export would have it. */
export async function sampleNdjson(): Promise<Map<string, Buffer>> {
  const bundle = JSON.parse(
    await readFile(
      path.join(
        ROOT,
        'test/fixtures/synthea/Lynwood354_Powlowski563_edca2a50-d3e4-4663-a104-6c226d5a8fcd.json',
      ),
      'utf8',
    ),
  ) as { entry: { resource: { resourceType: string } }[] };
  const lines = new Map<string, string[]>();
  for (const { resource } of bundle.entry) {
    const list = lines.get(resource.resourceType) ?? [];
    list.push(JSON.stringify(resource));
    lines.set(resource.resourceType, list);
  }
  return new Map([...lines].map(([type, list]) => [type, Buffer.from(`${list.join('\n')}\n`)]));
}

export const sampleFile = (relative: string): Promise<Buffer> => readFile(path.join(ROOT, relative));
