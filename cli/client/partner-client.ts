import https from 'node:https';
import type { Readable } from 'node:stream';
import type { JWK } from 'jose';
import { CliError } from '../cli-error.js';
import { type HttpsResponse, httpsRequest, landingRequest, streamRequest } from './https-request.js';
import { clientAssertion, contentDigestHeader, signDetached } from './sign-submission.js';

export type SubmissionKind = 'bundle' | 'claim';

/** FHIR JSON starts with `{` (after whitespace or a BOM), X12 with `ISA`; anything else is neither. */
export function detectKind(body: Uint8Array): SubmissionKind | undefined {
  const head = Buffer.from(body.subarray(0, 64))
    .toString('latin1')
    .replace(/^\uFEFF|^ï»¿/, '')
    .trimStart();
  if (head.startsWith('{')) return 'bundle';
  if (head.startsWith('ISA')) return 'claim';
  return undefined;
}

const ROUTE: Record<SubmissionKind, { path: string; contentType: string; scope: string }> = {
  bundle: { path: '/v1/bundles', contentType: 'application/fhir+json', scope: 'system/Bundle.write' },
  claim: { path: '/v1/claims', contentType: 'application/edi-x12', scope: 'system/Claim.write' },
};

export interface PartnerClientOptions {
  readonly baseUrl: string;
  readonly partnerId: string;
  readonly privateJwk: JWK;
  readonly ca?: string;
}

/** Partner tooling: SMART token, Content-Digest, detached JWS, POST; tokens reused until near expiry. */
export class PartnerClient {
  private readonly agent = new https.Agent({ keepAlive: true, maxSockets: 8 });
  private token: { value: string; until: number } | undefined;

  constructor(private readonly opts: PartnerClientOptions) {}

  close(): void {
    this.agent.destroy();
  }

  async accessToken(): Promise<string> {
    if (this.token && Date.now() < this.token.until) return this.token.value;
    const tokenUrl = `${this.opts.baseUrl}/v1/token`;
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: `${ROUTE.bundle.scope} ${ROUTE.claim.scope}`,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await clientAssertion(this.opts.partnerId, this.opts.privateJwk, tokenUrl),
    });
    const res = await this.request(tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    const json = parseJson(res.body) as { access_token?: string; expires_in?: number; error?: string };
    if (res.status !== 200 || !json.access_token) {
      throw new CliError(`token request failed: HTTP ${res.status}${json.error ? ` ${json.error}` : ''}`);
    }
    this.token = { value: json.access_token, until: Date.now() + ((json.expires_in ?? 60) - 30) * 1000 };
    return json.access_token;
  }

  async submit(
    body: Uint8Array,
    opts: {
      kind?: SubmissionKind;
      idempotencyKey?: string;
      encoding?: 'unencoded' | 'standard';
      /** `application/edi-x12` asks for a refused claim file's TA1 or 999 instead of the OperationOutcome. */
      accept?: string;
    } = {},
  ): Promise<HttpsResponse & { json: unknown; claim: boolean }> {
    const kind = opts.kind ?? detectKind(body);
    if (!kind) throw new CliError('the file is neither FHIR JSON nor X12');
    const route = ROUTE[kind];
    const res = await this.request(`${this.opts.baseUrl}${route.path}`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${await this.accessToken()}`,
        'Content-Type': route.contentType,
        'Content-Digest': contentDigestHeader(body),
        'X-JWS-Signature': await signDetached(body, this.opts.privateJwk, {
          encoding: opts.encoding ?? 'unencoded',
        }),
        ...(opts.idempotencyKey ? { 'Idempotency-Key': opts.idempotencyKey } : {}),
        ...(opts.accept ? { Accept: opts.accept } : {}),
      },
      body,
    });
    return { ...res, json: parseJson(res.body), claim: kind === 'claim' };
  }

  /**
   * POST /v1/uploads (SPEC §5): the manifest is the signed unit, with Content-Digest and a detached
   * JWS over its exact bytes, as any submission.
   */
  async createUpload(
    manifest: Uint8Array,
    opts: { idempotencyKey?: string } = {},
  ): Promise<HttpsResponse & { json: unknown }> {
    const res = await this.request(`${this.opts.baseUrl}/v1/uploads`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${await this.accessToken()}`,
        'Content-Type': 'application/json',
        'Content-Digest': contentDigestHeader(manifest),
        'X-JWS-Signature': await signDetached(manifest, this.opts.privateJwk),
        ...(opts.idempotencyKey ? { 'Idempotency-Key': opts.idempotencyKey } : {}),
      },
      body: manifest,
    });
    return { ...res, json: parseJson(res.body) };
  }

  /**
   * One streamed PUT to an upload URL the server handed out. The local CA is trusted only for the
   * API's own origin (the embedded upload host); a presigned S3 URL is verified against the system CAs.
   */
  async putUpload(
    url: string,
    headers: Readonly<Record<string, string>>,
    body: Readable,
  ): Promise<HttpsResponse> {
    const ownOrigin = sameOrigin(url, this.opts.baseUrl);
    return streamRequest(url, {
      method: 'PUT',
      headers,
      body,
      ...(ownOrigin ? { agent: this.agent, ...(this.opts.ca ? { ca: this.opts.ca } : {}) } : {}),
    });
  }

  /** A ListParts (GET) or CompleteMultipartUpload (POST) to a signed URL the server handed out, trusted as putUpload's. */
  async landingRequest(
    url: string,
    method: 'GET' | 'POST',
    headers: Readonly<Record<string, string>>,
    body?: string,
  ): Promise<HttpsResponse> {
    const ownOrigin = sameOrigin(url, this.opts.baseUrl);
    return landingRequest(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      ...(ownOrigin ? { agent: this.agent, ...(this.opts.ca ? { ca: this.opts.ca } : {}) } : {}),
    });
  }

  async status(submissionId: string): Promise<HttpsResponse & { json: unknown }> {
    const res = await this.request(
      `${this.opts.baseUrl}/v1/submissions/${encodeURIComponent(submissionId)}`,
      {
        method: 'GET',
        headers: { Authorization: `Bearer ${await this.accessToken()}` },
      },
    );
    return { ...res, json: parseJson(res.body) };
  }

  /** GET /v1/submissions/{id}/acknowledgement: a claim file's TA1, 999 or 277CA (SPEC §5). */
  async acknowledgement(
    submissionId: string,
    type: '999' | 'ta1' | '277ca' = '999',
  ): Promise<HttpsResponse & { text: string }> {
    const res = await this.request(
      `${this.opts.baseUrl}/v1/submissions/${encodeURIComponent(submissionId)}/acknowledgement?type=${type}`,
      {
        method: 'GET',
        headers: { Authorization: `Bearer ${await this.accessToken()}`, Accept: 'application/edi-x12' },
      },
    );
    return { ...res, text: res.body.toString('latin1') };
  }

  private request(url: string, req: Parameters<typeof httpsRequest>[1]): Promise<HttpsResponse> {
    return httpsRequest(url, { ...req, agent: this.agent, ...(this.opts.ca ? { ca: this.opts.ca } : {}) });
  }
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
