/**
 * What an AWS SDK error says about itself, read without touching its message (which may quote
 * request values). Names and status codes are safe to put in error details and logs.
 */
export function awsErrorName(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { name, code } = error as { name?: unknown; code?: unknown };
    // SDK errors carry a specific name; Node's network errors are plain Errors with a code (ECONNRESET).
    if (typeof name === 'string' && name !== 'Error') return name;
    if (typeof code === 'string') return code;
    if (typeof name === 'string') return name;
  }
  return 'unknown';
}

export function awsHttpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return undefined;
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata;
  return typeof metadata?.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}

const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'SlowDown',
  'KMSInternalException',
  'KeyUnavailableException',
  'DependencyTimeoutException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalError',
  'InternalFailure',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'AbortError',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
]);

/** Throttling, server-side failures, timeouts and dropped connections: worth trying again later. */
export function isTransientAwsError(error: unknown): boolean {
  const status = awsHttpStatus(error);
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  if (typeof error === 'object' && error !== null && '$retryable' in error && error.$retryable) return true;
  return TRANSIENT_NAMES.has(awsErrorName(error));
}

/** Details that identify an AWS failure without quoting anything from the request. */
export const awsFailureDetails = (error: unknown): { awsError: string; httpStatus?: number } => {
  const status = awsHttpStatus(error);
  return status === undefined
    ? { awsError: awsErrorName(error) }
    : { awsError: awsErrorName(error), httpStatus: status };
};
