import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ERROR_CODES, type ErrorCode, OAuthError, PipelineError } from '../core/errors.js';

export type HttpResult = APIGatewayProxyStructuredResultV2 & {
  statusCode: number;
  headers: Record<string, string>;
};

/** SPEC §3: on every response, errors included. */
export function securityHeaders(requestId: string): Record<string, string> {
  return {
    'X-Request-Id': requestId,
    'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
    'Referrer-Policy': 'no-referrer',
  };
}

export function jsonResponse(
  statusCode: number,
  body: unknown,
  opts: { contentType?: string; headers?: Record<string, string> } = {},
): HttpResult {
  return {
    statusCode,
    headers: { 'Content-Type': opts.contentType ?? 'application/json', ...(opts.headers ?? {}) },
    body: JSON.stringify(body),
  };
}

export function operationOutcome(
  code: ErrorCode,
  diagnostics: string,
  expression?: string,
  more: readonly { readonly expression: string; readonly diagnostics: string }[] = [],
): Record<string, unknown> {
  const issue = (text: string, where: string | undefined) => ({
    severity: 'error',
    code: ERROR_CODES[code].issue,
    details: { coding: [{ system: 'urn:phi-pipeline:error', code }] },
    diagnostics: text,
    ...(where ? { expression: [where] } : {}),
  });
  return {
    resourceType: 'OperationOutcome',
    issue: [issue(diagnostics, expression), ...more.map((m) => issue(m.diagnostics, m.expression))],
  };
}

/** Whether an Accept header asks for `type` (exactly, or by a non-zero q), not merely tolerates it. */
export function acceptsMediaType(accept: string | undefined, type: string): boolean {
  if (accept === undefined) return false;
  return accept.split(',').some((part) => {
    const [range = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return range === type && (q === undefined || Number(q.slice(2)) > 0);
  });
}

export const X12_MEDIA_TYPE = 'application/edi-x12';

/**
 * The one place errors become HTTP. Codes of SPEC §3 are exposed with their sentence; everything else
 * is a bare `internal` 500 (middy's expose rule), so no foreign message can reach a partner.
 */
export function errorToResponse(error: unknown, accept?: string): HttpResult {
  if (error instanceof OAuthError) {
    return jsonResponse(
      error.status,
      { error: error.oauthCode, error_description: error.message },
      { headers: { Pragma: 'no-cache' } },
    );
  }
  if (error instanceof PipelineError && error.code in ERROR_CODES && error.code !== 'internal') {
    const code = error.code as ErrorCode;
    const acknowledgement = error.details?.acknowledgement;
    if (acknowledgement !== undefined && acceptsMediaType(accept, X12_MEDIA_TYPE)) {
      return {
        statusCode: ERROR_CODES[code].status,
        headers: { 'Content-Type': X12_MEDIA_TYPE },
        body: acknowledgement,
      };
    }
    // The first issue is the error itself; the rest follow it.
    const more = (error.details?.outcomeIssues ?? []).slice(1);
    return jsonResponse(
      ERROR_CODES[code].status,
      operationOutcome(code, error.message, error.details?.expression, more),
      {
        contentType: 'application/fhir+json',
        headers: { ...(error.details?.headers ?? {}) },
      },
    );
  }
  return jsonResponse(500, operationOutcome('internal', 'The request could not be processed.'), {
    contentType: 'application/fhir+json',
  });
}
