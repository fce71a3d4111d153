import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * Observability without PHI. Log attributes are ids, codes, digests and counts only; nothing here ever
 * logs an event, a body, a header value or an error message from a library (those can quote input).
 */
export const logger = new Logger({ serviceName: 'phi-pipeline' });

/**
 * The metrics store is per process; the local host runs invocations concurrently, so one invocation can
 * flush another's metrics and the library then warns about an empty flush. Its own notices go to debug.
 */
export const metrics = new Metrics({
  namespace: 'PhiPipeline',
  serviceName: 'phi-pipeline',
  logger: {
    debug: (...args: unknown[]) => logger.debug(String(args[0])),
    info: (...args: unknown[]) => logger.debug(String(args[0])),
    warn: (...args: unknown[]) => logger.debug(String(args[0])),
    error: (...args: unknown[]) => logger.error(String(args[0])),
  },
});

// Error capture can only be switched off through the environment; an error can quote submitted content.
process.env.POWERTOOLS_TRACER_CAPTURE_ERROR = 'false';
process.env.POWERTOOLS_TRACER_CAPTURE_RESPONSE = 'false';
export const tracer = new Tracer({ serviceName: 'phi-pipeline', captureHTTPsRequests: false });

/** Logs a failure by class and code only; the message of a foreign error is never logged. */
export function logFailure(
  message: string,
  error: unknown,
  extra: Record<string, string | number> = {},
): void {
  const code =
    typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
  const name = error instanceof Error ? error.name : typeof error;
  logger.error(message, { errorName: name, ...(code ? { errorCode: code } : {}), ...extra });
}
