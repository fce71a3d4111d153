import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { z } from 'zod';
import { PipelineError } from '../core/errors.js';
import { encodeJson } from './json-records.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { openSealed, type SealedObject, sealOnce } from './secrets.js';
import { storageKeys } from './storage-keys.js';
import { consumerKeyName } from './submission.js';

/** SMART Backend Services servers must accept ES384 (and RS384); ES384 keys are small. */
const ALG = 'ES384';

const PrivateJwkSchema = z.looseObject({
  kty: z.literal('EC'),
  crv: z.literal('P-384'),
  x: z.string(),
  y: z.string(),
  d: z.string(),
  alg: z.literal(ALG),
  kid: z.string(),
});

type KeyDeps = Pick<PipelineDeps, 'objects' | 'envelope'>;

const sealedKey = (consumer: string): SealedObject => ({
  key: storageKeys.fhirClientKey(consumer),
  keyName: consumerKeyName(consumer),
  context: { purpose: 'fhir-client-key', consumer },
});

function decodeKey(consumer: string, plaintext: Uint8Array): JWK {
  const parsed = PrivateJwkSchema.safeParse(JSON.parse(new TextDecoder().decode(plaintext)));
  if (!parsed.success) {
    throw new PipelineError('config-invalid', `the FHIR client key of consumer ${consumer} is not usable`, {
      details: { consumer },
    });
  }
  return parsed.data;
}

/**
 * The private JWK the pipeline signs SMART client assertions with for one consumer's FHIR server.
 * Kept like the de-identification secrets: envelope-encrypted under the consumer's key in the object
 * store (`secrets/fhir-client-<consumer>`), so the embedded default and AWS (KMS) share one code path
 * and the key never sits in a contract, a message or a log. Undefined when none was made yet.
 */
export async function loadFhirClientKey(deps: KeyDeps, consumer: string): Promise<JWK | undefined> {
  const plaintext = await openSealed(deps, sealedKey(consumer));
  return plaintext === undefined ? undefined : decodeKey(consumer, plaintext);
}

/** The key the deliver worker needs; a consumer without one is a configuration error, not a retry. */
export async function requireFhirClientKey(deps: KeyDeps, consumer: string): Promise<JWK> {
  const key = await loadFhirClientKey(deps, consumer);
  if (key) return key;
  throw new PipelineError(
    'config-invalid',
    `consumer ${consumer} delivers to FHIR but has no client key; run: phi consumer fhir-key ${consumer}`,
    { details: { consumer } },
  );
}

/** The public half: what an operator registers at the FHIR server (as a JWK or in a JWKS). */
export function publicJwkOf(privateJwk: JWK): JWK {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, oth: _oth, k: _k, ...rest } = privateJwk;
  return rest;
}

/** Makes the consumer's key once (create-if-absent; two racing callers converge on the winner). */
export async function ensureFhirClientKey(
  deps: KeyDeps,
  consumer: string,
): Promise<{ publicJwk: JWK; created: boolean }> {
  const existing = await loadFhirClientKey(deps, consumer);
  if (existing) return { publicJwk: publicJwkOf(existing), created: false };
  const { privateKey } = await generateKeyPair(ALG, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicJwkOf(jwk));
  const full: JWK = { ...jwk, alg: ALG, use: 'sig', kid };
  const { plaintext, created } = await sealOnce(deps, sealedKey(consumer), encodeJson(full));
  if (created) return { publicJwk: publicJwkOf(full), created: true };
  if (!plaintext)
    throw new PipelineError('store-conflict', 'the FHIR client key vanished after a create conflict');
  return { publicJwk: publicJwkOf(decodeKey(consumer, plaintext)), created: false };
}
