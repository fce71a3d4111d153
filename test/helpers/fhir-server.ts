import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { clientAssertion } from '../../shared/core/auth/sign-client-assertion.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** The test's own client, used only to look at what arrived (over HTTP, through the same token flow). */
const INSPECTOR = 'inspector';

export interface FhirTestServer {
  readonly port: number;
  /** `http://127.0.0.1:PORT/fhir` */
  readonly baseUrl: string;
  /** `http://127.0.0.1:PORT/auth/token` */
  readonly tokenUrl: string;
  /** Accepts client assertions of `clientId` signed by the private half of `publicJwk`. */
  register(clientId: string, publicJwk: JWK): Promise<void>;
  /** Answers every transaction with this HTTP status (and an OperationOutcome quoting content); undefined stops. */
  rejectTransactions(status: number | undefined): Promise<void>;
  /** Transactions the server applied and tokens it issued so far. */
  stats(): Promise<{ transactions: number; tokens: number }>;
  /** GET `path` (relative to the base, e.g. `Patient?_count=1000`) as the inspector client. */
  get(path: string): Promise<{ status: number; body: Record<string, unknown> }>;
  stop(): Promise<void>;
}

/**
 * Starts the FHIR server of fhir-server-child.ts in its own process on 127.0.0.1 (a free port, or
 * `port`). The child is bundled with esbuild into node_modules/.cache so it resolves this project's
 * dependencies (@medplum/fhir-router, @medplum/core, jose).
 */
export async function startFhirTestServer(opts: { port?: number } = {}): Promise<FhirTestServer> {
  const cache = join(ROOT, 'node_modules', '.cache');
  await mkdir(cache, { recursive: true });
  const outDir = await mkdtemp(join(cache, 'phi-fhir-server-'));
  const script = join(outDir, 'fhir-server-child.mjs');
  await build({
    entryPoints: [join(ROOT, 'test/helpers/fhir-server-child.ts')],
    outfile: script,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
  });
  const child = fork(script, [String(opts.port ?? 0)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await readyPort(child);
  const baseUrl = `http://127.0.0.1:${port}/fhir`;
  const tokenUrl = `http://127.0.0.1:${port}/auth/token`;

  let nextId = 1;
  const waiting = new Map<number, (reply: { transactions: number; tokens: number }) => void>();
  child.on('message', (raw) => {
    const reply = raw as { id?: number; transactions: number; tokens: number };
    if (reply.id === undefined) return;
    waiting.get(reply.id)?.(reply);
    waiting.delete(reply.id);
  });
  const control = (msg: Record<string, unknown>) =>
    new Promise<{ transactions: number; tokens: number }>((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      child.send({ id, ...msg });
    });

  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const inspectorPrivate: JWK = { ...(await exportJWK(privateKey)), alg: 'ES256', kid: 'inspector-1' };
  await control({
    op: 'register',
    clientId: INSPECTOR,
    jwk: { ...(await exportJWK(publicKey)), alg: 'ES256', kid: 'inspector-1' },
  });
  let inspectorToken: string | undefined;
  const fetchToken = async (): Promise<string> => {
    const res = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'system/*.read',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await clientAssertion(INSPECTOR, inspectorPrivate, tokenUrl),
      }).toString(),
    });
    const body = (await res.json()) as { access_token?: string };
    if (res.status !== 200 || body.access_token === undefined) throw new Error(`token: HTTP ${res.status}`);
    return body.access_token;
  };

  return {
    port,
    baseUrl,
    tokenUrl,
    register: async (clientId, publicJwk) => {
      await control({ op: 'register', clientId, jwk: publicJwk });
    },
    rejectTransactions: async (status) => {
      await control({ op: 'reject', status: status ?? null });
    },
    stats: async () => {
      const { transactions, tokens } = await control({ op: 'stats' });
      return { transactions, tokens };
    },
    get: async (path) => {
      inspectorToken ??= await fetchToken();
      const res = await fetch(`${baseUrl}/${path}`, {
        headers: { authorization: `Bearer ${inspectorToken}`, accept: 'application/fhir+json' },
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
      await rm(outDir, { recursive: true, force: true });
    },
  };
}

async function readyPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const onMessage = (raw: unknown) => {
      const msg = raw as { op?: string; port?: number };
      if (msg.op !== 'ready' || typeof msg.port !== 'number') return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(msg.port);
    };
    const onExit = (code: number | null) => reject(new Error(`FHIR test server exited (${code})`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}
