import { randomUUID } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { PipelineError } from '../../core/errors.js';
import { SIGNAL_METRICS, SUBMISSION_ROUTES, signalMetricOf } from '../../core/signals/metrics.js';
import { errorToResponse, type HttpResult, securityHeaders } from '../http-response.js';
import { logFailure, logger, metrics } from '../logger.js';

const requestIdOf = (event: APIGatewayProxyEventV2): string =>
  event.requestContext?.requestId ?? randomUUID();

/**
 * The HTTP edge: security headers on every response, errors mapped to SPEC §3 here and nowhere else,
 * and a log line per request made of ids and codes only.
 */
export function httpEdge(): MiddlewareObj<APIGatewayProxyEventV2, HttpResult, Error, Context> {
  return {
    before: (request) => {
      logger.appendKeys({ requestId: requestIdOf(request.event) });
    },
    after: (request) => {
      const requestId = requestIdOf(request.event);
      const response = request.response ?? errorToResponse(new PipelineError('internal', 'empty response'));
      request.response = { ...response, headers: { ...response.headers, ...securityHeaders(requestId) } };
      logger.info('request', { routeKey: request.event.routeKey, status: request.response.statusCode });
      metrics.addMetric('requests', 'Count', 1);
      if (request.response.statusCode === 202 && SUBMISSION_ROUTES.has(request.event.routeKey)) {
        metrics.addMetric(SIGNAL_METRICS.submissionsAccepted, 'Count', 1);
      }
    },
    onError: (request) => {
      const requestId = requestIdOf(request.event);
      const error = request.error;
      const response = errorToResponse(error, request.event.headers?.accept);
      metrics.addMetric('requests', 'Count', 1);
      if (response.statusCode >= 500) {
        logFailure('request failed', error, { routeKey: request.event.routeKey });
        metrics.addMetric('errors', 'Count', 1);
      } else {
        const code = error instanceof PipelineError ? error.code : 'unknown';
        logger.info('request rejected', {
          routeKey: request.event.routeKey,
          status: response.statusCode,
          code,
        });
        metrics.addMetric('rejected', 'Count', 1);
        // The anomaly alarms' metrics (docs/alarms.md).
        const signal = signalMetricOf(code);
        if (signal !== undefined) metrics.addMetric(signal, 'Count', 1);
      }
      request.response = { ...response, headers: { ...response.headers, ...securityHeaders(requestId) } };
    },
  };
}
