import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../shared/ports/object-store.js';

export interface ObjectStoreFixture {
  readonly store: ObjectStore;
  cleanup(): Promise<void>;
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Behaviour every ObjectStore adapter must share. Keys are namespaced per test, so a shared bucket works. */
export function describeObjectStoreContract(name: string, make: () => Promise<ObjectStoreFixture>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let fixture: ObjectStoreFixture;
    let store: ObjectStore;
    let ns: string;

    beforeEach(async () => {
      fixture = await make();
      store = fixture.store;
      ns = `contract-${Math.random().toString(36).slice(2, 10)}`;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('names its bucket', () => {
      expect(store.bucket).toMatch(/^[a-z0-9.-]+$/);
    });

    it('returns what was put, with its content type', async () => {
      const key = `${ns}/raw/demo/sub-1`;
      await expect(
        store.put(key, bytes('ciphertext'), { contentType: 'application/octet-stream' }),
      ).resolves.toEqual({
        created: true,
      });
      const object = await store.get(key);
      expect(object?.contentType).toBe('application/octet-stream');
      expect(Buffer.from(object?.body ?? []).toString()).toBe('ciphertext');
      expect(await store.exists(key)).toBe(true);
    });

    it('keeps every byte value and empty bodies intact', async () => {
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      await store.put(`${ns}/binary`, all);
      await store.put(`${ns}/empty`, new Uint8Array());
      expect(Array.from((await store.get(`${ns}/binary`))?.body ?? [])).toEqual(Array.from(all));
      expect((await store.get(`${ns}/empty`))?.body.byteLength).toBe(0);
    });

    it('answers undefined and false for a missing key', async () => {
      expect(await store.get(`${ns}/missing`)).toBeUndefined();
      expect(await store.exists(`${ns}/missing`)).toBe(false);
    });

    it('replaces an object on a plain put', async () => {
      const key = `${ns}/replace`;
      await store.put(key, bytes('one'));
      await expect(store.put(key, bytes('two'))).resolves.toEqual({ created: true });
      expect(Buffer.from((await store.get(key))?.body ?? []).toString()).toBe('two');
    });

    it('never overwrites with ifAbsent and reports created: false', async () => {
      const key = `${ns}/once`;
      await expect(store.put(key, bytes('first'), { ifAbsent: true })).resolves.toEqual({ created: true });
      await expect(store.put(key, bytes('second'), { ifAbsent: true })).resolves.toEqual({ created: false });
      expect(Buffer.from((await store.get(key))?.body ?? []).toString()).toBe('first');
    });

    it('lets exactly one of several concurrent ifAbsent puts create the object', async () => {
      const key = `${ns}/race`;
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store.put(key, bytes(`writer-${i}`), { ifAbsent: true })),
      );
      const winners = results.flatMap((result, i) => (result.created ? [i] : []));
      expect(winners).toHaveLength(1);
      expect(Buffer.from((await store.get(key))?.body ?? []).toString()).toBe(`writer-${winners[0]}`);
    });

    it('lists keys under a prefix in lexicographic order, including partial-segment prefixes', async () => {
      const keys = [`${ns}/b/2`, `${ns}/a/1`, `${ns}/ab/3`, `${ns}/a/0`, `${ns}/c`];
      for (const key of keys) await store.put(key, bytes(key));
      expect(await store.list(`${ns}/a/`)).toEqual([`${ns}/a/0`, `${ns}/a/1`]);
      expect(await store.list(`${ns}/a`)).toEqual([`${ns}/a/0`, `${ns}/a/1`, `${ns}/ab/3`]);
      expect(await store.list(`${ns}/`)).toEqual([...keys].sort());
      expect(await store.list(`${ns}/zzz`)).toEqual([]);
    });

    it('deletes, and deleting a missing key is not an error', async () => {
      const key = `${ns}/gone`;
      await store.put(key, bytes('x'));
      await store.delete(key);
      expect(await store.exists(key)).toBe(false);
      expect(await store.list(`${ns}/`)).toEqual([]);
      await expect(store.delete(key)).resolves.toBeUndefined();
    });

    it.each([
      ['a parent segment', '../escape'],
      ['a leading slash', '/absolute'],
      ['an empty segment', 'a//b'],
      ['a character outside the safe set', 'a b'],
      ['an over-long key', 'k'.repeat(1025)],
      ['an empty key', ''],
    ])('refuses a key with %s', async (_label, key) => {
      await expect(store.put(key, bytes('x'))).rejects.toMatchObject({ code: 'content-invalid' });
    });
  });
}
