import { verifyAccessToken } from '../core/auth/access-token.js';
import { reject } from '../core/errors.js';
import type { PartnerRecord } from '../ports/index.js';
import type { PipelineDeps } from './pipeline-deps.js';

export interface Principal {
  readonly partner: PartnerRecord;
  readonly scopes: readonly string[];
}

/** Bearer token → an active partner and the scopes the token grants. */
export async function authenticate(
  deps: PipelineDeps,
  authorization: string | undefined,
): Promise<Principal> {
  const token = await verifyAccessToken(authorization, {
    issuerKey: await deps.signer.publicJwk(),
    issuer: deps.settings.publicUrl,
    audience: deps.settings.publicUrl,
    now: deps.clock.now(),
  });
  const partner = await deps.partners.get(token.partnerId);
  if (partner?.status !== 'active') {
    throw reject('unauthenticated', 'the token subject is not an active partner', {
      headers: { 'WWW-Authenticate': 'Bearer' },
    });
  }
  return { partner, scopes: token.scopes };
}
