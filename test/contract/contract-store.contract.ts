import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PipelineError } from '../../shared/core/errors.js';
import type { ContractStore } from '../../shared/ports/contract-store.js';

export interface ContractStoreFixture {
  readonly store: ContractStore;
  /** Stores `text` under the store's contracts folder as `name` (e.g. `lake.json`), as an operator would. */
  write(name: string, text: string): Promise<void>;
  cleanup(): Promise<void>;
}

const contract = (name: string) => ({ name, version: '1.0.0', extends: 'safe-harbor' });

/** Consumer contracts as operators keep them: what every ContractStore adapter must share. */
export function describeContractStoreContract(name: string, make: () => Promise<ContractStoreFixture>): void {
  describe(`ContractStore contract: ${name}`, () => {
    let fixture: ContractStoreFixture;
    let store: ContractStore;

    beforeEach(async () => {
      fixture = await make();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('starts empty', async () => {
      await expect(store.list()).resolves.toEqual([]);
      await expect(store.get('lake')).resolves.toBeUndefined();
    });

    it('reads a contract as stored, named by consumer id and source', async () => {
      await fixture.write('lake.json', JSON.stringify(contract('Lake')));
      await expect(store.get('lake')).resolves.toEqual({
        consumer: 'lake',
        source: 'contracts/lake.json',
        json: contract('Lake'),
        version: expect.any(String),
      });
    });

    it('versions a contract by its bytes: the same until it changes, new once it does', async () => {
      await fixture.write('lake.json', JSON.stringify(contract('Lake')));
      const first = await store.get('lake');
      expect((await store.get('lake'))?.version).toBe(first?.version);
      // Same size, so only the content can tell the two apart.
      await fixture.write('lake.json', JSON.stringify(contract('Lako')));
      const changed = await store.get('lake');
      expect(changed?.json).toEqual(contract('Lako'));
      expect(changed?.version).not.toBe(first?.version);
      await fixture.write('lake.json', JSON.stringify(contract('Lake')));
      expect((await store.get('lake'))?.version).toBe(first?.version);
    });

    it('lists contracts by consumer id, skipping names that are not consumer ids or not .json', async () => {
      for (const consumer of ['research', 'analytics', 'lake-2']) {
        await fixture.write(`${consumer}.json`, JSON.stringify(contract(consumer)));
      }
      await fixture.write('README.md', '# notes');
      await fixture.write('Upper.json', JSON.stringify(contract('Upper')));
      await fixture.write('-dash.json', JSON.stringify(contract('dash')));
      await fixture.write('notes.json.bak', JSON.stringify(contract('bak')));
      const listed = await store.list();
      expect(listed.map((c) => c.consumer)).toEqual(['analytics', 'lake-2', 'research']);
      expect(listed.map((c) => c.source)).toEqual([
        'contracts/analytics.json',
        'contracts/lake-2.json',
        'contracts/research.json',
      ]);
      expect(listed.map((c) => c.json)).toEqual([
        contract('analytics'),
        contract('lake-2'),
        contract('research'),
      ]);
    });

    it.each(['nobody', 'Upper', '../keys/data', '', 'lake.json', '-dash'])(
      'answers undefined for the unknown or invalid consumer %j',
      async (consumer) => {
        await fixture.write('lake.json', JSON.stringify(contract('Lake')));
        await expect(store.get(consumer)).resolves.toBeUndefined();
      },
    );

    it('refuses a contract that is not JSON as contract-invalid, naming the source, never the content', async () => {
      await fixture.write('broken.json', '{"name": "Jane Roe", ');
      let error: PipelineError | undefined;
      try {
        await store.get('broken');
      } catch (caught) {
        error = caught as PipelineError;
      }
      expect(error).toMatchObject({ code: 'contract-invalid', details: { source: 'contracts/broken.json' } });
      expect(error?.message).toContain('contracts/broken.json');
      expect(error?.message).not.toContain('Jane');
      await expect(store.list()).rejects.toMatchObject({ code: 'contract-invalid' });
    });
  });
}
