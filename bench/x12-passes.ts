/**
 * The passes the X12 bench times, each over the same chunks and each returning the segments it saw.
 * `floor` is the least any reader must do: decode the bytes and split them on the segment terminator
 * and the element separator, as the ISA declares them.
 */

import { compileSelectors } from '../shared/core/deid/compile.js';
import { builtInProfile } from '../shared/core/deid/contract.js';
import { Pseudonyms } from '../shared/core/deid/pseudonyms.js';
import { deidentifyX12 } from '../shared/core/deid/x12/deidentify.js';
import { claimGrouper } from '../shared/core/x12/claims.js';
import { readX12Stream } from '../shared/core/x12/reader.js';

type Source = () => AsyncIterable<Uint8Array>;

async function floor(source: Source): Promise<number> {
  const decoder = new TextDecoder('latin1');
  let carry = '';
  let terminator = '';
  let separator = '';
  let segments = 0;
  let elements = 0;
  for await (const chunk of source()) {
    const text = carry + decoder.decode(chunk, { stream: true });
    if (terminator === '') {
      if (text.length < 106) {
        carry = text;
        continue;
      }
      separator = text[3] as string;
      terminator = text[105] as string;
    }
    const parts = text.split(terminator);
    carry = parts.pop() ?? '';
    for (const segment of parts) {
      elements += segment.split(separator).length;
      segments++;
    }
  }
  return elements > 0 ? segments : 0;
}

/** The door's check: the loop-aware reader with every SNIP 1–4 check, nothing kept but issues. */
async function validate(source: Source): Promise<number> {
  const result = await readX12Stream(source());
  return result.interchanges.reduce(
    (n, i) => n + i.groups.reduce((g, group) => g + group.sets.reduce((s, set) => s + set.segments, 0), 0),
    0,
  );
}

/** Reading for use: the same pass, with every claim grouped with its ancestry as the mapper takes it. */
async function read(source: Source): Promise<number> {
  let claims = 0;
  await readX12Stream(
    source(),
    claimGrouper(() => {
      claims++;
    }),
  );
  return claims;
}

const SECRET = new Uint8Array(32).fill(7);

/** Safe-harbor de-identification of the whole file, X12 out with counts recomputed. */
async function deid(source: Source): Promise<number> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source()) chunks.push(chunk);
  const contract = builtInProfile('safe-harbor');
  // The output is handed on chunk by chunk and dropped, as a stream to S3 would take it.
  let written = 0;
  const { segments } = deidentifyX12(
    chunks,
    {
      contract: compileSelectors(contract),
      pseudonyms: new Pseudonyms(SECRET, 'bench', contract.name),
      keyId: 'bench',
      referenceDate: '2026-12-03',
    },
    (chunk) => {
      written += chunk.length;
    },
  );
  return written > 0 ? segments : 0;
}

export const x12Passes: Record<string, ((source: Source) => Promise<number>) | undefined> = {
  floor,
  read,
  validate,
  deid,
};
