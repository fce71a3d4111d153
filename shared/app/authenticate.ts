import { verifyAccessToken } from '../core/auth/access-token.js';
import { reject } from '../core/errors.js';
import type { PartnerRecord, PartnerRoute } from '../ports/index.js';
import { governanceRefusal, usableKeys } from './partner-governance.js';
import type { PipelineDeps } from './pipeline-deps.js';

export interface Principal {
  /** The partner's record, its `keys` narrowed to those that verify now (window and revocation). */
  readonly partner: PartnerRecord;
  readonly scopes: readonly string[];
}

/**
 * Bearer token → an active, governed partner and the scopes the token grants. The registry is read on
 * every request, never cached, so a revocation or an expired BAA takes effect on the next request even
 * against a token issued before it.
 */
export async function authenticate(
  deps: PipelineDeps,
  req: { readonly authorization: string | undefined; readonly sourceIp: string },
  route: PartnerRoute,
): Promise<Principal> {
  const now = deps.clock.now();
  const token = await verifyAccessToken(req.authorization, {
    issuerKey: await deps.signer.publicJwk(),
    issuer: deps.settings.publicUrl,
    audience: deps.settings.publicUrl,
    now,
  });
  const partner = await deps.partners.get(token.partnerId);
  if (partner === undefined || partner.status === 'disabled') {
    throw reject('unauthenticated', 'the token subject is not an active partner', {
      headers: { 'WWW-Authenticate': 'Bearer' },
    });
  }
  const refusal = governanceRefusal(partner, { now, sourceIp: req.sourceIp, route });
  if (refusal !== undefined) {
    throw reject('partner-not-authorized', 'the partner is not authorized to use this service', {
      reason: refusal,
      partner: partner.id,
    });
  }
  return { partner: { ...partner, keys: usableKeys(partner, now) }, scopes: token.scopes };
}
