import type { JWK } from 'jose';
import type { z } from 'zod';
import { PipelineError } from '../../core/errors.js';
import type { ObjectStore } from '../../ports/object-store.js';
import type { PartnerRecord, PartnerRegistry } from '../../ports/partner-registry.js';
import { issuePaths, PARTNER_ID, partnerSchema } from './record-schemas.js';

const DIR = 'partners/';

const invalidRecord = (id: string, error: z.ZodError | undefined, cause?: unknown): PipelineError =>
  new PipelineError('config-invalid', 'partner record is invalid', {
    details: { partner: id, fields: error === undefined ? '' : issuePaths(error) },
    cause,
  });

const toRecord = (parsed: z.infer<typeof partnerSchema>): PartnerRecord => ({
  ...parsed,
  keys: parsed.keys.map((key): JWK => ({ ...key })),
});

/**
 * Partners as JSON objects `partners/<id>.json` in an ObjectStore (the registry bucket and prefix on
 * AWS), validated on write and on read. Operators change them with `phi partner add` or any S3 tool,
 * with no deploy; bucket versioning keeps every earlier record.
 */
export class S3PartnerRegistry implements PartnerRegistry {
  constructor(private readonly store: ObjectStore) {}

  async get(id: string): Promise<PartnerRecord | undefined> {
    if (!PARTNER_ID.test(id)) return undefined;
    const object = await this.store.get(`${DIR}${id}.json`);
    if (object === undefined) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(object.body).toString('utf8'));
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
    await this.store.put(`${DIR}${parsed.data.id}.json`, body, { contentType: 'application/json' });
  }

  async list(): Promise<PartnerRecord[]> {
    const ids = (await this.store.list(DIR))
      .map((key) => key.slice(DIR.length))
      .filter((name) => name.endsWith('.json'))
      .map((name) => name.slice(0, -'.json'.length))
      .filter((id) => PARTNER_ID.test(id))
      .sort();
    const records = await Promise.all(ids.map((id) => this.get(id)));
    return records.filter((record): record is PartnerRecord => record !== undefined);
  }
}
