import type { BenchRow } from './report.js';

/**
 * Start-up and Lambda init come from the startup helper's bench/startup.ts (`measureStartup()`) and
 * bench/lambda-init.ts (`measureLambdaInit()`). They are loaded by name at run time, so this report
 * builds and runs whether or not they are on main yet; an absent one is a row saying so.
 */
const HOOKS = [
  // measureStartup's `bytes` is the verb's peak RSS; measureLambdaInit's is the package size.
  { module: './startup.js', fn: 'measureStartup', stage: '`phi` start-up', target: 150, rss: true },
  { module: './lambda-init.js', fn: 'measureLambdaInit', stage: 'Lambda init', target: 300, rss: false },
] as const;

type Measured = Record<string, unknown>;

export async function benchStartup(
  quick: boolean,
  log: (s: string) => void,
): Promise<{ rows: BenchRow[]; notes: string[] }> {
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  for (const hook of HOOKS) {
    const specifier: string = hook.module;
    const mod = (await import(specifier).catch(() => undefined)) as Record<string, unknown> | undefined;
    const measureFn = mod?.[hook.fn];
    if (typeof measureFn !== 'function') {
      rows.push({
        section: 'startup',
        stage: hook.stage,
        format: '-',
        size: '-',
        inputBytes: 0,
        items: 0,
        notMeasured: `HOOK: bench/${hook.module.replace('./', '').replace('.js', '.ts')} \`${hook.fn}()\` not on main yet`,
      });
      continue;
    }
    log(`startup: ${hook.fn}`);
    const measure = measureFn as (options: Record<string, unknown>) => Promise<unknown>;
    const runs = quick ? { runs: 3 } : {};
    try {
      let result: unknown;
      try {
        result = await measure(runs);
      } catch (error) {
        // Lambda init needs the packages (`npm run package`); the full report builds them, --quick does not.
        if (quick || hook.fn !== 'measureLambdaInit') throw error;
        result = await measure({ ...runs, build: true });
      }
      rows.push(...toRows(result, hook.stage, hook.target, hook.rss, notes));
    } catch (error) {
      rows.push({
        section: 'startup',
        stage: hook.stage,
        format: '-',
        size: '-',
        inputBytes: 0,
        items: 0,
        notMeasured: `${hook.fn}() failed: ${error instanceof Error ? error.message.slice(0, 160) : String(error)}`,
      });
    }
  }
  return { rows, notes };
}

/** Takes what the hook returns: report rows, `{name, ms}`-like records, or anything else as a note. */
function toRows(
  result: unknown,
  stage: string,
  targetMs: number,
  rssFromBytes: boolean,
  notes: string[],
): BenchRow[] {
  const list: unknown[] = Array.isArray(result)
    ? result
    : isRecord(result) && Array.isArray(result.rows)
      ? result.rows
      : [result];
  const rows: BenchRow[] = [];
  for (const item of list) {
    if (isRecord(item) && typeof item.section === 'string' && typeof item.stage === 'string') {
      rows.push(item as unknown as BenchRow);
      continue;
    }
    const ms = isRecord(item)
      ? firstNumber(item, ['p50Ms', 'ms', 'medianMs', 'initMs', 'wallMs'])
      : undefined;
    if (isRecord(item) && ms !== undefined) {
      const name = String(item.name ?? item.verb ?? item.function ?? item.label ?? stage);
      const p99 = firstNumber(item, ['p99Ms', 'maxMs']);
      rows.push({
        section: 'startup',
        stage: `${stage}: ${name}`,
        inputBytes: 0,
        format: '-',
        size: '-',
        items: Number(item.runs ?? item.samples ?? 1),
        p50Ms: ms,
        ...(p99 === undefined ? {} : { p99Ms: p99 }),
        ...(typeof item.peakRssMiB === 'number' ? { peakRssMiB: item.peakRssMiB } : {}),
        ...(rssFromBytes && typeof item.bytes === 'number' ? { peakRssMiB: item.bytes / 2 ** 20 } : {}),
        ...(typeof item.p90Ms === 'number' ? { note: `p90 ${item.p90Ms.toFixed(0)} ms` } : {}),
        ...(!rssFromBytes && typeof item.bytes === 'number'
          ? {
              note: `package ${(item.bytes / 1e6).toFixed(1)} MB${typeof item.cpuMs === 'number' ? `, init CPU ${item.cpuMs.toFixed(0)} ms` : ''}`,
            }
          : {}),
        target: { text: `< ${targetMs} ms`, met: ms < targetMs },
      });
    } else {
      notes.push(typeof item === 'string' ? item : `\`${stage}\`: ${JSON.stringify(item)}`);
    }
  }
  return rows;
}

const isRecord = (v: unknown): v is Measured => typeof v === 'object' && v !== null && !Array.isArray(v);

function firstNumber(item: Measured, keys: readonly string[]): number | undefined {
  for (const k of keys) if (typeof item[k] === 'number') return item[k] as number;
  return undefined;
}
