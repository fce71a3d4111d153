import { randomUUID } from 'node:crypto';
import { type Interaction, scopeAllows } from '../core/auth/scopes.js';
import { reject } from '../core/errors.js';
import { validateBundle } from '../core/fhir/validate-bundle.js';
import { verifyContentDigest } from '../core/integrity/content-digest.js';
import { parseSafeJson } from '../core/json/safe-json.js';
import { verifyDetachedJws } from '../core/jws/detached-jws.js';
import { storeAcknowledgement } from './acknowledgements.js';
import { auditRefusal, recordAudit } from './audit-events.js';
import { authenticate } from './authenticate.js';
import {
  type CheckedClaimFile,
  checkClaimFile,
  recordInterchanges,
  refuseRepeatedInterchanges,
} from './claim-door.js';
import type { PipelineDeps } from './pipeline-deps.js';
import type { IngestMessage } from './queue-messages.js';
import { storageKeys } from './storage-keys.js';
import {
  type IdempotencyRecord,
  rawEncryptionContext,
  type SubmissionKind,
  type SubmissionRecord,
} from './submission.js';
import { checkIdempotencyKey, refuseContentCoding, takeRateLimit } from './submission-checks.js';
import { idempotencyClaims, submissionRecords } from './submission-records.js';

export interface SubmissionRequest {
  readonly kind: SubmissionKind;
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  /** Content codings are refused: the digest and signature cover the bytes as sent, never inflated. */
  readonly contentEncoding: string | undefined;
  readonly contentDigest: string | undefined;
  readonly signature: string | undefined;
  readonly idempotencyKey: string | undefined;
  readonly body: Uint8Array;
  readonly requestId: string;
  readonly sourceIp: string;
}

export interface SubmissionAccepted {
  /** 202 for a new submission, 200 when the same submission was already accepted. */
  readonly httpStatus: 200 | 202;
  readonly submissionId: string;
  readonly contentDigest: string;
}

const ROUTES: Record<SubmissionKind, { resource: string; interaction: Interaction; mediaType: string }> = {
  bundle: { resource: 'Bundle', interaction: 'c', mediaType: 'application/fhir+json' },
  claim: { resource: 'Claim', interaction: 'c', mediaType: 'application/edi-x12' },
};

/**
 * POST /v1/bundles and /v1/claims. Checks run in the SPEC order and all of them run before anything
 * is written; a rejection writes exactly one audit record and nothing else.
 */
export async function ingestSubmission(
  deps: PipelineDeps,
  req: SubmissionRequest,
): Promise<SubmissionAccepted> {
  const refusal = {
    action: 'submission.rejected',
    requestId: req.requestId,
    sourceIp: req.sourceIp,
    details: { kind: req.kind, bytes: req.body.byteLength },
  };
  return auditRefusal(deps.audit, deps.clock, refusal, async (identify) => {
    const { partner, scopes } = await authenticate(deps, req, req.kind === 'bundle' ? 'bundles' : 'claims');
    identify(partner.id);

    await takeRateLimit(deps, partner.id);
    const route = ROUTES[req.kind];
    if (!scopeAllows(scopes, route.resource, route.interaction)) {
      throw reject('insufficient-scope', `the token lacks a scope allowing ${route.resource} creation`);
    }
    checkMediaType(req.kind, req.contentType, req.contentEncoding);
    if (req.body.byteLength > deps.settings.maxBodyBytes) {
      throw reject('payload-too-large', `the body exceeds ${deps.settings.maxBodyBytes} bytes`);
    }
    const contentDigest = verifyContentDigest(req.contentDigest, req.body);
    await verifyDetachedJws(req.signature, req.body, { partnerKeys: partner.keys, now: deps.clock.now() });
    const claimFile = req.kind === 'claim' ? checkClaimFile(req.body, deps.clock.now()) : undefined;
    const summary = claimFile?.counts ?? validateBundle(parseSafeJson(req.body)).resourceCounts;
    const idempotencyKey = checkIdempotencyKey(req.idempotencyKey) ?? `digest:${contentDigest}`;
    if (claimFile !== undefined) {
      await refuseRepeatedInterchanges(deps, partner.id, claimFile, idempotencyKey, deps.clock.now());
    }

    const accepted = await persist(deps, {
      partnerId: partner.id,
      kind: req.kind,
      body: req.body,
      contentDigest,
      idempotencyKey,
      resourceCounts: summary,
      requestId: req.requestId,
      claimFile,
    });
    await recordAudit(deps.audit, deps.clock, {
      actor: { type: 'partner', id: partner.id },
      action: accepted.httpStatus === 202 ? 'submission.accepted' : 'submission.duplicate',
      outcome: 'success',
      requestId: req.requestId,
      submissionId: accepted.submissionId,
      sourceIp: req.sourceIp,
      details: { kind: req.kind, bytes: req.body.byteLength, contentDigest },
    });
    return accepted;
  });
}

function checkMediaType(
  kind: SubmissionKind,
  contentType: string | undefined,
  contentEncoding: string | undefined,
): void {
  refuseContentCoding(contentEncoding);
  const [type, ...params] = (contentType ?? '').split(';').map((p) => p.trim().toLowerCase());
  const ok =
    type === ROUTES[kind].mediaType &&
    params.every(
      (p) =>
        p === 'charset=utf-8' ||
        p === 'charset="utf-8"' ||
        (kind === 'bundle' && /^fhirversion="?4\.0(\.1)?"?$/.test(p)) ||
        (kind === 'claim' && (p === 'charset=us-ascii' || p === 'charset="us-ascii"')),
    );
  if (!ok) throw reject('unsupported-media-type', `this route accepts only ${ROUTES[kind].mediaType}`);
}

interface NewSubmission {
  readonly partnerId: string;
  readonly kind: SubmissionKind;
  readonly body: Uint8Array;
  readonly contentDigest: string;
  readonly idempotencyKey: string;
  readonly resourceCounts: Record<string, number>;
  readonly requestId: string;
  /** A claim file's checked interchanges and its accepting TA1 and 999. */
  readonly claimFile: CheckedClaimFile | undefined;
}

/**
 * Claim the idempotency key first (create-if-absent), then store, record, enqueue, and mark complete.
 * A retry that finds a pending claim finishes the same submission: every step is create-if-absent
 * or idempotent downstream, so a crash between steps loses nothing and duplicates nothing.
 */
async function persist(deps: PipelineDeps, sub: NewSubmission): Promise<SubmissionAccepted> {
  const fresh: IdempotencyRecord = {
    submissionId: randomUUID(),
    contentDigest: sub.contentDigest,
    receivedAt: deps.clock.now().toISOString(),
    state: 'pending',
  };
  const claimed = await idempotencyClaims.claim(deps.objects, sub.partnerId, sub.idempotencyKey, fresh);
  let claim = fresh;
  if (!claimed.created) {
    claim = await idempotencyClaims.require(deps.objects, sub.partnerId, sub.idempotencyKey);
    if (claim.contentDigest !== sub.contentDigest) {
      throw reject('idempotency-key-reused', 'this Idempotency-Key was used with different content');
    }
    if (claim.state === 'complete') {
      return { httpStatus: 200, submissionId: claim.submissionId, contentDigest: claim.contentDigest };
    }
  }
  const { submissionId, receivedAt } = claim;
  const rawKey = storageKeys.raw(sub.partnerId, submissionId);
  if (!(await deps.objects.exists(rawKey))) {
    const ciphertext = await deps.envelope.encrypt(
      'data',
      sub.body,
      rawEncryptionContext(sub.partnerId, submissionId),
    );
    await deps.objects.put(rawKey, ciphertext, { ifAbsent: true, contentType: 'application/octet-stream' });
  }
  if (sub.claimFile !== undefined) {
    // Before the record: a retry that finds the record finds the acknowledgements and markers too.
    await storeAcknowledgement(deps, sub.partnerId, submissionId, 'ta1', sub.claimFile.ta1);
    await storeAcknowledgement(deps, sub.partnerId, submissionId, '999', sub.claimFile.functional);
    await recordInterchanges(deps, sub.partnerId, sub.claimFile, submissionId);
  }
  const record: SubmissionRecord = {
    id: submissionId,
    partner: sub.partnerId,
    kind: sub.kind,
    status: 'accepted',
    receivedAt,
    contentDigest: sub.contentDigest,
    bytes: sub.body.byteLength,
    resourceCounts: sub.resourceCounts,
    requestId: sub.requestId,
  };
  await submissionRecords.create(deps.objects, sub.partnerId, submissionId, record);
  const message: IngestMessage = {
    version: 1,
    type: 'submission.accepted',
    submissionId,
    partner: sub.partnerId,
    kind: sub.kind,
    bucket: deps.objects.bucket,
    key: rawKey,
    contentDigest: sub.contentDigest,
    receivedAt,
  };
  await deps.queue.send(deps.settings.ingestQueue, JSON.stringify(message));
  await idempotencyClaims.complete(deps.objects, sub.partnerId, sub.idempotencyKey, claim);
  return { httpStatus: claimed.created ? 202 : 200, submissionId, contentDigest: sub.contentDigest };
}
