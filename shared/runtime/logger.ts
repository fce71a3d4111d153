import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';

/**
 * Observability without PHI. Log attributes are ids, codes, digests and counts only; nothing here ever
 * logs an event, a body, a header value or an error message from a library (those can quote input).
 */
type LoggerOptions = ConstructorParameters<typeof Logger>[0];

/** A logger whose cold start is decided per function name, not per logger instance. */
class FunctionLogger extends Logger {
  addInvocationContext(context: Context, coldStart: boolean): void {
    // A new logger reports its first context as a cold start; spend that on a warm invocation.
    if (!coldStart) this.getColdStart();
    this.addContext(context);
  }

  protected override createLogger(options?: LoggerOptions): FunctionLogger {
    return new FunctionLogger(options);
  }
}

const rootLogger = new FunctionLogger({ serviceName: 'phi-pipeline' });

/**
 * Each invocation logs through its own child logger, carrying its own function name and request id.
 * Lambda runs one invocation per process at a time, but the local host runs every function's
 * invocations concurrently in one process, where one shared logger context would be overwritten.
 */
const invocationLogger = new AsyncLocalStorage<Logger>();
const functionsStarted = new Set<string>();

const currentLogger = (): Logger => invocationLogger.getStore() ?? rootLogger;

type LogMethod = Logger['info'];

/** The logger of the invocation in progress (outside any invocation: the host's own). */
export const logger: {
  readonly debug: LogMethod;
  readonly info: LogMethod;
  readonly warn: LogMethod;
  readonly error: LogMethod;
  readonly appendKeys: Logger['appendKeys'];
} = {
  debug: (input, ...extra) => currentLogger().debug(input, ...extra),
  info: (input, ...extra) => currentLogger().info(input, ...extra),
  warn: (input, ...extra) => currentLogger().warn(input, ...extra),
  error: (input, ...extra) => currentLogger().error(input, ...extra),
  appendKeys: (attributes) => currentLogger().appendKeys(attributes),
};

/**
 * Runs a handler with a logger of its own that carries the Lambda context (function name, request id,
 * cold start per function). The event is never logged.
 */
export function withInvocationLogger<E, R>(
  handler: (event: E, context: Context) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  return (event, context) => {
    const child = rootLogger.createChild() as FunctionLogger;
    child.addInvocationContext(context, !functionsStarted.has(context.functionName));
    functionsStarted.add(context.functionName);
    return invocationLogger.run(child, () => handler(event, context));
  };
}

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
