export interface PollOptions {
  /** How long to keep probing before the wait fails; 30 s unless given. */
  readonly timeoutMs?: number;
  /** The pause between two probes; 50 ms unless given. */
  readonly intervalMs?: number;
}

/**
 * Calls `probe` until it answers something other than `undefined` and returns that answer; throws
 * `condition not reached in time` once `timeoutMs` has passed without one.
 */
export async function until<T>(
  probe: () => Promise<T | undefined>,
  { timeoutMs = 30_000, intervalMs = 50 }: PollOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
