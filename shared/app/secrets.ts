import { randomBytes } from 'node:crypto';
import { PipelineError } from '../core/errors.js';
import type { PipelineDeps, SecretCache } from './pipeline-deps.js';
import { storageKeys } from './storage-keys.js';

/**
 * Secrets the pipeline makes for itself (de-identification HMAC keys, FHIR client keys): each made once
 * and kept envelope-encrypted in the object store under a consumer's key, so the same code serves the
 * embedded default and AWS (KMS). Two workers racing to create one converge on whichever write won.
 */
export interface SealedObject {
  readonly key: string;
  /** The pipeline key it is encrypted under. */
  readonly keyName: string;
  readonly context: Record<string, string>;
}

type SealDeps = Pick<PipelineDeps, 'objects' | 'envelope'>;

/** The plaintext of a sealed object, or undefined when there is none. */
export async function openSealed(deps: SealDeps, sealed: SealedObject): Promise<Uint8Array | undefined> {
  const stored = await deps.objects.get(sealed.key);
  if (!stored) return undefined;
  return deps.envelope.decrypt(sealed.keyName, stored.body, sealed.context);
}

/**
 * Seals `plaintext` create-if-absent. When another writer won the race, its plaintext is returned
 * instead (`created` false); undefined if that one vanished since.
 */
export async function sealOnce(
  deps: SealDeps,
  sealed: SealedObject,
  plaintext: Uint8Array,
): Promise<{ plaintext: Uint8Array | undefined; created: boolean }> {
  const ciphertext = await deps.envelope.encrypt(sealed.keyName, plaintext, sealed.context);
  const { created } = await deps.objects.put(sealed.key, ciphertext, {
    ifAbsent: true,
    contentType: 'application/octet-stream',
  });
  if (created) return { plaintext, created };
  return { plaintext: await openSealed(deps, sealed), created: false };
}

export const createSecretCache = (): SecretCache => new Map();

export type SecretDeps = Pick<PipelineDeps, 'objects' | 'envelope' | 'secrets'>;

/** A 32-byte secret (pseudonym and date-shift HMAC key), made once; `secrets/<secretName>`. */
export function loadOrCreateSecret(
  deps: SecretDeps,
  keyName: string,
  secretName: string,
): Promise<Uint8Array> {
  const id = `${deps.objects.bucket}:${keyName}:${secretName}`;
  let secret = deps.secrets.get(id);
  if (!secret) {
    secret = load(deps, keyName, secretName);
    deps.secrets.set(id, secret);
    secret.catch(() => deps.secrets.delete(id));
  }
  return secret;
}

async function load(deps: SealDeps, keyName: string, secretName: string): Promise<Uint8Array> {
  const sealed: SealedObject = {
    key: storageKeys.secret(secretName),
    keyName,
    context: { purpose: 'deid-secret', secret: secretName },
  };
  const existing = await openSealed(deps, sealed);
  if (existing) return existing;
  const { plaintext } = await sealOnce(deps, sealed, randomBytes(32));
  if (!plaintext) {
    // Retried like any store race: the next try finds the winner or creates the secret.
    throw new PipelineError('store-conflict', 'secret vanished after a create conflict', { retryable: true });
  }
  return plaintext;
}
