import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PipelineError } from '../../shared/core/errors.js';
import type { ObjectStore } from '../../shared/ports/object-store.js';

export interface ObjectStoreFixture {
  readonly store: ObjectStore;
  cleanup(): Promise<void>;
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A body of `size` bytes that differ by position (so a reordered or dropped chunk shows), in `chunk`-sized pieces. */
function patterned(size: number, seed: number): Uint8Array {
  const body = new Uint8Array(size);
  for (let i = 0; i < size; i++) body[i] = (i * 31 + seed + (i >>> 13)) & 0xff;
  return body;
}

async function* chunksOf(body: Uint8Array, chunk: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < body.byteLength; at += chunk) yield body.subarray(at, at + chunk);
}

async function readAll(stream: AsyncIterable<Uint8Array> | undefined): Promise<Buffer | undefined> {
  if (stream === undefined) return undefined;
  const parts: Uint8Array[] = [];
  for await (const part of stream) parts.push(part);
  return Buffer.concat(parts);
}

const same = (a: Uint8Array | undefined, b: Uint8Array): boolean =>
  a !== undefined && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

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

    describe('streams', () => {
      it('stores a streamed body that get and getStream both return, and counts its bytes', async () => {
        const key = `${ns}/stream/small`;
        const body = patterned(70_001, 1);
        await expect(
          store.putStream(key, chunksOf(body, 4096), { contentType: 'application/octet-stream' }),
        ).resolves.toEqual({ created: true, bytes: body.byteLength });
        const object = await store.get(key);
        expect(object?.contentType).toBe('application/octet-stream');
        expect(same(object?.body, body)).toBe(true);
        expect(same(await readAll(await store.getStream(key)), body)).toBe(true);
      });

      it('streams a body larger than one multipart part, in uneven chunks', async () => {
        const key = `${ns}/stream/large`;
        const body = patterned(11 * 1024 * 1024 + 123, 2);
        await expect(store.putStream(key, chunksOf(body, 300_007))).resolves.toEqual({
          created: true,
          bytes: body.byteLength,
        });
        expect(same(await readAll(await store.getStream(key)), body)).toBe(true);
      });

      it('streams what a plain put stored, and an empty body', async () => {
        const body = patterned(200_000, 3);
        await store.put(`${ns}/stream/plain`, body);
        expect(same(await readAll(await store.getStream(`${ns}/stream/plain`)), body)).toBe(true);
        await expect(store.putStream(`${ns}/stream/empty`, chunksOf(new Uint8Array(), 1))).resolves.toEqual({
          created: true,
          bytes: 0,
        });
        expect((await readAll(await store.getStream(`${ns}/stream/empty`)))?.byteLength).toBe(0);
        expect((await store.get(`${ns}/stream/empty`))?.body.byteLength).toBe(0);
      });

      it('answers undefined for a missing key', async () => {
        expect(await store.getStream(`${ns}/stream/missing`)).toBeUndefined();
      });

      it('lets a reader stop early', async () => {
        const key = `${ns}/stream/early`;
        await store.putStream(key, chunksOf(patterned(1_000_000, 4), 65_536));
        const stream = await store.getStream(key);
        for await (const part of stream ?? []) {
          expect(part.byteLength).toBeGreaterThan(0);
          break;
        }
        expect(await store.exists(key)).toBe(true);
      });

      it('replaces on a plain putStream and never overwrites with ifAbsent', async () => {
        const key = `${ns}/stream/once`;
        const first = patterned(100_000, 5);
        const second = patterned(9 * 1024 * 1024, 6); // more than one part: the conditional completes a multipart upload
        await store.putStream(key, chunksOf(first, 10_000));
        await expect(store.putStream(key, chunksOf(second, 1 << 20), { ifAbsent: true })).resolves.toEqual({
          created: false,
          bytes: second.byteLength,
        });
        expect(same((await store.get(key))?.body, first)).toBe(true);
        await expect(store.putStream(key, chunksOf(second, 1 << 20))).resolves.toEqual({
          created: true,
          bytes: second.byteLength,
        });
        expect(same(await readAll(await store.getStream(key)), second)).toBe(true);
        // A plain put's object is as protected from a streamed ifAbsent as a streamed one.
        await store.put(`${ns}/stream/put-first`, first);
        await expect(
          store.putStream(`${ns}/stream/put-first`, chunksOf(second, 1 << 20), { ifAbsent: true }),
        ).resolves.toMatchObject({ created: false });
        expect(same((await store.get(`${ns}/stream/put-first`))?.body, first)).toBe(true);
      });

      it('lets exactly one of several concurrent ifAbsent putStreams create the object', async () => {
        const key = `${ns}/stream/race`;
        const bodies = Array.from({ length: 4 }, (_, i) => patterned(300_000, 10 + i));
        const results = await Promise.all(
          bodies.map((body) => store.putStream(key, chunksOf(body, 50_000), { ifAbsent: true })),
        );
        const winners = results.flatMap((result, i) => (result.created ? [i] : []));
        expect(winners).toHaveLength(1);
        expect(same((await store.get(key))?.body, bodies[winners[0] ?? 0] ?? new Uint8Array())).toBe(true);
      });

      it.each([
        ['before any byte', 0],
        ['within the first part', 3],
        ['after a whole multipart part', 12],
      ])("rejects with the body's own error thrown %s and stores nothing", async (_label, after) => {
        const key = `${ns}/stream/broken-${after}`;
        const failure = new PipelineError('crypto-failed', 'producer failed');
        async function* broken(): AsyncGenerator<Uint8Array> {
          for (let i = 0; i < after; i++) yield patterned(1 << 20, i);
          throw failure;
        }
        await expect(store.putStream(key, broken())).rejects.toBe(failure);
        expect(await store.exists(key)).toBe(false);
        expect(await store.list(`${ns}/stream/`)).toEqual([]);
        // And an existing object survives a failed replacement.
        await store.put(key, bytes('kept'));
        await expect(store.putStream(key, broken())).rejects.toBe(failure);
        expect(Buffer.from((await store.get(key))?.body ?? []).toString()).toBe('kept');
      });

      it('refuses an unsafe key before reading the body', async () => {
        let read = false;
        async function* body(): AsyncGenerator<Uint8Array> {
          read = true;
          yield bytes('x');
        }
        await expect(store.putStream('../escape', body())).rejects.toMatchObject({ code: 'content-invalid' });
        await expect(store.getStream('a//b')).rejects.toMatchObject({ code: 'content-invalid' });
        expect(read).toBe(false);
      });
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
