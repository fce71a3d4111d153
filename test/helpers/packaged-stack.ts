import { execFile } from 'node:child_process';
import { cp, mkdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { packageRoot } from '../../local/package-root.js';

const run = promisify(execFile);
const ROOT = packageRoot();
const PACKAGED = join(ROOT, '.serverless');

/** One packaging at a time across test files and runs on this checkout (osls clears .serverless/ first). */
async function withPackageLock<T>(task: () => Promise<T>): Promise<T> {
  const lock = join(ROOT, '.serverless.package-lock');
  for (const deadline = Date.now() + 10 * 60_000; ; ) {
    try {
      await mkdir(lock);
      break;
    } catch {
      const age =
        Date.now() -
        (await stat(lock).then(
          (s) => s.mtimeMs,
          () => Date.now(),
        ));
      if (age > 10 * 60_000) await rm(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`${lock} is held for too long`);
      else await sleep(1000);
    }
  }
  try {
    return await task();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/**
 * `npm run package` with only what npm and node need (no AWS variables at all, so nothing can reach an
 * account; `home` as HOME), then a private copy of `.serverless/` in `out`: another test file may
 * package again meanwhile.
 */
export async function packageInto(out: string, home: string): Promise<void> {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    TMPDIR: tmpdir(),
    AWS_SDK_LOAD_CONFIG: '0',
    npm_config_update_notifier: 'false',
    NO_COLOR: '1',
  };
  await withPackageLock(async () => {
    await run('npm', ['run', 'package'], { cwd: ROOT, env, timeout: 280_000, maxBuffer: 16 * 1024 * 1024 });
    await cp(PACKAGED, out, { recursive: true });
  });
}
