import type { BenchRow } from './report.js';

/**
 * Start-up and Lambda init come from the startup helper's bench/startup.ts (`measureStartup()`) and
 * bench/lambda-init.ts (`measureLambdaInit()`). They are loaded by name at run time, so this report
 * builds and runs whether or not they are on main yet; an absent one is a row saying so.
 */
const HOOKS = [
  {
    module: './startup.js',
    fn: 'measureStartup',
    stage: '`phi` start-up (--help, light verbs)',
    target: 150,
  },
  { module: './lambda-init.js', fn: 'measureLambdaInit', stage: 'Lambda init per function', target: 300 },
] as const;

type Measured = Record<string, unknown>;

export async function benchStartup(log: (s: string) => void): Promise<{ rows: BenchRow[]; notes: string[] }> {
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
    const result = (await (measureFn as () => Promise<unknown>)()) as unknown;
    rows.push(...toRows(result, hook.stage, hook.target, notes));
  }
  return { rows, notes };
}

/** Takes what the hook returns: report rows, `{name, ms}`-like records, or anything else as a note. */
function toRows(result: unknown, stage: string, targetMs: number, notes: string[]): BenchRow[] {
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
        format: '-',
        size: '-',
        inputBytes: 0,
        items: Number(item.runs ?? item.samples ?? 1),
        p50Ms: ms,
        ...(p99 === undefined ? {} : { p99Ms: p99 }),
        ...(typeof item.peakRssMiB === 'number' ? { peakRssMiB: item.peakRssMiB } : {}),
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
