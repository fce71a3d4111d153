import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { CliError } from '../cli-error.js';

export interface HttpsResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export interface HttpsRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array | string;
  /** PEM of the CA to trust (the local stack's ca.pem); system CAs otherwise. */
  readonly ca?: string;
  readonly agent?: https.Agent;
  readonly timeoutMs?: number;
}

/** The whole answer of a small exchange, body buffered. */
function collectResponse(
  res: http.IncomingMessage,
  resolve: (response: HttpsResponse) => void,
  reject: (error: unknown) => void,
): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () =>
    resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
  );
  res.on('error', reject);
}

function send(r: http.ClientRequest, req: HttpsRequest, reject: (error: unknown) => void): void {
  r.on('timeout', () => r.destroy(new CliError('request timed out')));
  r.on('error', reject);
  r.end(req.body);
}

/** One HTTPS exchange with certificate verification always on. */
export function httpsRequest(url: string, req: HttpsRequest): Promise<HttpsResponse> {
  return new Promise((resolve, reject) => {
    const r = https.request(
      url,
      {
        method: req.method,
        headers: req.headers,
        ...(req.ca ? { ca: req.ca } : {}),
        ...(req.agent ? { agent: req.agent } : {}),
        minVersion: 'TLSv1.2',
        timeout: req.timeoutMs ?? 60_000,
      },
      (res) => collectResponse(res, resolve, reject),
    );
    send(r, req, reject);
  });
}

/**
 * A small request to a signed landing URL (ListParts, CompleteMultipartUpload): HTTPS with
 * verification on, or plain HTTP to a loopback host only (an S3 emulator in tests), as streamRequest.
 */
export function landingRequest(url: string, req: HttpsRequest): Promise<HttpsResponse> {
  const target = new URL(url);
  if (target.protocol !== 'http:') return httpsRequest(url, req);
  if (!LOOPBACK_HOSTS.has(target.hostname))
    return Promise.reject(new CliError('an upload URL must be HTTPS'));
  return new Promise((resolve, reject) => {
    const r = http.request(
      url,
      { method: req.method, headers: req.headers, timeout: req.timeoutMs ?? 60_000 },
      (res) => collectResponse(res, resolve, reject),
    );
    send(r, req, reject);
  });
}

export interface StreamedRequest {
  readonly method: 'PUT' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  /** The body, read as the socket drains: backpressure keeps memory flat whatever its size. */
  readonly body: Readable;
  readonly ca?: string;
  readonly agent?: https.Agent;
  /** Idle time without any socket activity before the request is abandoned. */
  readonly timeoutMs?: number;
  /** How long to wait for `100 Continue` before sending the body anyway (as curl does). */
  readonly continueWaitMs?: number;
}

/**
 * One request whose body is streamed, never held. HTTPS with verification always on; plain HTTP only
 * to a loopback host (an S3 emulator in tests), since an upload carries PHI. It asks `Expect:
 * 100-continue`, so a refusal (an expired URL, a wrong size) comes before a gigabyte is sent, not after.
 */
export function streamRequest(url: string, req: StreamedRequest): Promise<HttpsResponse> {
  const target = new URL(url);
  const plain = target.protocol === 'http:';
  if (plain && !LOOPBACK_HOSTS.has(target.hostname)) {
    req.body.destroy();
    return Promise.reject(new CliError('an upload URL must be HTTPS'));
  }
  return new Promise((resolve, reject) => {
    let sending = false;
    const send = () => {
      if (sending) return;
      sending = true;
      clearTimeout(fallback);
      req.body.pipe(r);
    };
    const onResponse = (res: http.IncomingMessage) => {
      clearTimeout(fallback);
      // An answer before the whole body went (a refusal): stop reading the file, and once the answer is
      // read, drop the connection, which still expects the rest of a body and cannot be reused.
      const cut = !req.body.readableEnded;
      if (cut) req.body.unpipe(r).destroy();
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        if (cut) r.destroy();
      });
      res.on('error', reject);
    };
    const headers = { ...req.headers, expect: '100-continue' };
    const timeout = req.timeoutMs ?? 120_000;
    const r = plain
      ? http.request(url, { method: req.method, headers, timeout }, onResponse)
      : https.request(
          url,
          {
            method: req.method,
            headers,
            timeout,
            ...(req.agent ? { agent: req.agent } : {}),
            ...(req.ca ? { ca: req.ca } : {}),
            minVersion: 'TLSv1.2',
          },
          onResponse,
        );
    const fallback = setTimeout(send, req.continueWaitMs ?? 1_000);
    r.on('continue', send);
    r.on('timeout', () => r.destroy(new CliError('upload timed out')));
    r.on('error', (e) => {
      clearTimeout(fallback);
      req.body.destroy();
      reject(e);
    });
    r.on('close', () => clearTimeout(fallback));
    req.body.on('error', (e: Error) => r.destroy(e));
    // The request headers go now; the body waits for 100 Continue.
    r.flushHeaders();
  });
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
