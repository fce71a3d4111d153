import { PipelineError } from '../core/errors.js';

/**
 * Retries a small bookkeeping write a few times in place (50, 100, 200 ms) when it fails transiently,
 * so one blip of the store does not turn into a repeated notification or audit record via a full
 * queue redelivery. Permanent errors are not retried.
 */
export async function retryBriefly<T>(work: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const permanent = error instanceof PipelineError && !error.retryable;
      if (permanent || attempt >= attempts) throw error;
      await new Promise((r) => setTimeout(r, 25 * 2 ** attempt));
    }
  }
}
