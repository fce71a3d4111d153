import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import {
  errorToResponse,
  type HttpResult,
  operationOutcome,
  securityHeaders,
} from '../shared/runtime/http-response.js';
import { logFailure } from '../shared/runtime/logger.js';
import { localLambdaContext } from './lambda-context.js';

export interface HttpRoute {
  readonly method: 'GET' | 'POST';
  /** API Gateway route path, `{name}` for a path parameter. */
  readonly path: string;
  readonly functionName: string;
  readonly handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult>;
}

/**
 * A route served from the request stream itself, never buffered: the bulk upload PUT (a file of
 * gigabytes must not be held). The handler reads `req` as it likes; `closeAfter` tells the host the
 * body was left unread, so the connection is closed after the answer.
 */
export interface StreamRoute {
  readonly method: 'PUT' | 'GET' | 'POST';
  readonly path: string;
  readonly functionName: string;
  readonly stream: (
    req: IncomingMessage,
    url: URL,
    requestId: string,
  ) => Promise<HttpResult & { closeAfter?: boolean }>;
}

export interface HttpHostOptions {
  readonly host: string;
  readonly port: number;
  readonly tls: { readonly key: string; readonly cert: string };
  readonly routes: readonly (HttpRoute | StreamRoute)[];
  /** Handles any request no route matches ($default). */
  readonly fallback: HttpRoute;
  /** Bodies are buffered up to this many bytes plus one, so the handler itself sees and refuses an oversize body. */
  readonly maxBodyBytes: number;
}

export interface RunningHost {
  readonly url: string;
  close(): Promise<void>;
}

interface CompiledRoute {
  readonly route: HttpRoute | StreamRoute;
  readonly pattern: RegExp;
  readonly params: readonly string[];
}

function compile(route: HttpRoute | StreamRoute): CompiledRoute {
  const params: string[] = [];
  const source = route.path
    .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
    .replace(/\\?\{(\w+)\\?\}/g, (_m, name: string) => {
      params.push(name);
      return '([^/]+)';
    });
  return { route, pattern: new RegExp(`^${source}$`), params };
}

/**
 * Stands in for API Gateway (HTTP API, payload v2): TLS 1.2+, real v2 proxy events with the exact body
 * bytes base64-encoded, and the very handlers Lambda runs.
 */
export async function startHttpHost(opts: HttpHostOptions): Promise<RunningHost> {
  const compiled = opts.routes.map(compile);
  const server = https.createServer({
    key: opts.tls.key,
    cert: opts.tls.cert,
    minVersion: 'TLSv1.2',
    // Whole-request deadlines are per route below: a buffered body must arrive within
    // BODY_DEADLINE_MS, while a streamed upload of gigabytes may take as long as it keeps moving.
    requestTimeout: 0,
    headersTimeout: 20_000,
    maxHeaderSize: 16_384,
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // A parse error can arrive while the socket's previous request is still being answered (bytes past
  // a short Content-Length). Answers go out in order (RFC 9112 §9.3): finish that one, then close.
  const answering = new WeakMap<Socket, { closeAfter: boolean }>();
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const inFlight = answering.get(socket);
    if (inFlight) {
      inFlight.closeAfter = true;
      return;
    }
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const overflow = err.code === 'HPE_HEADER_OVERFLOW';
    const status = overflow ? 431 : 400;
    const body = JSON.stringify(
      overflow
        ? operationOutcome('payload-too-large', 'the request headers are too large')
        : operationOutcome('bad-request', 'the request is not well-formed HTTP'),
    );
    const headers = {
      ...securityHeaders(randomUUID()),
      'Content-Type': 'application/fhir+json',
      Connection: 'close',
    };
    const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
    socket.end(
      `HTTP/1.1 ${status} ${overflow ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n${head.join('')}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    const state = { closeAfter: false };
    answering.set(socket, state);
    res.on('finish', () => {
      answering.delete(socket);
      if (state.closeAfter) socket.destroySoon();
    });
    void serve(req, res, compiled, opts).catch((error: unknown) => {
      logFailure('local host failed to serve a request', error);
      if (!res.headersSent) writeResult(res, withHeaders(errorToResponse(error), randomUUID()), true);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://${opts.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  routes: readonly CompiledRoute[],
  opts: HttpHostOptions,
): Promise<void> {
  const requestId = randomUUID();
  const url = new URL(req.url ?? '/', 'https://local');
  const method = (req.method ?? 'GET').toUpperCase();
  let match: { route: HttpRoute | StreamRoute; pathParameters: Record<string, string> } | undefined;
  for (const c of routes) {
    const m = c.route.method === method ? c.pattern.exec(url.pathname) : null;
    if (m) {
      const pathParameters: Record<string, string> = {};
      c.params.forEach((name, i) => {
        pathParameters[name] = decodeURIComponent(m[i + 1] ?? '');
      });
      match = { route: c.route, pathParameters };
      break;
    }
  }
  const matched = match?.route;
  if (matched !== undefined && 'stream' in matched) {
    // A stalled upload is dropped; one that keeps sending is never cut off.
    req.socket.setTimeout(STREAM_IDLE_MS, () => req.socket.destroy());
    const { closeAfter, ...result } = await matched.stream(req, url, requestId);
    req.socket.setTimeout(0);
    writeResult(res, withHeaders(result, requestId), closeAfter === true || !req.complete);
    return;
  }
  const route = matched ?? opts.fallback;
  const { body, truncated, late } = await readBody(req, opts.maxBodyBytes + 1);
  if (late) {
    const outcome = operationOutcome('bad-request', 'the request body did not arrive in time');
    writeResult(
      res,
      withHeaders(
        {
          statusCode: 408,
          headers: { 'Content-Type': 'application/fhir+json' },
          body: JSON.stringify(outcome),
        },
        requestId,
      ),
      true,
    );
    return;
  }
  const routeKey = match ? `${route.method} ${route.path}` : '$default';
  const event = toEvent(req, url, method, requestId, routeKey, match?.pathParameters, body);
  const result = await route.handler(event, localLambdaContext(route.functionName, requestId));
  writeResult(res, result, truncated);
}

function toEvent(
  req: IncomingMessage,
  url: URL,
  method: string,
  requestId: string,
  routeKey: string,
  pathParameters: Record<string, string> | undefined,
  body: Buffer,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values) headers[name] = values.join(',');
  }
  const now = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: req.headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? 'unknown',
        userAgent: req.headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(pathParameters && Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
    ...queryParameters(url),
    body: body.toString('base64'),
    isBase64Encoded: true,
  };
}

/** A buffered body (at most PHI_MAX_BODY_BYTES) must arrive within this, as Node's requestTimeout did. */
const BODY_DEADLINE_MS = 60_000;
/** A streamed upload that sends nothing for this long is dropped. */
const STREAM_IDLE_MS = 60_000;

/**
 * Buffers at most `cap` bytes; the rest is discarded and the connection closed after answering.
 * `late` when the body did not arrive within BODY_DEADLINE_MS.
 */
function readBody(
  req: IncomingMessage,
  cap: number,
): Promise<{ body: Buffer; truncated: boolean; late: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    const deadline = setTimeout(() => {
      truncated = true;
      chunks.length = 0;
      resolve({ body: Buffer.alloc(0), truncated: true, late: true });
    }, BODY_DEADLINE_MS);
    deadline.unref();
    req.once('close', () => clearTimeout(deadline));
    req.on('data', (chunk: Buffer) => {
      if (truncated) return;
      const room = cap - size;
      if (chunk.length >= room) {
        chunks.push(chunk.subarray(0, room));
        size = cap;
        truncated = true;
        clearTimeout(deadline);
        resolve({ body: Buffer.concat(chunks), truncated, late: false });
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
    });
    req.on('end', () => {
      clearTimeout(deadline);
      resolve({ body: Buffer.concat(chunks), truncated, late: false });
    });
    req.on('error', reject);
  });
}

function withHeaders(result: HttpResult, requestId: string): HttpResult {
  return { ...result, headers: { ...result.headers, ...securityHeaders(requestId) } };
}

function writeResult(res: ServerResponse, result: HttpResult, closeAfter: boolean): void {
  const body = typeof result.body === 'string' ? result.body : '';
  const headers: Record<string, string | number> = {
    ...result.headers,
    'Content-Length': Buffer.byteLength(body),
  };
  if (closeAfter) headers.Connection = 'close';
  res.writeHead(result.statusCode, headers);
  res.end(body);
}

/** API Gateway's `queryStringParameters`: repeated names joined with commas; absent when there are none. */
function queryParameters(url: URL): { queryStringParameters?: Record<string, string> } {
  const names = [...new Set(url.searchParams.keys())];
  if (names.length === 0) return {};
  return {
    queryStringParameters: Object.fromEntries(names.map((n) => [n, url.searchParams.getAll(n).join(',')])),
  };
}
