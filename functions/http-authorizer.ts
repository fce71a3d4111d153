import type { APIGatewayRequestAuthorizerEventV2, Context } from 'aws-lambda';
import { authorizeAtGateway, type GatewayDecision } from '../shared/app/gateway-authorizer.js';
import { getDeps } from '../shared/runtime/deps.js';
import type { GetDeps } from '../shared/runtime/http-handler.js';
import { createInvokeHandler } from '../shared/runtime/invoke-handler.js';

/** The HTTP API's Lambda REQUEST authorizer (simple responses, payload 2.0) of every partner route. */
export const createHandler = (deps: GetDeps = getDeps) =>
  createInvokeHandler<GatewayDecision>(deps, (d, event) => {
    const e = event as APIGatewayRequestAuthorizerEventV2;
    return authorizeAtGateway(d, {
      routeKey: e.routeKey,
      authorization: e.headers?.authorization ?? e.identitySource?.[0],
      requestId: e.requestContext.requestId,
      sourceIp: e.requestContext.http.sourceIp,
    });
  }) as (event: APIGatewayRequestAuthorizerEventV2, context: Context) => Promise<GatewayDecision>;

export const handler = createHandler();
