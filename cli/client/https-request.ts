import https from 'node:https';
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
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    r.on('timeout', () => r.destroy(new CliError('request timed out')));
    r.on('error', reject);
    r.end(req.body);
  });
}
