import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PartnerRecord, PartnerRegistry } from '../../ports/partner-registry.js';
import { decodePartnerRecord, encodePartnerRecord } from '../partner-registry-schema.js';
import { idsOfJsonNames, PARTNER_ID } from '../record-schemas.js';
import { hasErrorCode, isTempName, writeFileDurably } from './durable-fs.js';

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
    return decodePartnerRecord(id, text);
  }

  async put(record: PartnerRecord): Promise<void> {
    const { id, body } = encodePartnerRecord(record);
    await writeFileDurably(join(this.dir, `${id}.json`), body);
  }

  async list(): Promise<PartnerRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if (hasErrorCode(error, 'ENOENT')) return [];
      throw error;
    }
    const ids = idsOfJsonNames(
      names.filter((name) => !isTempName(name)),
      PARTNER_ID,
    );
    const records: PartnerRecord[] = [];
    for (const id of ids) {
      const record = await this.get(id);
      if (record !== undefined) records.push(record);
    }
    return records;
  }
}
