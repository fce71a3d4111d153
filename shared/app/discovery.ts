import { PARTNER_ALGORITHMS } from '../core/auth/jose-header.js';
import type { PipelineDeps } from './pipeline-deps.js';

/** GET /.well-known/smart-configuration (SMART App Launch 2, Backend Services). */
export function smartConfiguration(deps: Pick<PipelineDeps, 'settings'>): Record<string, unknown> {
  const base = deps.settings.publicUrl;
  return {
    issuer: base,
    token_endpoint: deps.settings.tokenUrl,
    jwks_uri: `${base}/.well-known/jwks.json`,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: [...PARTNER_ALGORITHMS],
    scopes_supported: ['system/Bundle.write', 'system/Claim.write', 'system/Bundle.c', 'system/Claim.c'],
    capabilities: ['client-confidential-asymmetric', 'permission-v1', 'permission-v2'],
  };
}

/** GET /.well-known/jwks.json: the issuer's public key, so resource servers can verify our tokens. */
export async function issuerJwks(deps: Pick<PipelineDeps, 'signer'>): Promise<{ keys: unknown[] }> {
  const jwk = await deps.signer.publicJwk();
  return { keys: [{ ...jwk, kid: await deps.signer.kid(), alg: deps.signer.alg, use: 'sig' }] };
}
