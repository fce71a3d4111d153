import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import fhirpath from 'fhirpath';
import { compileSelectors } from '../shared/core/deid/compile.js';
import { builtInProfile, type ConsumerContract, parseContract } from '../shared/core/deid/contract.js';
import { createDeidEngine } from '../shared/core/deid/engine.js';
import { createReleaseGate } from '../shared/core/deid/gate/gate.js';
import { typeDef } from '../shared/core/deid/model.js';
import type { SelectorNode } from '../shared/core/deid/selectors.js';
import { fmt } from './stats.js';
import { syntheticBundle } from './synthetic-bundle.js';

/**
 * De-identification throughput per profile beside the floor (JSON.parse + JSON.stringify of the same
 * bytes), on the Synthea corpus when it is there (PHI_CORPUS_DIR, default /work/shared/corpus/fhir)
 * or on synthetic bundles. Then the selector question of the issue: the contract's allow-list matched
 * by the compiled trie the engine uses, against the same paths as FHIRPath expressions compiled once
 * with the fhirpath package and evaluated per resource.
 */
const SECRET = new Uint8Array(32).fill(7);
/** The fhirpath R4 model is CommonJS exporting one object; load it as such. */
const r4Model = createRequire(import.meta.url)('fhirpath/fhir-context/r4') as Parameters<
  typeof fhirpath.compile
>[1];
const REPEAT = Number(process.env.DEID_BENCH_REPEAT ?? 3);

type Json = Record<string, unknown>;
const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function inputs(): { label: string; texts: string[] } {
  const root = process.env.PHI_CORPUS_DIR ?? path.resolve('../shared/corpus/fhir');
  const dirs = existsSync(root) ? readdirSync(root).filter((d) => d.startsWith('synthea')) : [];
  const texts = dirs.flatMap((d) =>
    readdirSync(path.join(root, d))
      .filter((f) => f.endsWith('.json'))
      .map((f) => readFileSync(path.join(root, d, f), 'utf8')),
  );
  if (texts.length > 0) return { label: `Synthea corpus, ${texts.length} Bundles`, texts };
  return {
    label: 'synthetic Bundles (corpus not found)',
    texts: Array.from({ length: 8 }, (_, i) => syntheticBundle(1024 * 1024, `deid-${i}`).toString('utf8')),
  };
}

function contracts(): { name: string; contract: ConsumerContract }[] {
  const list = [
    { name: 'safe-harbor', contract: builtInProfile('safe-harbor') },
    { name: 'limited-data-set', contract: builtInProfile('limited-data-set') },
  ];
  for (const name of ['analytics', 'research', 'billing']) {
    const file = path.join(process.cwd(), 'contracts', `${name}.json`);
    if (existsSync(file))
      list.push({ name, contract: parseContract(JSON.parse(readFileSync(file, 'utf8')), file) });
  }
  return list;
}

/** Best of REPEAT runs of `run` over all texts, as MB/s. */
function throughput(texts: readonly string[], run: (text: string) => void): number {
  const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < REPEAT; r++) {
    const started = performance.now();
    for (const text of texts) run(text);
    best = Math.min(best, performance.now() - started);
  }
  return bytes / 1e6 / (best / 1000);
}

function resourcesOf(texts: readonly string[]): Json[] {
  return texts.flatMap((t) => {
    const bundle = JSON.parse(t) as Json;
    return Array.isArray(bundle.entry)
      ? bundle.entry.flatMap((e) => (isJson(e) && isJson(e.resource) ? [e.resource] : []))
      : [];
  });
}

/** Counts the element values the allow-list selects, walking the trie alongside the resource. */
function selectByTrie(value: unknown, node: SelectorNode): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + selectByTrie(v, node), 0);
  if (!isJson(value)) return 0;
  const td = typeDef(node.typeKey);
  if (td === undefined) return 0;
  let n = 0;
  for (const key in value) {
    const def = td.elements.get(key);
    const child = def === undefined ? undefined : node.child(def);
    if (child === undefined) continue;
    const v = value[key];
    n += child.all ? (Array.isArray(v) ? v.length : 1) : selectByTrie(v, child);
  }
  return n;
}

function selectorComparison(texts: readonly string[]): string[] {
  const contract = builtInProfile('safe-harbor');
  const startTrie = performance.now();
  const compiled = compileSelectors(contract);
  const trieCompileMs = performance.now() - startTrie;
  const resources = resourcesOf(texts);
  const expressions = new Map<string, ((resource: Json) => unknown[])[]>();
  const startCompile = performance.now();
  for (const [type, allow] of Object.entries(contract.resources ?? {})) {
    if (allow === 'drop') continue;
    expressions.set(
      type,
      allow.elements.map((p) => {
        const fn = fhirpath.compile(`${type}.${p}`, r4Model);
        return (resource: Json) => fn(resource) as unknown[];
      }),
    );
  }
  const compileMs = performance.now() - startCompile;
  const time = (run: () => number): { ms: number; selected: number } => {
    let best = Number.POSITIVE_INFINITY;
    let selected = 0;
    for (let r = 0; r < REPEAT; r++) {
      const started = performance.now();
      selected = run();
      best = Math.min(best, performance.now() - started);
    }
    return { ms: best, selected };
  };
  const trie = time(() =>
    resources.reduce((n, r) => {
      const root = compiled.selectors.root(String(r.resourceType));
      return root === undefined ? n : n + selectByTrie(r, root);
    }, 0),
  );
  const viaFhirpath = time(() =>
    resources.reduce((n, r) => {
      for (const fn of expressions.get(String(r.resourceType)) ?? []) n += fn(r).length;
      return n;
    }, 0),
  );
  return [
    `Selecting the safe-harbor allow-list (${compiled.selectors.roots.size} resource types) in ${resources.length} resources:`,
    '',
    '| selector engine | compile once, ms | select, ms | resources/s | values selected |',
    '|---|---:|---:|---:|---:|',
    `| compiled path trie (engine) | ${fmt(trieCompileMs)} | ${fmt(trie.ms)} | ${fmt(resources.length / (trie.ms / 1000), 0)} | ${trie.selected} |`,
    `| fhirpath ${fhirpathVersion()} | ${fmt(compileMs)} | ${fmt(viaFhirpath.ms)} | ${fmt(resources.length / (viaFhirpath.ms / 1000), 0)} | ${viaFhirpath.selected} |`,
  ];
}

function fhirpathVersion(): string {
  return typeof (fhirpath as { version?: unknown }).version === 'string'
    ? String((fhirpath as { version?: unknown }).version)
    : '';
}

/** `npm run bench -- de-identification`: MB/s per profile and contract, and the selector comparison. */
export async function benchDeid(): Promise<string[]> {
  const { label, texts } = inputs();
  const mb = texts.reduce((n, t) => n + Buffer.byteLength(t), 0) / 1e6;
  const lines = [
    `${label}, ${fmt(mb)} MB; best of ${REPEAT} runs, one core. Each row parses, de-identifies and serializes;`,
    "the release gate column collects the input's identifying values and scans the output (MB of input/s),",
    'and the last column is both, as the deliver worker runs them.',
    '',
    '| run | MB/s | share of floor | release gate MB/s | de-identify + gate MB/s |',
    '|---|---:|---:|---:|---:|',
  ];
  const floor = throughput(texts, (t) => JSON.stringify(JSON.parse(t)));
  lines.push(`| floor: JSON.parse + JSON.stringify | ${fmt(floor)} | 100% | | |`);
  for (const { name, contract } of contracts()) {
    const engine = createDeidEngine({
      contract,
      secret: SECRET,
      keyId: 'bench',
      referenceDate: '2025-01-01',
    });
    const rate = throughput(texts, (t) => JSON.stringify(engine.deidentifyBundle(JSON.parse(t)).output));
    const gate = createReleaseGate(engine.contract);
    const pairs = new Map(
      texts.map((t) => {
        const input: unknown = JSON.parse(t);
        return [t, { input, output: engine.deidentifyBundle(input).output }] as const;
      }),
    );
    const gateRate = throughput(texts, (t) => {
      const pair = pairs.get(t);
      if (pair !== undefined && !gate.check(pair.input, [['Bundle', pair.output]]).ok) {
        throw new TypeError(`the release gate failed a ${name} output of the bench corpus`);
      }
    });
    const both = 1 / (1 / rate + 1 / gateRate);
    lines.push(
      `| ${name} | ${fmt(rate)} | ${fmt((rate / floor) * 100, 0)}% | ${fmt(gateRate)} | ${fmt(both)} |`,
    );
  }
  lines.push('', ...selectorComparison(texts));
  return lines;
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  benchDeid()
    .then((lines) => process.stdout.write(`${lines.join('\n')}\n`))
    .catch((error: unknown) => {
      process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    });
}
