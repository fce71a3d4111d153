import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { z } from 'zod';
import { PipelineError } from '../../core/errors.js';
import type { PartnerRecord, PartnerRegistry } from '../../ports/partner-registry.js';
import { hasErrorCode, isTempName, writeFileDurably } from './durable-fs.js';

export const PARTNER_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

const publicJwkSchema = z
  .looseObject({ kty: z.string().min(1), kid: z.string().min(1).max(256), alg: z.string().min(1) })
  .refine((jwk) => PRIVATE_JWK_MEMBERS.every((member) => !(member in jwk)), {
    message: 'partner keys must be public keys',
  });

const partnerSchema = z.strictObject({
  id: z.string().regex(PARTNER_ID),
  scopes: z.array(z.string().min(1).max(256)),
  keys: z.array(publicJwkSchema),
  status: z.enum(['active', 'disabled']),
  createdAt: z.iso.datetime({ offset: true }),
});

const invalidRecord = (id: string, error: z.ZodError | undefined, cause?: unknown): PipelineError =>
  new PipelineError('config-invalid', 'partner record is invalid', {
    details: {
      partner: id,
      fields:
        error === undefined ? '' : [...new Set(error.issues.map((issue) => issue.path.join('.')))].join(','),
    },
    cause,
  });

function toRecord(parsed: z.infer<typeof partnerSchema>): PartnerRecord {
  return { ...parsed, keys: parsed.keys.map((key): JWK => ({ ...key })) };
}

/** Partners as JSON files, `${home}/registry/partners/<id>.json`, validated on write and on read. */
export class FilePartnerRegistry implements PartnerRegistry {
  private readonly dir: string;

  constructor(home: string) {
    this.dir = join(home, 'registry', 'partners');
  }

  async get(id: string): Promise<PartnerRecord | undefined> {
    if (!PARTNER_ID.test(id)) return undefined;
    let text: string;
    try {
      text = await readFile(join(this.dir, `${id}.json`), 'utf8');
    } catch (error) {
      if (hasErrorCode(error, 'ENOENT')) return undefined;
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw invalidRecord(id, undefined, error);
    }
    const parsed = partnerSchema.safeParse(json);
    if (!parsed.success) throw invalidRecord(id, parsed.error);
    if (parsed.data.id !== id) throw invalidRecord(id, undefined);
    return toRecord(parsed.data);
  }

  async put(record: PartnerRecord): Promise<void> {
    const parsed = partnerSchema.safeParse(record);
    if (!parsed.success) throw invalidRecord(PARTNER_ID.test(record.id) ? record.id : '', parsed.error);
    const body = Buffer.from(`${JSON.stringify(parsed.data, null, 2)}\n`, 'utf8');
    await writeFileDurably(join(this.dir, `${parsed.data.id}.json`), body);
  }

  async list(): Promise<PartnerRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if (hasErrorCode(error, 'ENOENT')) return [];
      throw error;
    }
    const ids = names
      .filter((name) => !isTempName(name) && name.endsWith('.json'))
      .map((name) => name.slice(0, -'.json'.length))
      .filter((id) => PARTNER_ID.test(id))
      .sort();
    const records: PartnerRecord[] = [];
    for (const id of ids) {
      const record = await this.get(id);
      if (record !== undefined) records.push(record);
    }
    return records;
  }
}
