import { createHash } from 'node:crypto';

/** The 2 KiB body the crash writer stores under `key`, so the parent can check it byte for byte. */
export function crashBody(key: string): Uint8Array {
  const blocks: Buffer[] = [];
  for (let i = 0; i < 64; i++) blocks.push(createHash('sha256').update(`${key}/${i}`).digest());
  return Buffer.concat(blocks);
}
