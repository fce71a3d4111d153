import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Compiles the embedded adapters and the child-process script to plain JS for tests that spawn real
 * processes (Node 20 cannot run TypeScript). Output goes to a fresh directory under node_modules/.cache,
 * so it never races another build of dist/ and still resolves this project's dependencies.
 */
export async function buildEmbeddedChild(): Promise<{ script: string; cleanup(): Promise<void> }> {
  const cache = join(ROOT, 'node_modules', '.cache');
  await mkdir(cache, { recursive: true });
  const outDir = await mkdtemp(join(cache, 'phi-embedded-'));
  // Inside node_modules no package scope applies, so the output says itself that it is ESM.
  await writeFile(join(outDir, 'package.json'), '{"type":"module"}\n');
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  // biome-ignore format: one option per line reads best
  const options = [
    '--outDir', outDir, '--rootDir', ROOT,
    '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext',
    '--strict', '--verbatimModuleSyntax', '--esModuleInterop', '--skipLibCheck', '--types', 'node',
  ];
  await promisify(execFile)(
    process.execPath,
    [tsc, ...options, join(ROOT, 'test/helpers/embedded-child.ts')],
    {
      cwd: ROOT,
    },
  );
  return {
    script: join(outDir, 'test', 'helpers', 'embedded-child.js'),
    cleanup: () => rm(outDir, { recursive: true, force: true }),
  };
}
