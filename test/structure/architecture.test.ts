import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layout as the imports draw it. Entry points (functions/, local/, cli/, bin/, bench/) depend on
 * shared/; shared/ depends on none of them, talks to AWS only through its AWS adapters, and has no
 * import cycle. Type-only imports count: a cycle of types still ties two modules together.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const ENTRY_FOLDERS = ['functions', 'local', 'cli', 'bin', 'bench'];
const SOURCE_FOLDERS = [...ENTRY_FOLDERS, 'shared'];
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

const sourceFiles = (): string[] =>
  execFileSync('git', ['ls-files', '-co', '--exclude-standard', ...SOURCE_FOLDERS], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => f.endsWith('.ts'));

interface ModuleImports {
  readonly local: string[];
  readonly packages: string[];
}

function importsOf(file: string): ModuleImports {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const local: string[] = [];
  const packages: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2] ?? '';
    if (specifier.startsWith('.')) {
      local.push(
        path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)).replace(/\.js$/, '.ts'),
      );
    } else packages.push(specifier);
  }
  return { local, packages };
}

const graph = new Map(sourceFiles().map((f) => [f, importsOf(f)]));
const folderOf = (file: string): string => file.split('/')[0] ?? '';

/** Strongly connected components of more than one module (Tarjan). */
function importCycles(): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.local ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w !== undefined) {
          onStack.delete(w);
          component.push(w);
        }
      } while (w !== undefined && w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

describe('architecture drawn from the imports', () => {
  it('reads every source module and resolves every relative import', () => {
    expect(graph.size).toBeGreaterThan(100);
    // The bench may borrow the test suite's seeded generators (test/helpers/), nothing else of test/.
    const borrowed = (file: string, target: string) =>
      folderOf(file) === 'bench' && target.startsWith('test/helpers/');
    const unresolved = [...graph].flatMap(([file, { local }]) =>
      local
        .filter((target) => !graph.has(target) && !target.endsWith('.json') && !borrowed(file, target))
        .map((t) => `${file} -> ${t}`),
    );
    expect(unresolved).toEqual([]);
  });

  it('shared/ imports no entry-point folder', () => {
    const offending = [...graph]
      .filter(([file]) => folderOf(file) === 'shared')
      .flatMap(([file, { local }]) =>
        local.filter((t) => ENTRY_FOLDERS.includes(folderOf(t))).map((t) => `${file} -> ${t}`),
      );
    expect(offending).toEqual([]);
  });

  it('functions/ holds exactly the handlers serverless.yml names, and they import no other entry point', () => {
    const serverless = readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8');
    const named = new Set(
      [...serverless.matchAll(/handler:\s*(functions\/[\w-]+)\.handler/g)].map((m) => `${m[1]}.ts`),
    );
    // Deliver functions are generated one per consumer (deploy/names.cjs) from one handler file.
    named.add('functions/sqs-deliver.ts');
    const present = [...graph.keys()].filter((f) => folderOf(f) === 'functions');
    expect(present.sort()).toEqual([...named].sort());
    const offending = present.flatMap((file) =>
      (graph.get(file)?.local ?? [])
        .filter((t) => folderOf(t) !== 'shared' && folderOf(t) !== 'functions')
        .map((t) => `${file} -> ${t}`),
    );
    expect(offending).toEqual([]);
  });

  it('no handler is over 60 lines', () => {
    const long = [...graph.keys()]
      .filter((f) => folderOf(f) === 'functions')
      .map((f) => ({ f, lines: readFileSync(path.join(ROOT, f), 'utf8').trimEnd().split('\n').length }))
      .filter(({ lines }) => lines > 60);
    expect(long).toEqual([]);
  });

  it('only the AWS adapters in shared/ import the AWS SDK', () => {
    const offending = [...graph]
      .filter(([file]) => folderOf(file) === 'shared' && !file.startsWith('shared/adapters/aws/'))
      .filter(([, { packages }]) => packages.some((p) => p.startsWith('@aws-sdk/')))
      .map(([file]) => file);
    expect(offending).toEqual([]);
  });

  it('shared/ports imports no package: a port speaks in its own types', () => {
    const offending = [...graph]
      .filter(([file]) => file.startsWith('shared/ports/'))
      .filter(([, { packages }]) => packages.length > 0)
      .map(([file, { packages }]) => `${file} -> ${packages.join(', ')}`);
    expect(offending).toEqual([]);
  });

  it('throws only coded errors: no plain Error in product code', () => {
    const plain = [...graph.keys()]
      // The base class itself is the one place that extends Error.
      .filter((f) => folderOf(f) !== 'bench' && f !== 'shared/core/errors.ts')
      .flatMap((f) =>
        readFileSync(path.join(ROOT, f), 'utf8')
          .split('\n')
          .map((line, i) => ({ line, at: `${f}:${i + 1}` }))
          .filter(({ line }) => /\bnew Error\(|\bextends Error\b/.test(line))
          .map(({ at }) => at),
      );
    expect(plain).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(importCycles()).toEqual([]);
  });
});
