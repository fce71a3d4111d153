import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { PartnerClient } from '../../cli/client/partner-client.js';
import { ensureTlsFiles } from '../../local/tls-files.js';
import { verifyDetachedJws } from '../../shared/core/jws/detached-jws.js';

/** One manifest the fake server accepted, and what arrived for each of its files. */
export interface FakeUpload {
  readonly id: string;
  readonly digest: string;
  readonly manifest: {
    files: { name: string; kind: string; resourceType?: string; bytes: number; contentDigest: string }[];
  };
  /** Per file: SHA-256 (base64) and size of each PUT body that arrived whole, in arrival order. */
  readonly puts: { index: number; sha256: string; bytes: number; status: number }[];
  statusCalls: number;
}

export interface FakeServerBehaviour {
  /** Answer for PUT attempt `attempt` (1-based) of file `index`: a status, or 'drop' to cut the socket mid-body. */
  put?: (index: number, attempt: number) => number | 'drop' | undefined;
  /** The direct routes' body limit: above it, 413 payload-too-large. */
  maxBodyBytes?: number;
  /** A status answered to `Expect: 100-continue` instead of `100 Continue`, for file `index`. */
  refuseBeforeBody?: (index: number) => number | undefined;
  /** The status document after all files arrived; default `processing`. */
  settled?: (upload: FakeUpload) => Record<string, unknown>;
  /** Status polls that still answer `accepted`; default 1. */
  pendingPolls?: number;
}

/**
 * A small HTTPS stand-in for the API's upload path (SPEC §5) until the real route lands: token,
 * POST /v1/uploads (checks Content-Digest and the detached JWS over the manifest), PUT with the
 * `x-amz-checksum-sha256` and size checks S3 makes, GET /v1/submissions/{id}, POST /v1/bundles.
 */
export async function startFakeUploadServer(behaviour: FakeServerBehaviour = {}, phiHome?: string) {
  // With a PHI_HOME, the server uses its TLS files and writes the partner `acme` key there, as `phi submit` reads them.
  const home = phiHome ?? (await mkdtemp(path.join(os.tmpdir(), 'phi-submit-fake-')));
  const tls = await ensureTlsFiles(home);
  const ca = await readFile(tls.caPath, 'utf8');
  const keyFile = phiHome ? path.join(phiHome, 'partners', 'acme', 'private.jwk') : undefined;
  const kept = keyFile ? await readFile(keyFile, 'utf8').catch(() => undefined) : undefined;
  let privateJwk: JWK;
  if (kept) privateJwk = JSON.parse(kept) as JWK;
  else {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    privateJwk = { ...(await exportJWK(privateKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  }
  const { d: _d, ...publicJwk } = privateJwk;
  if (keyFile && !kept) {
    await mkdir(path.dirname(keyFile), { recursive: true });
    await writeFile(keyFile, JSON.stringify(privateJwk), { mode: 0o600 });
  }
  const uploads = new Map<string, FakeUpload>();
  const attempts = new Map<string, number>();
  const direct: { bytes: number }[] = [];
  const continueRefusals: number[] = [];
  let base = '';

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const readAll = async (req: IncomingMessage): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };

  const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', base);
      if (req.method === 'POST' && url.pathname === '/v1/token') {
        await readAll(req);
        return json(res, 200, { access_token: 'fake', token_type: 'bearer', expires_in: 300 });
      }
      if (req.method === 'POST' && url.pathname === '/v1/bundles') {
        const bytes = (await readAll(req)).byteLength;
        if (bytes > (behaviour.maxBodyBytes ?? Number.POSITIVE_INFINITY)) {
          return json(res, 413, { issue: [{ details: { coding: [{ code: 'payload-too-large' }] } }] });
        }
        direct.push({ bytes });
        return json(res, 202, { submissionId: randomUUID(), status: 'accepted' });
      }
      if (req.method === 'POST' && url.pathname === '/v1/uploads') {
        const body = await readAll(req);
        const digest = `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
        if (req.headers['content-digest'] !== digest) return json(res, 400, { error: 'digest-mismatch' });
        await verifyDetachedJws(req.headers['x-jws-signature'] as string, body, {
          partnerKeys: [publicJwk],
          now: new Date(),
        });
        // The same manifest again is the same submission (idempotency key = partner + digest): 200, fresh URLs.
        const known = [...uploads.values()].find((u) => u.digest === digest);
        const id = known?.id ?? randomUUID();
        const upload: FakeUpload = known ?? {
          id,
          digest,
          manifest: JSON.parse(body.toString('utf8')),
          puts: [],
          statusCalls: 0,
        };
        uploads.set(id, upload);
        return json(res, known ? 200 : 201, {
          submissionId: id,
          expiresAt: new Date(Date.now() + 900_000).toISOString(),
          files: upload.manifest.files.map((f, i) => ({
            name: f.name,
            url: `${base}/put/${id}/${i}?sig=x`,
            method: 'PUT',
            headers: { 'x-amz-checksum-sha256': f.contentDigest.slice(9, -1) },
          })),
        });
      }
      const put = /^\/put\/([^/]+)\/(\d+)$/.exec(url.pathname);
      if (req.method === 'PUT' && put) {
        const upload = uploads.get(put[1] as string);
        const index = Number(put[2]);
        const key = `${put[1]}/${index}`;
        const attempt = (attempts.get(key) ?? 0) + 1;
        attempts.set(key, attempt);
        const planned = behaviour.put?.(index, attempt);
        const hash = createHash('sha256');
        let bytes = 0;
        let cut = false;
        for await (const c of req) {
          hash.update(c as Buffer);
          bytes += (c as Buffer).byteLength;
          if (planned === 'drop' && bytes > 0) {
            cut = true;
            req.socket.destroy();
            break;
          }
        }
        if (cut) return;
        const sha256 = hash.digest('base64');
        const declared = req.headers['x-amz-checksum-sha256'];
        const length = Number(req.headers['content-length']);
        const status =
          typeof planned === 'number' ? planned : declared !== sha256 || length !== bytes ? 400 : 200;
        upload?.puts.push({ index, sha256, bytes, status });
        res.writeHead(status, status === 200 ? { etag: '"x"' } : {});
        return res.end();
      }
      const status = /^\/v1\/submissions\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && status) {
        const upload = uploads.get(status[1] as string);
        if (!upload) return json(res, 404, {});
        upload.statusCalls += 1;
        const arrived = upload.manifest.files.every((_, i) =>
          upload.puts.some((p) => p.index === i && p.status === 200),
        );
        const pending = upload.statusCalls <= (behaviour.pendingPolls ?? 1);
        return json(
          res,
          200,
          arrived && !pending
            ? { id: upload.id, kind: 'bulk', ...(behaviour.settled?.(upload) ?? { status: 'processing' }) }
            : { id: upload.id, kind: 'bulk', status: 'accepted' },
        );
      }
      json(res, 404, {});
    })().catch(() => {
      if (!res.headersSent) json(res, 400, { error: 'refused' });
      else res.destroy();
    });
  });
  // `Expect: 100-continue`: a refusal planned before the body (an expired URL) answers without reading it.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const put = /^\/put\/([^/]+)\/(\d+)/.exec(req.url ?? '');
    const early = put ? behaviour.refuseBeforeBody?.(Number(put[2])) : undefined;
    if (early !== undefined) {
      continueRefusals.push(Number(put?.[2]));
      res.writeHead(early, { connection: 'close' });
      res.end();
      return;
    }
    res.writeContinue();
    server.emit('request', req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: PartnerClient[] = [];
  return {
    uploads,
    direct,
    continueRefusals,
    url: base,
    client(): PartnerClient {
      const c = new PartnerClient({ baseUrl: base, partnerId: 'acme', privateJwk, ca });
      clients.push(c);
      return c;
    },
    async close(): Promise<void> {
      for (const c of clients) c.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      if (!phiHome) await rm(home, { recursive: true, force: true });
    },
  };
}
