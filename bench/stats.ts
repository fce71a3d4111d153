export function percentile(sortedMs: readonly number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const idx = Math.min(sortedMs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1));
  return sortedMs[idx] as number;
}

/**
 * Runs `task` over `items` with at most `concurrency` in flight; returns per-item latencies and wall
 * time. With `budgetMs`, no item starts after that much time: a slow stack gets fewer requests, not a
 * longer report (`started` says how many ran).
 */
export async function runConcurrent<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<void>,
  budgetMs = Number.POSITIVE_INFINITY,
): Promise<{ latenciesMs: number[]; wallMs: number; started: number }> {
  const latenciesMs: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < items.length && performance.now() - started < budgetMs) {
      const item = items[next++] as T;
      const t0 = performance.now();
      await task(item);
      latenciesMs.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return {
    latenciesMs: latenciesMs.sort((a, b) => a - b),
    wallMs: performance.now() - started,
    started: next,
  };
}

export const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
