import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { PipelineDeps } from '../app/pipeline-deps.js';
import type { GetDeps } from './http-handler.js';
import { tracer, withInvocationLogger } from './logger.js';

export type InvokeHandler<R> = (event: unknown, context: Context) => Promise<R>;

/**
 * Wraps one use case as a directly invoked Lambda handler (no event source; IAM decides who may invoke
 * it). The event is never logged, each invocation logs with its own context, and the tracer keeps no
 * responses.
 */
export function createInvokeHandler<R>(
  getDeps: GetDeps,
  run: (deps: PipelineDeps, event: unknown) => Promise<R>,
): InvokeHandler<R> {
  const core = async (event: unknown): Promise<R> => run(await getDeps(), event);
  const handler = middy<unknown, R, Error, Context>(core, { timeoutEarlyInMillis: 0 }).use(
    captureLambdaHandler(tracer, { captureResponse: false }),
  ) as unknown as InvokeHandler<R>;
  return withInvocationLogger(handler);
}
