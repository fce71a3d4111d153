import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
/** The built CLI, as a user runs it after `npm ci` (tests build dist/ first). */
export const PHI_BIN = join(REPO_ROOT, 'dist', 'bin', 'phi.js');

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node dist/bin/phi.js ARGS` with exactly `env`; `output()` reads stdout so far. */
export function spawnPhi(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; done: Promise<Run>; output: () => string } {
  const child = spawn(process.execPath, [PHI_BIN, ...args], { cwd: REPO_ROOT, env });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString('utf8');
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
  });
  const done = new Promise<Run>((resolveRun, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolveRun({ code, stdout, stderr }));
  });
  return { child, done, output: () => stdout };
}
