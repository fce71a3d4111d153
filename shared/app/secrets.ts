import { randomBytes } from 'node:crypto';
import type { Envelope } from '../crypto/envelope.js';
import type { ObjectStore } from '../ports/index.js';

const memo = new Map<string, Promise<Uint8Array>>();

/**
 * A 32-byte secret (pseudonym and date-shift HMAC key) made once and kept envelope-encrypted in the
 * object store under the consumer's key, so the same code serves the embedded default and AWS (KMS).
 * Two workers racing to create it converge on whichever write won.
 */
export function loadOrCreateSecret(
  objects: ObjectStore,
  envelope: Envelope,
  keyName: string,
  secretName: string,
): Promise<Uint8Array> {
  const id = `${objects.bucket}:${keyName}:${secretName}`;
  let secret = memo.get(id);
  if (!secret) {
    secret = load(objects, envelope, keyName, secretName);
    memo.set(id, secret);
    secret.catch(() => memo.delete(id));
  }
  return secret;
}

async function load(
  objects: ObjectStore,
  envelope: Envelope,
  keyName: string,
  secretName: string,
): Promise<Uint8Array> {
  const key = `secrets/${secretName}`;
  const context = { purpose: 'deid-secret', secret: secretName };
  const existing = await objects.get(key);
  if (existing) return envelope.decrypt(keyName, existing.body, context);
  const fresh = randomBytes(32);
  const { created } = await objects.put(key, await envelope.encrypt(keyName, fresh, context), {
    ifAbsent: true,
  });
  if (created) return fresh;
  const winner = await objects.get(key);
  if (!winner) throw new Error('secret vanished after a create conflict');
  return envelope.decrypt(keyName, winner.body, context);
}
