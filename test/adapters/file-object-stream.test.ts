import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileObjectStore } from '../../shared/adapters/embedded/index.js';

async function* chunksOf(body: Uint8Array, chunk: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < body.byteLength; at += chunk) yield body.subarray(at, at + chunk);
}

async function readAll(stream: AsyncIterable<Uint8Array> | undefined): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of stream ?? []) parts.push(part);
  return Buffer.concat(parts);
}

const body = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7) & 0xff);

describe('FileObjectStore streams', () => {
  let home: string;
  let store: FileObjectStore;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'phi-object-stream-'));
    store = new FileObjectStore(home);
  });
  afterEach(() => rm(home, { recursive: true, force: true }));

  const fileOf = (key: string): string => join(home, 'objects', ...key.split('/'));

  it.each([
    ['early in the body', 100],
    ['in the middle', 150_000],
    ['in the last byte', body.byteLength - 1],
  ])('rejects a streamed read of an object changed %s, through get and getStream', async (_l, at) => {
    const key = 'raw/demo/sub-1/0';
    await store.putStream(key, chunksOf(body, 65_536));
    const file = await readFile(fileOf(key));
    const offset = file.byteLength - body.byteLength + at;
    file[offset] = (file[offset] ?? 0) ^ 0x01;
    await writeFile(fileOf(key), file);
    await expect(readAll(await store.getStream(key))).rejects.toMatchObject({ code: 'store-unavailable' });
    await expect(store.get(key)).rejects.toMatchObject({ code: 'store-unavailable' });
  });

  it('rejects a truncated object and one with bytes appended', async () => {
    await store.putStream('a/short', chunksOf(body, 65_536));
    await truncate(fileOf('a/short'), (await readFile(fileOf('a/short'))).byteLength - 10);
    await expect(readAll(await store.getStream('a/short'))).rejects.toMatchObject({
      code: 'store-unavailable',
    });
    await store.put('a/long', body);
    await writeFile(fileOf('a/long'), Buffer.concat([await readFile(fileOf('a/long')), Buffer.from('x')]));
    await expect(readAll(await store.getStream('a/long'))).rejects.toMatchObject({
      code: 'store-unavailable',
    });
  });

  it('leaves no temp file behind when the body fails', async () => {
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield body;
      throw new RangeError('producer failed');
    }
    await expect(store.putStream('b/broken', broken())).rejects.toBeInstanceOf(RangeError);
    expect(await readdir(join(home, 'objects', 'b'))).toEqual([]);
  });

  it('keeps a streamed content type of any length and the body intact', async () => {
    const contentType = `application/x-${'é'.repeat(100)}`;
    await store.putStream('c/typed', chunksOf(body, 1000), { contentType });
    const object = await store.get('c/typed');
    expect(object?.contentType).toBe(contentType);
    expect(Buffer.compare(Buffer.from(object?.body ?? []), Buffer.from(body))).toBe(0);
    expect(Buffer.compare(await readAll(await store.getStream('c/typed')), Buffer.from(body))).toBe(0);
  });
});
