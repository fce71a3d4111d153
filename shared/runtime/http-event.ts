import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** API Gateway v2 lower-cases header names and joins repeated headers with ", ". */
export const header = (event: APIGatewayProxyEventV2, name: string): string | undefined =>
  event.headers?.[name.toLowerCase()];

/** The exact bytes the partner sent: digests and signatures are over these. */
export const bodyBytes = (event: APIGatewayProxyEventV2): Uint8Array => {
  if (event.body === undefined || event.body === null) return new Uint8Array(0);
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
};

export const requestIdOf = (event: APIGatewayProxyEventV2): string => event.requestContext.requestId;

export const sourceIpOf = (event: APIGatewayProxyEventV2): string =>
  event.requestContext.http?.sourceIp ?? 'unknown';

/** What every submission route reads from its request: the signed body and the headers that vouch for it. */
export const signedSubmissionOf = (event: APIGatewayProxyEventV2) => ({
  authorization: header(event, 'authorization'),
  contentType: header(event, 'content-type'),
  contentEncoding: header(event, 'content-encoding'),
  contentDigest: header(event, 'content-digest'),
  signature: header(event, 'x-jws-signature'),
  idempotencyKey: header(event, 'idempotency-key'),
  body: bodyBytes(event),
  requestId: requestIdOf(event),
  sourceIp: sourceIpOf(event),
});
