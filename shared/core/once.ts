/**
 * Runs `load` once and shares its promise; a failed load is forgotten so the next call tries again
 * (a key service that was briefly unreachable must not poison the process for its lifetime).
 */
export function onceUntilFailure<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    if (pending === undefined) {
      pending = load();
      pending.catch(() => {
        pending = undefined;
      });
    }
    return pending;
  };
}
