import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { PipelineDeps } from '../app/pipeline-deps.js';
import type { HttpResult } from './http-response.js';
import { metrics, tracer, withInvocationLogger } from './logger.js';
import { httpEdge } from './middleware/http-edge.js';

export type GetDeps = () => Promise<PipelineDeps>;
export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult>;

/**
 * Wraps one use case as a Lambda handler. The event is never logged (logEvent off), the tracer keeps
 * no responses, and every error passes through the PHI-safe edge mapping.
 */
export function createHttpHandler(
  getDeps: GetDeps,
  run: (deps: PipelineDeps, event: APIGatewayProxyEventV2) => Promise<HttpResult>,
): HttpHandler {
  const core = async (event: APIGatewayProxyEventV2): Promise<HttpResult> => run(await getDeps(), event);
  const handler = middy<APIGatewayProxyEventV2, HttpResult, Error, Context>(core, { timeoutEarlyInMillis: 0 })
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(logMetrics(metrics))
    .use(httpEdge()) as unknown as HttpHandler;
  return withInvocationLogger(handler);
}
