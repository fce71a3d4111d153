import type { APIGatewayRequestAuthorizerEventV2, Context } from 'aws-lambda';
import { authorizeAtGateway, type GatewayDecision } from '../shared/app/gateway-authorizer.js';
import { SIGNAL_METRICS } from '../shared/core/signals/metrics.js';
import { getDeps } from '../shared/runtime/deps.js';
import type { GetDeps } from '../shared/runtime/http-handler.js';
import { createInvokeHandler } from '../shared/runtime/invoke-handler.js';
import { logger, metrics } from '../shared/runtime/logger.js';

/** The HTTP API's Lambda REQUEST authorizer (simple responses, payload 2.0) of every partner route. */
export const createHandler = (deps: GetDeps = getDeps) =>
  createInvokeHandler<GatewayDecision>(deps, async (d, event) => {
    const e = event as APIGatewayRequestAuthorizerEventV2;
    const decision = await authorizeAtGateway(d, {
      routeKey: e.routeKey,
      authorization: e.headers?.authorization ?? e.identitySource?.[0],
      requestId: e.requestContext.requestId,
      sourceIp: e.requestContext.http.sourceIp,
    });
    if (!decision.isAuthorized) {
      logger.info('gateway refused', { routeKey: e.routeKey, requestId: e.requestContext.requestId });
      metrics.addMetric(SIGNAL_METRICS.authFailures, 'Count', 1);
      metrics.publishStoredMetrics();
    }
    return decision;
  }) as (event: APIGatewayRequestAuthorizerEventV2, context: Context) => Promise<GatewayDecision>;

export const handler = createHandler();
