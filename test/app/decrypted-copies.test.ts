import { describe, expect, it } from 'vitest';
import { DecryptedCopies } from '../../shared/app/decrypted-copies.js';
import { decryptRaw } from '../../shared/app/raw-submission.js';
import { storageKeys } from '../../shared/app/storage-keys.js';
import { contentDigestOf } from '../../shared/core/integrity/content-digest.js';

/** A toy envelope: XOR with a byte derived from the context; counts its decryptions. */
function fakeDeps(objects: Map<string, Uint8Array>) {
  let decrypts = 0;
  const mask = (context: Record<string, string>) => (JSON.stringify(context).length % 251) + 1;
  return {
    decrypts: () => decrypts,
    deps: {
      objects: { get: async (key: string) => ({ body: objects.get(key) ?? new Uint8Array() }) },
      envelope: {
        decrypt: async (_key: string, body: Uint8Array, context: Record<string, string>) => {
          decrypts++;
          return body.map((b) => b ^ mask(context));
        },
      },
    } as unknown as Parameters<typeof decryptRaw>[0],
    seal: (plain: Uint8Array, context: Record<string, string>) => plain.map((b) => b ^ mask(context)),
  };
}

const message = (submissionId: string, plain: Uint8Array) => ({
  partner: 'acme',
  submissionId,
  key: storageKeys.raw('acme', submissionId),
  contentDigest: contentDigestOf(plain),
});

describe('decryptRaw: one decryption per stored raw object, not one per worker', () => {
  it('decrypts a submission once for its process and its three consumers, and again once it changed', async () => {
    const objects = new Map<string, Uint8Array>();
    const f = fakeDeps(objects);
    const plain = new TextEncoder().encode(`{"resourceType":"Bundle","id":"${Math.random()}"}`);
    const msg = message(`s-${Math.random()}`, plain);
    const context = { purpose: 'raw-submission', submissionId: msg.submissionId, partner: 'acme' };
    objects.set(msg.key, f.seal(plain, context));
    for (let i = 0; i < 4; i++) expect(await decryptRaw(f.deps, msg)).toEqual(plain);
    expect(f.decrypts()).toBe(1);
    // Other bytes under the same key (replaced, damaged): decrypted again, and refused as before.
    const damaged = f.seal(plain, context);
    damaged[0] = (damaged[0] ?? 0) ^ 0xff;
    objects.set(msg.key, damaged);
    await expect(decryptRaw(f.deps, msg)).rejects.toMatchObject({ code: 'content-invalid' });
    await expect(decryptRaw(f.deps, msg)).rejects.toMatchObject({ code: 'content-invalid' });
    expect(f.decrypts()).toBe(3);
  });

  it('hands each caller its own bytes', async () => {
    const objects = new Map<string, Uint8Array>();
    const f = fakeDeps(objects);
    const plain = new TextEncoder().encode(`{"id":"${Math.random()}"}`);
    const msg = message(`s-${Math.random()}`, plain);
    objects.set(
      msg.key,
      f.seal(plain, { purpose: 'raw-submission', submissionId: msg.submissionId, partner: 'acme' }),
    );
    const first = await decryptRaw(f.deps, msg);
    first.fill(0);
    expect(await decryptRaw(f.deps, msg)).toEqual(plain);
  });
});

describe('DecryptedCopies', () => {
  it('keys by the exact ciphertext and the whole context', () => {
    const copies = new DecryptedCopies();
    const bytes = new Uint8Array([1, 2, 3]);
    const k = copies.keyOf(bytes, { a: '1', b: '2' });
    expect(copies.keyOf(new Uint8Array([1, 2, 3]), { b: '2', a: '1' })).toBe(k);
    expect(copies.keyOf(new Uint8Array([1, 2, 4]), { a: '1', b: '2' })).not.toBe(k);
    expect(copies.keyOf(bytes, { a: '1', b: '3' })).not.toBe(k);
    expect(copies.keyOf(bytes, { a: '12', b: '' })).not.toBe(copies.keyOf(bytes, { a: '1', b: '2' }));
  });

  it('forgets a copy after a minute, and keeps at most 16 MiB, oldest out first, none over 1 MiB', () => {
    let now = 0;
    const copies = new DecryptedCopies(() => now);
    copies.put('a', new Uint8Array(10));
    now = 59_999;
    expect(copies.get('a')).toHaveLength(10);
    now = 60_000;
    expect(copies.get('a')).toBeUndefined();
    copies.put('big', new Uint8Array(1024 * 1024 + 1));
    expect(copies.get('big')).toBeUndefined();
    for (let i = 0; i < 17; i++) copies.put(`m${i}`, new Uint8Array(1024 * 1024));
    expect(copies.get('m0')).toBeUndefined();
    expect(copies.get('m1')).toHaveLength(1024 * 1024);
    expect(copies.get('m16')).toHaveLength(1024 * 1024);
  });
});
