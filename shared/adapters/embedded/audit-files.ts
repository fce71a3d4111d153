import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ChainLine, type ChainVerification, verifyChain } from '../../core/audit/hash-chain.js';
import { hasErrorCode } from './durable-fs.js';

const AUDIT_FILE = /^\d{4}-\d{2}-\d{2}\.jsonl$/;

export const auditDirectory = (home: string): string => join(home, 'audit');

/** Day files of the audit log, oldest first (their names sort by date). */
export async function listAuditFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((name) => AUDIT_FILE.test(name)).sort();
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) return [];
    throw error;
  }
}

/** Lines of one file; a final newline does not start another (empty) line. */
export function splitLines(file: string, content: string): ChainLine[] {
  const texts = content.split('\n');
  if (texts.at(-1) === '') texts.pop();
  return texts.map((text, index) => ({ file, line: index + 1, text }));
}

/** Every record of `${home}/audit/*.jsonl`, day files oldest first; `file` is the full path. */
export async function readAuditDirectory(home: string): Promise<ChainLine[]> {
  const dir = auditDirectory(home);
  const lines: ChainLine[] = [];
  for (const name of await listAuditFiles(dir)) {
    const path = join(dir, name);
    lines.push(...splitLines(path, await readFile(path, 'utf8')));
  }
  return lines;
}

/** Verifies the hash chain of `${home}/audit/*.jsonl` across all day files; `file` is the full path. */
export async function verifyAuditDirectory(home: string): Promise<ChainVerification> {
  return verifyChain(await readAuditDirectory(home));
}
