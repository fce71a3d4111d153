import { z } from 'zod';
import { issueAccessToken } from '../core/auth/access-token.js';
import { claimedIssuer, verifyClientAssertion } from '../core/auth/client-assertion.js';
import { grantScopes } from '../core/auth/scopes.js';
import { OAuthError } from '../core/errors.js';
import { auditRefusal, recordAudit } from './audit-events.js';
import { jsonRecord } from './json-records.js';
import { type GovernanceRefusal, governanceRefusal, usableKeys } from './partner-governance.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { storageKeys } from './storage-keys.js';

/** `replay/jti/{partner}/{sha256(jti)}`: a client assertion's jti, kept until the assertion expires. */
const assertionJtiRecord = jsonRecord('assertion-jti', z.object({ exp: z.number() }));

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface TokenRequest {
  readonly contentType: string | undefined;
  readonly body: Uint8Array;
  readonly requestId: string;
  readonly sourceIp: string;
}

export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: 'bearer';
  readonly expires_in: number;
  readonly scope: string;
}

/** SMART Backend Services token endpoint (RFC 6749 client_credentials + RFC 7523 private_key_jwt). */
export async function issueToken(deps: PipelineDeps, req: TokenRequest): Promise<TokenResponse> {
  const refusal = { action: 'token.refused', requestId: req.requestId, sourceIp: req.sourceIp };
  return auditRefusal(deps.audit, deps.clock, refusal, async (identify) => {
    const form = parseForm(req);
    const partnerId = claimedIssuer(form.client_assertion);
    identify(partnerId);
    const partner = partnerId ? await deps.partners.get(partnerId) : undefined;
    if (!partnerId || !partner || partner.status === 'disabled') {
      throw new OAuthError('invalid_client', 'client is not registered');
    }
    const now = deps.clock.now();
    const assertion = await verifyClientAssertion(form.client_assertion, {
      partnerId,
      partnerKeys: usableKeys(partner, now),
      tokenUrl: deps.settings.tokenUrl,
      now,
    });
    // Governance after authentication (SPEC §5: "exists and authenticated") and before the jti is
    // remembered, so a refused request stores nothing.
    const refusal = governanceRefusal(partner, { now, sourceIp: req.sourceIp });
    if (refusal !== undefined) throw governanceOAuthError(refusal);
    const fresh = await assertionJtiRecord.write(
      deps.objects,
      storageKeys.assertionJti(partnerId, assertion.jti),
      { exp: assertion.exp },
      { ifAbsent: true },
    );
    if (!fresh.created) throw new OAuthError('invalid_client', 'client_assertion jti was already used');

    const granted = grantScopes(form.scope, partner.scopes);
    if (granted.length === 0)
      throw new OAuthError('invalid_scope', 'none of the requested scopes is allowed');
    const { token, expiresIn } = await issueAccessToken(
      { partnerId, scopes: granted },
      {
        signer: deps.signer,
        issuer: deps.settings.publicUrl,
        audience: deps.settings.publicUrl,
        now,
        ttlSeconds: deps.settings.tokenTtlSeconds,
      },
    );
    await recordAudit(deps.audit, deps.clock, {
      actor: { type: 'partner', id: partnerId },
      action: 'token.issued',
      outcome: 'success',
      requestId: req.requestId,
      sourceIp: req.sourceIp,
      details: { scopes: granted.length },
    });
    return { access_token: token, token_type: 'bearer', expires_in: expiresIn, scope: granted.join(' ') };
  });
}

/** RFC 6749 `invalid_client` on the wire; `partner-not-authorized` and the reason in the audit record. */
function governanceOAuthError(reason: GovernanceRefusal): OAuthError {
  return new OAuthError('invalid_client', 'client is not authorized', {
    code: 'partner-not-authorized',
    details: { reason },
  });
}

function parseForm(req: TokenRequest): { client_assertion: string; scope: string[] } {
  const mediaType = req.contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/x-www-form-urlencoded') {
    throw new OAuthError('invalid_request', 'the token request must be application/x-www-form-urlencoded');
  }
  if (req.body.byteLength > 16_384) throw new OAuthError('invalid_request', 'the token request is too large');
  const params = new URLSearchParams(Buffer.from(req.body).toString('utf8'));
  for (const name of new Set(params.keys())) {
    if (params.getAll(name).length > 1)
      throw new OAuthError('invalid_request', `parameter ${name} is repeated`);
  }
  const grantType = params.get('grant_type');
  if (!grantType) throw new OAuthError('invalid_request', 'grant_type is missing');
  if (grantType !== 'client_credentials') {
    throw new OAuthError('unsupported_grant_type', 'only client_credentials is supported');
  }
  if (params.get('client_assertion_type') !== CLIENT_ASSERTION_TYPE) {
    throw new OAuthError('invalid_request', 'client_assertion_type must be the jwt-bearer type');
  }
  const clientAssertion = params.get('client_assertion');
  if (!clientAssertion) throw new OAuthError('invalid_request', 'client_assertion is missing');
  const scope = (params.get('scope') ?? '').split(' ').filter(Boolean);
  if (scope.length === 0) throw new OAuthError('invalid_scope', 'scope is missing');
  return { client_assertion: clientAssertion, scope };
}
