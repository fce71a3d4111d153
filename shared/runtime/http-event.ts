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
