/**
 * Shared tooling for the hostile-input tests (test/http/hostile-*.test.ts, phi-canary.test.ts):
 * crafting requests a well-behaved partner would never send, sending them over real HTTPS (or a raw
 * TLS socket when Node's client would refuse to), and asserting SPEC §3's answer together with the
 * invariants of a rejection: nothing stored, nothing queued, exactly one failure audit record.
 */
import { createHmac, createPrivateKey, type JsonWebKey, type KeyObject, randomUUID, sign } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { expect, type MockInstance, vi } from 'vitest';
import { type HttpsResponse, httpsRequest } from '../../cli/client/https-request.js';
import type { PartnerClient } from '../../cli/client/partner-client.js';
import { contentDigestHeader, signDetached } from '../../cli/client/sign-submission.js';
import { SqliteQueue } from '../../shared/adapters/embedded/sqlite-queue.js';
import type { TestStack } from './test-stack.js';

export const CANARY = 'CANARY-PHI-7f3a';

/**
 * Stack settings for tests of the ingest door: no queue workers, so every write, message and audit
 * record between a snapshot and now comes from the request under test (workers would process earlier
 * accepted submissions at the same time and write their own records).
 */
export const DOOR_ONLY: Readonly<Record<string, string>> = { PHI_WORKERS: 'false' };
export const ERROR_SYSTEM = 'urn:phi-pipeline:error';

/** Response headers SPEC §3 puts on every response, errors included. */
export const SPEC_HEADERS: Readonly<Record<string, string | RegExp>> = {
  'x-request-id': /\S/,
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

/** FHIR R4 IssueType codes (http://hl7.org/fhir/issue-type). */
const FHIR_ISSUE_TYPES: ReadonlySet<string> = new Set([
  'invalid',
  'structure',
  'required',
  'value',
  'invariant',
  'security',
  'login',
  'unknown',
  'expired',
  'forbidden',
  'suppressed',
  'processing',
  'not-supported',
  'duplicate',
  'multiple-matches',
  'not-found',
  'deleted',
  'too-long',
  'code-invalid',
  'extension',
  'too-costly',
  'business-rule',
  'conflict',
  'transient',
  'lock-error',
  'no-store',
  'exception',
  'timeout',
  'incomplete',
  'throttled',
  'informational',
]);

export type Kind = 'bundle' | 'claim';
export const ROUTE: Record<Kind, { path: string; contentType: string }> = {
  bundle: { path: '/v1/bundles', contentType: 'application/fhir+json' },
  claim: { path: '/v1/claims', contentType: 'application/edi-x12' },
};

export const fixture = (name: string): Promise<Buffer> =>
  readFile(path.resolve(import.meta.dirname, '../../samples', name));

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export const b64url = (value: string | Uint8Array): string =>
  (typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value)).toString('base64url');

export const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

// ---------------------------------------------------------------------------------------------------
// Requests

export interface RawRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: Uint8Array | string;
}

/** One request over HTTPS with certificate verification on (trusting only the stack's CA). */
export function sendRaw(t: TestStack, req: RawRequest): Promise<HttpsResponse> {
  return httpsRequest(`${t.url}${req.path}`, {
    method: req.method,
    headers: req.headers,
    ...(req.body === undefined ? {} : { body: req.body }),
    ca: t.ca,
  });
}

const clients = new WeakMap<TestStack, Map<string, PartnerClient>>();

/** A partner's access token (cached by the partner client): fetch it BEFORE snapshotting state. */
export async function accessToken(t: TestStack, partnerId = 'demo'): Promise<string> {
  let byPartner = clients.get(t);
  if (!byPartner) {
    byPartner = new Map();
    clients.set(t, byPartner);
  }
  let client = byPartner.get(partnerId);
  if (!client) {
    client = await t.client(partnerId);
    byPartner.set(partnerId, client);
  }
  return client.accessToken();
}

export interface SubmissionOptions {
  readonly kind?: Kind;
  readonly partner?: string;
  readonly encoding?: 'unencoded' | 'standard';
  /** Header overrides; `undefined` removes the header. */
  readonly headers?: Readonly<Record<string, string | undefined>>;
}

/**
 * A submission exactly as the partner tooling makes it (token, Content-Type, Content-Digest, detached
 * JWS), then altered by `headers`. Everything that writes state (the token) happens here, not at send.
 */
export async function submission(
  t: TestStack,
  body: Uint8Array,
  opts: SubmissionOptions = {},
): Promise<RawRequest> {
  const kind = opts.kind ?? 'bundle';
  const partner = opts.partner ?? 'demo';
  const headers: Record<string, string> = {
    Authorization: `Bearer ${await accessToken(t, partner)}`,
    'Content-Type': ROUTE[kind].contentType,
    'Content-Digest': contentDigestHeader(body),
    'X-JWS-Signature': await signDetached(body, await t.privateJwk(partner), {
      encoding: opts.encoding ?? 'unencoded',
    }),
  };
  for (const [name, value] of Object.entries(opts.headers ?? {})) {
    const existing = Object.keys(headers).find((h) => h.toLowerCase() === name.toLowerCase());
    if (existing) delete headers[existing];
    if (value !== undefined) headers[name] = value;
  }
  return { method: 'POST', path: ROUTE[kind].path, headers, body };
}

// ---------------------------------------------------------------------------------------------------
// Raw sockets, for what Node's HTTP client will not send (repeated header lines, lying framing)

export interface RawHttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export interface RawExchange {
  /** Every byte the server sent. */
  readonly data: Buffer;
  /** The complete HTTP responses found in `data`, in order. */
  readonly responses: RawHttpResponse[];
  /** Bytes of the request actually written before the server answered or closed. */
  readonly bytesSent: number;
  /** The server closed the connection (rather than the exchange timing out). */
  readonly closed: boolean;
  readonly error: string | undefined;
}

/** Request head with CRLFs; `headers` is a list so a name may repeat. */
export function rawHead(
  t: TestStack,
  method: string,
  target: string,
  headers: ReadonlyArray<readonly [string, string]>,
): Buffer {
  const host = new URL(t.url).host;
  const lines = [`${method} ${target} HTTP/1.1`, `Host: ${host}`, ...headers.map(([n, v]) => `${n}: ${v}`)];
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/**
 * Writes `parts` in order over TLS (waiting for drain after each), stopping early once the server has
 * answered when `stopWhenAnswered`; collects everything until the server closes or `timeoutMs` passes.
 */
export function rawExchange(
  t: TestStack,
  parts: readonly Uint8Array[],
  opts: { stopWhenAnswered?: boolean; timeoutMs?: number; plain?: boolean } = {},
): Promise<RawExchange> {
  const { port, hostname } = new URL(t.url);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytesSent = 0;
    let error: string | undefined;
    let settled = false;
    const socket: net.Socket = opts.plain
      ? net.connect({ host: hostname, port: Number(port) })
      : tls.connect({ host: hostname, port: Number(port), ca: t.ca, minVersion: 'TLSv1.2' });
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const data = Buffer.concat(chunks);
      resolve({ data, responses: parseHttpResponses(data), bytesSent, closed, error });
    };
    const timer = setTimeout(() => finish(false), opts.timeoutMs ?? 15_000);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
    });
    socket.on('close', () => finish(true));
    const answered = () => Buffer.concat(chunks).includes('\r\n\r\n');
    const write = async () => {
      for (const part of parts) {
        if (settled || (opts.stopWhenAnswered && answered())) break;
        const ok = socket.write(part);
        bytesSent += part.byteLength;
        if (!ok) {
          await new Promise<void>((r) => {
            const done = () => {
              socket.off('drain', done);
              socket.off('close', done);
              r();
            };
            socket.once('drain', done);
            socket.once('close', done);
          });
        }
      }
    };
    socket.once(opts.plain ? 'connect' : 'secureConnect', () => {
      void write();
    });
  });
}

/** Splits a byte stream into HTTP/1.1 responses framed by Content-Length. */
export function parseHttpResponses(data: Buffer): RawHttpResponse[] {
  const out: RawHttpResponse[] = [];
  let at = 0;
  while (at < data.length) {
    const headEnd = data.indexOf('\r\n\r\n', at);
    if (headEnd === -1) break;
    const [statusLine = '', ...lines] = data.subarray(at, headEnd).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
    if (!m?.[1]) break;
    const headers: Record<string, string | string[]> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const prior = headers[name];
      headers[name] = prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value];
    }
    const length = Number(headers['content-length'] ?? 0);
    const bodyStart = headEnd + 4;
    out.push({ status: Number(m[1]), headers, body: data.subarray(bodyStart, bodyStart + length) });
    at = bodyStart + length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// State: object store, ingest queue, audit log

interface WriteSpies {
  readonly put: MockInstance;
  readonly del: MockInstance;
  readonly send: MockInstance;
}
const spies = new WeakMap<TestStack, WriteSpies>();

/** Spies (pass-through) on every write port method of the running stack, installed once per stack. */
function writeSpies(t: TestStack): WriteSpies {
  let s = spies.get(t);
  if (!s) {
    s = {
      put: vi.spyOn(t.stack.deps.objects, 'put'),
      del: vi.spyOn(t.stack.deps.objects, 'delete'),
      send: vi.spyOn(t.stack.deps.queue, 'send'),
    };
    spies.set(t, s);
  }
  return s;
}

export interface AuditLine {
  readonly outcome?: string;
  readonly code?: string;
  readonly action?: string;
  readonly actor?: { type?: string; id?: string };
  readonly [key: string]: unknown;
}

/** Every line of `${PHI_HOME}/audit/*.jsonl`, files in name (= chain) order. */
export async function auditLines(t: TestStack): Promise<string[]> {
  const dir = path.join(t.home, 'audit');
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.jsonl')).sort();
  } catch {
    return [];
  }
  const lines: string[] = [];
  for (const name of names) {
    const text = await readFile(path.join(dir, name), 'utf8');
    lines.push(...text.split('\n').filter((l) => l.trim() !== ''));
  }
  return lines;
}

export function ingestDepth(t: TestStack): number {
  const q = t.stack.deps.queue;
  if (!(q instanceof SqliteQueue)) throw new Error('the hostile tests expect the embedded SQLite queue');
  return q.depth('ingest').total;
}

export interface StateSnapshot {
  readonly objects: readonly string[];
  readonly ingest: number;
  readonly audit: readonly string[];
  readonly puts: number;
  readonly deletes: number;
  readonly sends: number;
}

export async function snapshot(t: TestStack): Promise<StateSnapshot> {
  const s = writeSpies(t);
  return {
    objects: await t.stack.deps.objects.list(''),
    ingest: ingestDepth(t),
    audit: await auditLines(t),
    puts: s.put.mock.calls.length,
    deletes: s.del.mock.calls.length,
    sends: s.send.mock.calls.length,
  };
}

/** Token requests legitimately remember assertion ids; nothing else may be written by a rejection. */
const ALLOWED_WRITE = /^replay\/jti\//;

/**
 * How many audit records a rejection must leave. `one` is SPEC §3's rule; `edge` is for HTTP the host
 * refuses before any handler runs (header overflow, unparseable framing): on AWS, API Gateway answers
 * those itself and no function can audit them, so at most one record is required there.
 */
export type AuditExpectation = 'one' | 'edge' | 'none';

/**
 * Asserts the invariants of a rejected request between `before` and now: no object written (except
 * `replay/jti/`), none deleted, nothing queued, and the expected audit record(s). Returns the new audit
 * records.
 */
export async function expectNothingStored(
  t: TestStack,
  before: StateSnapshot,
  expected: { code?: string; audit: AuditExpectation },
): Promise<AuditLine[]> {
  const s = writeSpies(t);
  const after = await snapshot(t);
  const newKeys = after.objects.filter((k) => !before.objects.includes(k) && !ALLOWED_WRITE.test(k));
  expect(newKeys, 'objects created by a rejected request').toEqual([]);
  // A create-if-absent put that found the key (idempotency, jti) wrote nothing: only real writes count.
  const written = s.put.mock.calls
    .map((call, i) => ({ key: String(call[0]), result: s.put.mock.settledResults[i] }))
    .slice(before.puts)
    .filter(
      ({ result }) =>
        !(result?.type === 'fulfilled' && (result.value as { created?: boolean })?.created === false),
    )
    .map(({ key }) => key);
  expect(
    written.filter((k) => !ALLOWED_WRITE.test(k)),
    'object writes by a rejected request',
  ).toEqual([]);
  expect(after.deletes - before.deletes, 'object deletes by a rejected request').toBe(0);
  expect(after.sends - before.sends, 'queue sends by a rejected request').toBe(0);
  expect(after.ingest, 'ingest queue depth').toBe(before.ingest);

  expect(after.audit.slice(0, before.audit.length), 'earlier audit records are untouched').toEqual(
    before.audit,
  );
  const added = after.audit.slice(before.audit.length).map((l) => JSON.parse(l) as AuditLine);
  const summary = added.map((a) => ({ outcome: a.outcome, code: a.code }));
  const wanted = { outcome: 'failure', code: expected.code };
  if (expected.audit === 'one') {
    expect(summary, 'exactly one failure audit record with the code').toEqual([wanted]);
  } else if (expected.audit === 'edge') {
    expect(added.length, 'at most one audit record').toBeLessThanOrEqual(1);
    if (added.length === 1) expect(summary).toEqual([wanted]);
  } else {
    expect(summary, 'no audit record').toEqual([]);
  }
  return added;
}

export interface OperationOutcomeIssue {
  readonly severity?: unknown;
  readonly code?: unknown;
  readonly details?: { coding?: { system?: unknown; code?: unknown }[] };
  readonly diagnostics?: unknown;
  readonly expression?: unknown;
}

export interface Rejection {
  readonly res: RawHttpResponse;
  readonly issue: OperationOutcomeIssue;
  readonly audit: AuditLine[];
}

export interface RejectionOptions {
  /** Extra response headers and their expected values. */
  readonly headers?: Readonly<Record<string, string | RegExp>>;
  readonly audit?: AuditExpectation;
  /** Strings (submitted content) that must appear nowhere in the response. */
  readonly forbidden?: readonly string[];
}

export function expectHeaders(
  res: RawHttpResponse,
  expected: Readonly<Record<string, string | RegExp>>,
  what = 'response header',
): void {
  for (const [name, value] of Object.entries(expected)) {
    const actual = res.headers[name.toLowerCase()];
    const text = Array.isArray(actual) ? actual.join(', ') : actual;
    if (typeof value === 'string') expect(text, `${what} ${name}`).toBe(value);
    else expect(text, `${what} ${name}`).toMatch(value);
  }
}

function expectAbsent(res: RawHttpResponse, forbidden: readonly string[]): void {
  const text = `${JSON.stringify(res.headers)}\n${res.body.toString('utf8')}`;
  for (const f of forbidden) expect(text.includes(f), `response quotes submitted content "${f}"`).toBe(false);
}

/** The OperationOutcome of SPEC §3 with `code`, checked against `status`. */
export function expectOutcome(res: RawHttpResponse, status: number, code: string): OperationOutcomeIssue {
  let json: unknown;
  try {
    json = JSON.parse(res.body.toString('utf8'));
  } catch {
    json = undefined;
  }
  const outcome = (json ?? {}) as { resourceType?: unknown; issue?: OperationOutcomeIssue[] };
  const issue = outcome.issue?.[0] ?? {};
  const actualCode = issue.details?.coding?.[0]?.code;
  // Status and code together, so a failure shows what actually came back.
  expect({ status: res.status, code: actualCode }).toEqual({ status, code });
  expect(outcome.resourceType).toBe('OperationOutcome');
  expect(issue.severity).toBe('error');
  expect(
    FHIR_ISSUE_TYPES.has(String(issue.code)),
    `issue.code ${String(issue.code)} is a FHIR IssueType`,
  ).toBe(true);
  expect(issue.details?.coding?.[0]).toEqual({ system: ERROR_SYSTEM, code });
  expect(typeof issue.diagnostics).toBe('string');
  expectHeaders(res, SPEC_HEADERS);
  expect(String(res.headers['content-type'])).toMatch(/^application\/fhir\+json\b/);
  return issue;
}

/**
 * Sends one request and asserts a SPEC §3 rejection: status, OperationOutcome with `code`, SPEC
 * headers (plus `opts.headers`), and the rejection invariants. State is snapshotted just before
 * `send`, so `send` must only send (craft tokens and signatures first).
 */
export async function expectRejected(
  t: TestStack,
  send: () => Promise<RawHttpResponse>,
  status: number,
  code: string,
  opts: RejectionOptions = {},
): Promise<Rejection> {
  const before = await snapshot(t);
  const res = await send();
  const issue = expectOutcome(res, status, code);
  expectHeaders(res, opts.headers ?? {});
  expectAbsent(res, opts.forbidden ?? []);
  const audit = await expectNothingStored(t, before, { code, audit: opts.audit ?? 'one' });
  return { res, issue, audit };
}

const outcomeCode = (res: RawHttpResponse): unknown => {
  try {
    const json = JSON.parse(res.body.toString('utf8')) as { issue?: OperationOutcomeIssue[] };
    return json.issue?.[0]?.details?.coding?.[0]?.code;
  } catch {
    return undefined;
  }
};

/**
 * Like `expectRejected`, for the few inputs where SPEC allows more than one specific answer (each
 * such test says why). The answer must be exactly one of `answers`, with all the usual invariants.
 */
export async function expectRejectedAsOneOf(
  t: TestStack,
  send: () => Promise<RawHttpResponse>,
  answers: ReadonlyArray<readonly [number, string]>,
  opts: RejectionOptions = {},
): Promise<Rejection> {
  const before = await snapshot(t);
  const res = await send();
  const code = outcomeCode(res);
  const [status, expected] = answers.find(([s, c]) => s === res.status && c === code) ??
    answers[0] ?? [0, ''];
  const issue = expectOutcome(res, status, expected);
  expectHeaders(res, opts.headers ?? {});
  expectAbsent(res, opts.forbidden ?? []);
  const audit = await expectNothingStored(t, before, { code: expected, audit: opts.audit ?? 'one' });
  return { res, issue, audit };
}

/** RFC 6749 §5.2 error of the token endpoint, with the same invariants (jti records allowed). */
export async function expectOAuthError(
  t: TestStack,
  send: () => Promise<RawHttpResponse>,
  status: number,
  error: string,
): Promise<RawHttpResponse> {
  const before = await snapshot(t);
  const res = await send();
  let json: { error?: unknown; access_token?: unknown } = {};
  try {
    json = JSON.parse(res.body.toString('utf8')) as typeof json;
  } catch {
    json = {};
  }
  expect({ status: res.status, error: json.error }).toEqual({ status, error });
  expect(json.access_token).toBeUndefined();
  expectHeaders(res, SPEC_HEADERS);
  expect(String(res.headers['content-type'])).toMatch(/^application\/json\b/);
  await expectNothingStored(t, before, { code: error, audit: 'one' });
  return res;
}

/** The stack still serves discovery: nothing above wedged or crashed it. */
export async function expectServerAlive(t: TestStack): Promise<void> {
  const res = await httpsRequest(`${t.url}/.well-known/smart-configuration`, { method: 'GET', ca: t.ca });
  expect(res.status).toBe(200);
  expect(JSON.parse(res.body.toString('utf8'))).toMatchObject({ token_endpoint: `${t.url}/v1/token` });
}

// ---------------------------------------------------------------------------------------------------
// JOSE crafting: JWS and JWTs signed exactly as written, including what jose refuses to produce

export type Signer =
  | { readonly kind: 'ec'; readonly key: KeyObject; readonly hash?: 'sha256' | 'sha384' }
  | { readonly kind: 'hmac'; readonly secret: Uint8Array | string }
  | { readonly kind: 'none' }
  | { readonly kind: 'bytes'; readonly signature: Uint8Array };

export function signBytes(input: Uint8Array, signer: Signer): Buffer {
  switch (signer.kind) {
    case 'ec':
      return sign(signer.hash ?? 'sha256', input, { key: signer.key, dsaEncoding: 'ieee-p1363' });
    case 'hmac':
      return createHmac('sha256', signer.secret).update(input).digest();
    case 'none':
      return Buffer.alloc(0);
    case 'bytes':
      return Buffer.from(signer.signature);
  }
}

export const privateKeyObject = (jwk: JWK): KeyObject =>
  createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });

export const ecSigner = (jwk: JWK): Signer => ({ kind: 'ec', key: privateKeyObject(jwk) });

/**
 * A detached compact JWS `HEADER..SIGNATURE` over `body`. `header` is an object or raw JSON text (for
 * duplicate members); `unencoded` signs the raw body (RFC 7797), otherwise its base64url (Appendix F).
 */
export function craftDetachedJws(
  header: Record<string, unknown> | string,
  body: Uint8Array,
  signer: Signer,
  opts: { unencoded?: boolean } = {},
): string {
  const protectedB64 = b64url(typeof header === 'string' ? header : JSON.stringify(header));
  const unencoded = opts.unencoded ?? (typeof header === 'object' && header.b64 === false);
  const input = unencoded
    ? Buffer.concat([Buffer.from(`${protectedB64}.`, 'ascii'), Buffer.from(body)])
    : Buffer.from(`${protectedB64}.${b64url(body)}`, 'ascii');
  return `${protectedB64}..${b64url(signBytes(input, signer))}`;
}

/** A compact JWT with header and claims exactly as given. */
export function craftJwt(
  header: Record<string, unknown> | string,
  claims: Record<string, unknown>,
  signer: Signer,
): string {
  const h = b64url(typeof header === 'string' ? header : JSON.stringify(header));
  const input = `${h}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${b64url(signBytes(Buffer.from(input, 'ascii'), signer))}`;
}

/** The protected header the partner tooling uses for an unencoded detached JWS. */
export function partnerJwsHeader(jwk: JWK, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { alg: 'ES256', kid: jwk.kid, iat: nowSeconds(), b64: false, crit: ['b64'], ...extra };
}

/** A fresh P-256 key pair nobody registered: the attacker's. */
export async function attackerKey(): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    publicJwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' },
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' },
  };
}

/** The public half of a private JWK, as the registry holds it. */
export function publicHalf(jwk: JWK): JWK {
  const { d: _d, ...pub } = jwk;
  return pub;
}

/** The stack's access-token issuer key (PHI_HOME/keys/issuer.jwk) and its kid, to forge tokens with. */
export async function issuerKey(t: TestStack): Promise<{ jwk: JWK; kid: string }> {
  const jwk = JSON.parse(await readFile(path.join(t.home, 'keys', 'issuer.jwk'), 'utf8')) as JWK;
  const { d: _d, ...pub } = jwk;
  return { jwk, kid: await calculateJwkThumbprint(pub) };
}

/** Claims of a valid access token for `partner`; override any to forge a bad one. */
export function accessTokenClaims(t: TestStack, partner = 'demo'): Record<string, unknown> {
  const iat = nowSeconds();
  return {
    iss: t.config.publicUrl,
    aud: t.config.publicUrl,
    sub: partner,
    client_id: partner,
    scope: 'system/Bundle.write system/Claim.write',
    iat,
    exp: iat + 300,
    jti: randomUUID(),
  };
}

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Claims of a valid client assertion for `partner`; override any to forge a bad one. */
export function assertionClaims(t: TestStack, partner = 'demo'): Record<string, unknown> {
  const iat = nowSeconds();
  return { iss: partner, sub: partner, aud: t.config.tokenUrl, iat, exp: iat + 240, jti: randomUUID() };
}

/** POST /v1/token with the given form fields (a list, so a name may repeat). */
export function tokenRequest(fields: ReadonlyArray<readonly [string, string]>): RawRequest {
  return {
    method: 'POST',
    path: '/v1/token',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields.map(([k, v]): [string, string] => [k, v])).toString(),
  };
}

/** A complete, otherwise valid token form around `assertion`. */
export function tokenForm(assertion: string, scope = 'system/Bundle.write'): Array<[string, string]> {
  return [
    ['grant_type', 'client_credentials'],
    ['scope', scope],
    ['client_assertion_type', CLIENT_ASSERTION_TYPE],
    ['client_assertion', assertion],
  ];
}

// ---------------------------------------------------------------------------------------------------
// Content builders

/** A collection Bundle of the given resources, each with a urn:uuid fullUrl. */
export function collectionBundle(resources: readonly Record<string, unknown>[], type = 'collection'): Buffer {
  return utf8(
    JSON.stringify({
      resourceType: 'Bundle',
      type,
      entry: resources.map((resource) => ({ fullUrl: `urn:uuid:${randomUUID()}`, resource })),
    }),
  );
}

/** A small valid Bundle, different on every call (so idempotency never turns a test into a replay). */
export function freshBundle(): Buffer {
  return collectionBundle([{ resourceType: 'Basic', id: randomUUID(), code: { text: 'hostile-test' } }]);
}

/** A TCP listener that only counts connections: proof that a URL in a request was never fetched. */
export async function connectionCounter(): Promise<{
  url: string;
  connections: () => number;
  close: () => Promise<void>;
}> {
  let count = 0;
  const server = net.createServer((s) => {
    count++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => count,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** All regular files under `dir`, recursively. */
export async function walkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walkFiles(p)));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}
