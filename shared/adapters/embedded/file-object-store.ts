import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { lstat, readdir, readFile, unlink } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { z } from 'zod';
import { PipelineError } from '../../core/errors.js';
import type { ObjectStore, PutOptions, StoredObject } from '../../ports/object-store.js';
import { fsyncDirectory, hasErrorCode, isTempName, writeFileDurably } from './durable-fs.js';
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

function decodeObject(file: Buffer, key: string): StoredObject {
  const damaged = (): PipelineError =>
    new PipelineError('store-unavailable', 'stored object failed its integrity check', { details: { key } });
  const newline = file.indexOf(0x0a);
  if (newline < 0 || file.subarray(0, MAGIC.length).toString('latin1') !== MAGIC) throw damaged();
  let header: z.infer<typeof headerSchema>;
  try {
    header = headerSchema.parse(JSON.parse(file.subarray(MAGIC.length, newline).toString('utf8')));
  } catch {
    throw damaged();
  }
  const body = new Uint8Array(file.subarray(newline + 1));
  if (body.byteLength !== header.bytes || sha256Hex(body) !== header.sha256) throw damaged();
  return { body, contentType: header.contentType };
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
