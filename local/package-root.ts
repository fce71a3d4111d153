import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PipelineError } from '../shared/core/errors.js';

/**
 * The repository root (the folder holding package.json), found by walking up from this module, so
 * shipped data such as contracts/ resolves the same from TypeScript sources and from dist/.
 */
export function packageRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && path.basename(dir) !== 'dist') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new PipelineError('config-invalid', 'package.json not found above this module');
    dir = parent;
  }
}
