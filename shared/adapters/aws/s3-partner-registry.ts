import type { ObjectStore } from '../../ports/object-store.js';
import type { PartnerRecord, PartnerRegistry } from '../../ports/partner-registry.js';
import { decodePartnerRecord, encodePartnerRecord } from '../partner-registry-schema.js';
import { idsOfJsonNames, PARTNER_ID } from '../record-schemas.js';

const DIR = 'partners/';

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
    return decodePartnerRecord(id, Buffer.from(object.body).toString('utf8'));
  }

  async put(record: PartnerRecord): Promise<void> {
    const { id, body } = encodePartnerRecord(record);
    await this.store.put(`${DIR}${id}.json`, body, { contentType: 'application/json' });
  }

  async list(): Promise<PartnerRecord[]> {
    const ids = idsOfJsonNames(
      (await this.store.list(DIR)).map((key) => key.slice(DIR.length)),
      PARTNER_ID,
    );
    const records = await Promise.all(ids.map((id) => this.get(id)));
    return records.filter((record): record is PartnerRecord => record !== undefined);
  }
}
