import { createHash, randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { type FileHandle, link, lstat, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { z } from 'zod';
import { PipelineError } from '../../core/errors.js';
import type { ObjectStore, PutOptions, StoredObject } from '../../ports/object-store.js';
import {
  ensureDirectory,
  FILE_MODE,
  fsyncDirectory,
  hasErrorCode,
  isTempName,
  writeFileDurably,
} from './durable-fs.js';
import { assertObjectKey, assertObjectPrefix } from './object-key.js';

/**
 * Each object file is a one-line header, then the body. The header carries what S3 keeps as metadata
 * (content type) plus the body's length and SHA-256, so a damaged file is reported, never returned.
 */
const MAGIC = 'phi-object/1 ';
const headerSchema = z.strictObject({
  contentType: z.string().max(255).optional(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

const unavailable = (operation: string, key: string, cause: unknown): PipelineError =>
  new PipelineError('store-unavailable', `object store ${operation} failed`, {
    retryable: true,
    details: { key },
    cause,
  });

const sha256Hex = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

function encodeObject(body: Uint8Array, contentType: string | undefined): Uint8Array {
  const header = JSON.stringify({ contentType, bytes: body.byteLength, sha256: sha256Hex(body) });
  return Buffer.concat([Buffer.from(`${MAGIC}${header}\n`, 'utf8'), body]);
}

const damaged = (key: string): PipelineError =>
  new PipelineError('store-unavailable', 'stored object failed its integrity check', { details: { key } });

/** The header line of `file` (which must hold it whole) and where the body starts. */
function decodeHeader(file: Buffer, key: string): { header: z.infer<typeof headerSchema>; bodyAt: number } {
  const newline = file.indexOf(0x0a);
  if (newline < 0 || file.subarray(0, MAGIC.length).toString('latin1') !== MAGIC) throw damaged(key);
  try {
    // A streamed object's header is padded with spaces (see streamedHeader), which JSON.parse allows.
    const header = headerSchema.parse(JSON.parse(file.subarray(MAGIC.length, newline).toString('utf8')));
    return { header, bodyAt: newline + 1 };
  } catch {
    throw damaged(key);
  }
}

function decodeObject(file: Buffer, key: string): StoredObject {
  const { header, bodyAt } = decodeHeader(file, key);
  const body = new Uint8Array(file.subarray(bodyAt));
  if (body.byteLength !== header.bytes || sha256Hex(body) !== header.sha256) throw damaged(key);
  return { body, contentType: header.contentType };
}

/** Room for any body length a file system holds (2^53 has 16 digits). */
const MAX_LENGTH_DIGITS = 16;
/** The longest header line: 255-character content type, escaped as JSON at most 6 bytes a character. */
const MAX_HEADER_BYTES = MAGIC.length + 6 * 255 + 200;
const STREAM_CHUNK_BYTES = 64 * 1024;

/**
 * A streamed object's length and digest are known only at its end, so its header is written last over
 * a reservation of fixed width: the same format as `encodeObject`, padded with spaces before the newline.
 */
function streamedHeader(contentType: string | undefined, bytes: number, sha256: string): Buffer {
  const width =
    MAGIC.length +
    JSON.stringify({ contentType, bytes: 0, sha256: '0'.repeat(64) }).length +
    MAX_LENGTH_DIGITS +
    1;
  const line = `${MAGIC}${JSON.stringify({ contentType, bytes, sha256 })}`;
  return Buffer.from(`${line.padEnd(width - 1, ' ')}\n`, 'utf8');
}

/** Chunks of a body, copied out of `handle` from `at`; checks length and digest once the last one is read. */
async function* readBody(
  handle: FileHandle,
  at: number,
  header: z.infer<typeof headerSchema>,
  key: string,
): AsyncGenerator<Uint8Array> {
  try {
    const hash = createHash('sha256');
    let position = at;
    let seen = 0;
    for (;;) {
      const buffer = Buffer.allocUnsafe(STREAM_CHUNK_BYTES);
      let read: number;
      try {
        ({ bytesRead: read } = await handle.read(buffer, 0, buffer.byteLength, position));
      } catch (error) {
        throw unavailable('read', key, error);
      }
      if (read === 0) break;
      position += read;
      seen += read;
      if (seen > header.bytes) throw damaged(key);
      const chunk = buffer.subarray(0, read);
      hash.update(chunk);
      yield chunk;
    }
    if (seen !== header.bytes || hash.digest('hex') !== header.sha256) throw damaged(key);
  } finally {
    await handle.close();
  }
}

/**
 * ObjectStore on the local file system under `${home}/objects`, one file per key (key segments are
 * directories). Writes are durable and atomic when they resolve. A key cannot also be the prefix
 * directory of other keys (`a` and `a/b`): putting the second one fails with `store-conflict`.
 */
export class FileObjectStore implements ObjectStore {
  readonly bucket = 'local';
  private readonly root: string;

  constructor(home: string) {
    this.root = join(home, 'objects');
  }

  private pathOf(key: string): string {
    assertObjectKey(key);
    return join(this.root, ...key.split('/'));
  }

  async put(key: string, body: Uint8Array, options: PutOptions = {}): Promise<{ created: boolean }> {
    const path = this.pathOf(key);
    const data = encodeObject(body, options.contentType);
    try {
      const result = await writeFileDurably(path, data, { ifAbsent: options.ifAbsent === true });
      if (!result.created && (await lstat(path)).isDirectory()) throw this.prefixConflict(key);
      return result;
    } catch (error) {
      if (error instanceof PipelineError) throw error;
      if (hasErrorCode(error, 'ENOTDIR', 'EISDIR', 'EEXIST')) throw this.prefixConflict(key, error);
      throw unavailable('write', key, error);
    }
  }

  async putStream(
    key: string,
    body: AsyncIterable<Uint8Array>,
    options: PutOptions = {},
  ): Promise<{ created: boolean; bytes: number }> {
    const path = this.pathOf(key);
    const dir = dirname(path);
    const fsStep = async <T>(step: () => Promise<T>): Promise<T> => {
      try {
        return await step();
      } catch (error) {
        if (hasErrorCode(error, 'ENOTDIR', 'EISDIR', 'EEXIST')) throw this.prefixConflict(key, error);
        throw unavailable('write', key, error);
      }
    };
    await fsStep(() => ensureDirectory(dir));
    // Same discipline as writeFileDurably: temp file in the directory, fsync, then rename or link.
    const temp = join(dir, `.tmp-${randomBytes(8).toString('hex')}`);
    const handle = await fsStep(() => open(temp, 'wx', FILE_MODE));
    let bytes = 0;
    try {
      try {
        const reserved = streamedHeader(options.contentType, 0, '0'.repeat(64));
        await fsStep(() => handle.write(reserved, 0, reserved.byteLength, 0));
        const hash = createHash('sha256');
        let position = reserved.byteLength;
        // The body's own errors pass through as they are; only file-system failures become ours.
        for await (const chunk of body) {
          hash.update(chunk);
          await fsStep(() => handle.write(chunk, 0, chunk.byteLength, position));
          position += chunk.byteLength;
          bytes += chunk.byteLength;
        }
        const header = streamedHeader(options.contentType, bytes, hash.digest('hex'));
        await fsStep(() => handle.write(header, 0, header.byteLength, 0));
        await fsStep(() => handle.sync());
      } finally {
        await handle.close();
      }
      let created = true;
      if (options.ifAbsent) {
        try {
          await link(temp, path);
        } catch (error) {
          if (!hasErrorCode(error, 'EEXIST')) throw unavailable('write', key, error);
          if ((await fsStep(() => lstat(path))).isDirectory()) throw this.prefixConflict(key);
          created = false;
        }
      } else {
        await fsStep(() => rename(temp, path));
      }
      await fsStep(() => fsyncDirectory(dir));
      return { created, bytes };
    } finally {
      await unlink(temp).catch((error: unknown) => {
        if (!hasErrorCode(error, 'ENOENT')) throw unavailable('write', key, error);
      });
    }
  }

  async getStream(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const path = this.pathOf(key);
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if (hasErrorCode(error, 'ENOENT', 'ENOTDIR', 'EISDIR')) return undefined;
      throw unavailable('read', key, error);
    }
    try {
      if ((await handle.stat()).isDirectory()) {
        await handle.close();
        return undefined;
      }
      const start = Buffer.alloc(MAX_HEADER_BYTES);
      const { bytesRead } = await handle.read(start, 0, start.byteLength, 0);
      const { header, bodyAt } = decodeHeader(start.subarray(0, bytesRead), key);
      // The open handle keeps reading this version even if the key is replaced meanwhile.
      return readBody(handle, bodyAt, header, key);
    } catch (error) {
      await handle.close();
      if (error instanceof PipelineError) throw error;
      throw unavailable('read', key, error);
    }
  }

  private prefixConflict(key: string, cause?: unknown): PipelineError {
    return new PipelineError('store-conflict', 'object key collides with a key prefix in the local store', {
      details: { key },
      cause,
    });
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const path = this.pathOf(key);
    let file: Buffer;
    try {
      file = await readFile(path);
    } catch (error) {
      if (hasErrorCode(error, 'ENOENT', 'ENOTDIR', 'EISDIR')) return undefined;
      throw unavailable('read', key, error);
    }
    return decodeObject(file, key);
  }

  async exists(key: string): Promise<boolean> {
    const path = this.pathOf(key);
    try {
      return (await lstat(path)).isFile();
    } catch (error) {
      if (hasErrorCode(error, 'ENOENT', 'ENOTDIR')) return false;
      throw unavailable('stat', key, error);
    }
  }

  async list(prefix: string): Promise<string[]> {
    assertObjectPrefix(prefix);
    const base = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const keys: string[] = [];
    await this.walk(join(this.root, ...base.split('/').filter((s) => s !== '')), base, prefix, keys);
    // Code-unit order equals S3's UTF-8 byte order for the ASCII key alphabet.
    return keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  private async walk(dir: string, keyPrefix: string, wanted: string, out: string[]): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (hasErrorCode(error, 'ENOENT', 'ENOTDIR')) return;
      throw unavailable('list', wanted, error);
    }
    for (const entry of entries) {
      if (isTempName(entry.name)) continue;
      const key = `${keyPrefix}${entry.name}`;
      if (entry.isDirectory()) {
        const asPrefix = `${key}/`;
        if (asPrefix.startsWith(wanted) || wanted.startsWith(asPrefix)) {
          await this.walk(`${dir}${sep}${entry.name}`, asPrefix, wanted, out);
        }
      } else if (entry.isFile() && key.startsWith(wanted)) {
        out.push(key);
      }
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      await unlink(path);
    } catch (error) {
      // Missing, or a prefix directory rather than an object: nothing to delete.
      if (hasErrorCode(error, 'ENOENT', 'ENOTDIR', 'EISDIR', 'EPERM')) return;
      throw unavailable('delete', key, error);
    }
    await fsyncDirectory(dirname(path)).catch((error: unknown) => {
      throw unavailable('delete', key, error);
    });
  }
}
