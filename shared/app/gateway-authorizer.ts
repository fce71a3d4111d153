import { verifyAccessToken } from '../core/auth/access-token.js';
import { type Interaction, scopeAllows } from '../core/auth/scopes.js';
import { PipelineError, reject } from '../core/errors.js';
import { auditRefusal } from './audit-events.js';
import type { PipelineDeps } from './pipeline-deps.js';

/**
 * What the HTTP API's Lambda authorizer decides before a partner route's function runs (issue 12
 * item 4, docs/deploy.md "Gateway"): a valid ES256 access token of this issuer for this audience,
 * and for the write routes a scope that allows the write. It is a first gate only: every function
 * still verifies the token, the partner's standing and the scopes itself.
 */

/** Scopes a route needs at the gateway; any one of them suffices. Routes not listed need a valid token. */
const ROUTE_SCOPES: Readonly<Record<string, readonly (readonly [string, Interaction])[]>> = {
  'POST /v1/bundles': [['Bundle', 'c']],
  'POST /v1/claims': [['Claim', 'c']],
  // The manifest says which; the function checks the one it names.
  'POST /v1/uploads': [
    ['Bundle', 'c'],
    ['Claim', 'c'],
  ],
};

/** The routes the gateway leaves open: the token endpoint and discovery (serverless.yml). */
export const OPEN_ROUTES: readonly string[] = [
  'POST /v1/token',
  'GET /.well-known/smart-configuration',
  'GET /.well-known/jwks.json',
];

const DENIALS: ReadonlySet<string> = new Set(['unauthenticated', 'insufficient-scope']);

export interface GatewayRequest {
  readonly routeKey: string;
  readonly authorization: string | undefined;
  readonly requestId: string;
  readonly sourceIp: string;
}

export interface GatewayDecision {
  readonly isAuthorized: boolean;
  /** On allow, the partner id, for the access log (`$context.authorizer.partner`); functions ignore it. */
  readonly context?: { readonly partner: string };
}

/**
 * Allows or denies one request. A denial writes one `gateway.refused` audit record with its code
 * (`unauthenticated`, `insufficient-scope`), as every refused request does; denials API Gateway
 * answers itself (no Authorization header, or a cached denial) never reach here (docs/deploy.md).
 */
export async function authorizeAtGateway(
  deps: Pick<PipelineDeps, 'signer' | 'settings' | 'clock' | 'audit'>,
  req: GatewayRequest,
): Promise<GatewayDecision> {
  try {
    return await auditRefusal(
      deps.audit,
      deps.clock,
      {
        action: 'gateway.refused',
        requestId: req.requestId,
        sourceIp: req.sourceIp,
        details: { route: req.routeKey },
      },
      async (identify) => {
        const token = await verifyAccessToken(req.authorization, {
          issuerKey: await deps.signer.publicJwk(),
          issuer: deps.settings.publicUrl,
          audience: deps.settings.publicUrl,
          now: deps.clock.now(),
        });
        identify(token.partnerId);
        const needs = ROUTE_SCOPES[req.routeKey];
        if (needs !== undefined && !needs.some(([resource, i]) => scopeAllows(token.scopes, resource, i))) {
          throw reject('insufficient-scope', 'the token lacks a scope this route needs');
        }
        return { isAuthorized: true, context: { partner: token.partnerId } };
      },
    );
  } catch (error) {
    // Coded refusals are denials; anything else (KMS unreachable) is a failure API Gateway answers 500.
    if (error instanceof PipelineError && DENIALS.has(error.code)) {
      return { isAuthorized: false };
    }
    throw error;
  }
}
