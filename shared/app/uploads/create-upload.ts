import { randomUUID } from 'node:crypto';
import { type Interaction, scopeAllows } from '../../core/auth/scopes.js';
import { reject } from '../../core/errors.js';
import { verifyContentDigest } from '../../core/integrity/content-digest.js';
import { verifyDetachedJws } from '../../core/jws/detached-jws.js';
import { auditRefusal, recordAudit } from '../audit-events.js';
import { authenticate } from '../authenticate.js';
import type { SubmissionRequest } from '../ingest-submission.js';
import type { PipelineDeps } from '../pipeline-deps.js';
import { storageKeys } from '../storage-keys.js';
import type { BulkFile, BulkFileKind, IdempotencyRecord, SubmissionRecord } from '../submission.js';
import { checkIdempotencyKey, refuseContentCoding, takeRateLimit } from '../submission-checks.js';
import { idempotencyClaims, submissionRecords } from '../submission-records.js';
import { type ExpiryMessage, expiryDeduplicationId } from './expiry-message.js';
import { type DeclaredFile, declaredSha256, type Manifest, parseManifest } from './manifest.js';
import { uploadMultiparts } from './upload-records.js';

/** The same request as any submission's, without a kind: the manifest lists the kinds. */
export type UploadRequest = Omit<SubmissionRequest, 'kind'>;

interface SignedRequest<M extends string> {
  readonly url: string;
  readonly method: M;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Offered beside the whole-file PUT for a file whose manifest entry declares `parts` (docs/uploads.md
 * "Multipart"): an S3 multipart upload the client may fill part by part, list, and complete.
 */
export interface MultipartOffer {
  readonly uploadId: string;
  readonly partBytes: number;
  readonly parts: readonly (SignedRequest<'PUT'> & { readonly partNumber: number })[];
  readonly listParts: SignedRequest<'GET'>;
  readonly complete: SignedRequest<'POST'>;
}

export interface UploadUrl extends SignedRequest<'PUT'> {
  readonly name: string;
  readonly multipart?: MultipartOffer;
}

export interface UploadCreated {
  /** 201 for a new bulk submission, 200 when the same manifest was already accepted (fresh URLs, same expiry). */
  readonly httpStatus: 200 | 201;
  readonly submissionId: string;
  readonly expiresAt: string;
  readonly files: readonly UploadUrl[];
}

/** The scope a file kind needs: what /v1/bundles needs for FHIR files, what /v1/claims needs for 837s. */
const SCOPES: Record<BulkFileKind, { resource: string; interaction: Interaction }> = {
  'fhir-ndjson': { resource: 'Bundle', interaction: 'c' },
  'fhir-bundle': { resource: 'Bundle', interaction: 'c' },
  'x12-837': { resource: 'Claim', interaction: 'c' },
};

/**
 * POST /v1/uploads (SPEC §5): checks the manifest as any submission is checked (token, rate limit,
 * scope, media type, size, Content-Digest, detached JWS, schema, idempotency), then records a bulk
 * submission `accepted` until `expiresAt`, queues its delayed expiry check, and answers one signed
 * PUT per declared file. A refusal writes one audit record and nothing else.
 */
export async function createUpload(deps: PipelineDeps, req: UploadRequest): Promise<UploadCreated> {
  const refusal = {
    action: 'submission.rejected',
    requestId: req.requestId,
    sourceIp: req.sourceIp,
    details: { kind: 'bulk', bytes: req.body.byteLength },
  };
  return auditRefusal(deps.audit, deps.clock, refusal, async (identify) => {
    const { partner, scopes } = await authenticate(deps, req, 'uploads');
    identify(partner.id);
    await takeRateLimit(deps, partner.id);
    // Which scopes apply depends on the kinds listed; a token with neither cannot submit any kind.
    const allowed = (kind: BulkFileKind) =>
      scopeAllows(scopes, SCOPES[kind].resource, SCOPES[kind].interaction);
    if (!allowed('fhir-ndjson') && !allowed('x12-837')) {
      throw reject('insufficient-scope', 'the token lacks a scope allowing Bundle or Claim creation');
    }
    checkMediaType(req.contentType, req.contentEncoding);
    if (req.body.byteLength > deps.settings.maxBodyBytes) {
      throw reject('payload-too-large', `the body exceeds ${deps.settings.maxBodyBytes} bytes`);
    }
    const contentDigest = verifyContentDigest(req.contentDigest, req.body);
    await verifyDetachedJws(req.signature, req.body, { partnerKeys: partner.keys, now: deps.clock.now() });
    const manifest = parseManifest(req.body, deps.settings.uploads);
    const refused = manifest.files.findIndex((f) => !allowed(f.kind));
    if (refused >= 0) {
      const kind = manifest.files[refused]?.kind ?? 'x12-837';
      throw reject(
        'insufficient-scope',
        `the token lacks a scope allowing ${SCOPES[kind].resource} creation`,
        {
          expression: `files[${refused}].kind`,
        },
      );
    }
    const idempotencyKey = checkIdempotencyKey(req.idempotencyKey) ?? `digest:${contentDigest}`;
    const created = await persist(deps, partner.id, manifest, contentDigest, idempotencyKey, req.requestId);
    await recordAudit(deps.audit, deps.clock, {
      actor: { type: 'partner', id: partner.id },
      action: created.httpStatus === 201 ? 'submission.accepted' : 'submission.duplicate',
      outcome: 'success',
      requestId: req.requestId,
      submissionId: created.submissionId,
      sourceIp: req.sourceIp,
      details: {
        kind: 'bulk',
        files: manifest.files.length,
        bytes: totalBytes(manifest.files),
        contentDigest,
      },
    });
    return created;
  });
}

const totalBytes = (files: readonly DeclaredFile[]): number => files.reduce((sum, f) => sum + f.bytes, 0);

function checkMediaType(contentType: string | undefined, contentEncoding: string | undefined): void {
  refuseContentCoding(contentEncoding);
  const [type, ...params] = (contentType ?? '').split(';').map((p) => p.trim().toLowerCase());
  const ok =
    type === 'application/json' && params.every((p) => p === 'charset=utf-8' || p === 'charset="utf-8"');
  if (!ok) throw reject('unsupported-media-type', 'this route accepts only application/json');
}

/** The declared files as the record keeps them: positions, kinds, sizes and digests; never names. */
const bulkFiles = (manifest: Manifest): BulkFile[] =>
  manifest.files.map((f, index) => ({
    index,
    kind: f.kind,
    ...(f.resourceType === undefined ? {} : { resourceType: f.resourceType }),
    bytes: f.bytes,
    contentDigest: f.contentDigest,
  }));

/**
 * As `ingestSubmission`'s persist: claim the idempotency key first, then record, queue the expiry
 * check and mark complete; a retry finishes the same submission. A repeat gets the same id and expiry.
 */
async function persist(
  deps: PipelineDeps,
  partnerId: string,
  manifest: Manifest,
  contentDigest: string,
  idempotencyKey: string,
  requestId: string,
): Promise<UploadCreated> {
  const now = deps.clock.now();
  const fresh: IdempotencyRecord = {
    submissionId: randomUUID(),
    contentDigest,
    receivedAt: now.toISOString(),
    state: 'pending',
  };
  const claimed = await idempotencyClaims.claim(deps.objects, partnerId, idempotencyKey, fresh);
  let claim = fresh;
  if (!claimed.created) {
    claim = await idempotencyClaims.require(deps.objects, partnerId, idempotencyKey);
    if (claim.contentDigest !== contentDigest) {
      throw reject('idempotency-key-reused', 'this Idempotency-Key was used with different content');
    }
  }
  const { submissionId, receivedAt } = claim;
  const expiresAt = new Date(Date.parse(receivedAt) + deps.settings.uploads.urlSeconds * 1000);
  if (claim.state !== 'complete') {
    const record: SubmissionRecord = {
      id: submissionId,
      partner: partnerId,
      kind: 'bulk',
      status: 'accepted',
      receivedAt,
      contentDigest,
      bytes: totalBytes(manifest.files),
      resourceCounts: {},
      requestId,
      files: bulkFiles(manifest),
      expiresAt: expiresAt.toISOString(),
    };
    await submissionRecords.create(deps.objects, partnerId, submissionId, record);
    const expiry: ExpiryMessage = { version: 1, type: 'upload.expiry', submissionId, partner: partnerId };
    await deps.queue.send(deps.settings.uploads.expiryQueue, JSON.stringify(expiry), {
      delaySeconds: Math.min(900, Math.max(0, Math.ceil((expiresAt.getTime() - now.getTime()) / 1000))),
      deduplicationId: expiryDeduplicationId(submissionId, 0),
    });
    for (const [index, file] of manifest.files.entries()) {
      if (file.parts !== undefined) await startMultipart(deps, partnerId, submissionId, index);
    }
    await idempotencyClaims.complete(deps.objects, partnerId, idempotencyKey, claim);
  }
  const files = await Promise.all(
    manifest.files.map(async (file, index): Promise<UploadUrl> => {
      const key = storageKeys.upload(partnerId, submissionId, index);
      const signed = await deps.uploads.presignPut(key, {
        checksumSha256: declaredSha256(file.contentDigest),
        bytes: file.bytes,
        expiresAt,
      });
      const multipart = await multipartOffer(deps, partnerId, submissionId, index, file, expiresAt);
      return {
        name: file.name,
        url: signed.url,
        method: 'PUT',
        headers: signed.headers,
        ...(multipart === undefined ? {} : { multipart }),
      };
    }),
  );
  return {
    httpStatus: claimed.created ? 201 : 200,
    submissionId,
    expiresAt: expiresAt.toISOString(),
    files,
  };
}

/**
 * Starts the multipart upload of a file that declared parts, once: the first to record its upload id
 * wins, and a request that lost the race aborts its own, so retries and repeats share one upload.
 */
async function startMultipart(
  deps: PipelineDeps,
  partner: string,
  submissionId: string,
  index: number,
): Promise<void> {
  if ((await uploadMultiparts.read(deps.objects, partner, submissionId, index)) !== undefined) return;
  const key = storageKeys.upload(partner, submissionId, index);
  const uploadId = await deps.uploads.createMultipart(key);
  const at = deps.clock.now().toISOString();
  const { created } = await uploadMultiparts.claim(deps.objects, partner, submissionId, {
    index,
    uploadId,
    at,
  });
  if (!created) await deps.uploads.abortMultipart(key, uploadId);
}

/** Fresh signed requests for a file's multipart upload, when it has one (a repeat finds the first's). */
async function multipartOffer(
  deps: PipelineDeps,
  partner: string,
  submissionId: string,
  index: number,
  file: DeclaredFile,
  expiresAt: Date,
): Promise<MultipartOffer | undefined> {
  if (file.parts === undefined) return undefined;
  const record = await uploadMultiparts.read(deps.objects, partner, submissionId, index);
  if (record === undefined) return undefined;
  const signed = await deps.uploads.presignMultipart(
    storageKeys.upload(partner, submissionId, index),
    record.uploadId,
    {
      bytes: file.bytes,
      partBytes: file.parts.bytes,
      partSha256: file.parts.sha256,
      expiresAt,
    },
  );
  return {
    uploadId: record.uploadId,
    partBytes: file.parts.bytes,
    parts: signed.parts.map((p) => ({
      partNumber: p.partNumber,
      url: p.url,
      method: 'PUT',
      headers: p.headers,
    })),
    listParts: { url: signed.listParts.url, method: 'GET', headers: signed.listParts.headers },
    complete: { url: signed.complete.url, method: 'POST', headers: signed.complete.headers },
  };
}
