import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { JWK } from 'jose';
import { PartnerClient } from '../../cli/client/partner-client.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { type Config, loadConfig } from '../../shared/runtime/config.js';

export interface TestStack {
  readonly stack: LocalStack;
  readonly config: Config;
  readonly home: string;
  readonly ca: string;
  readonly url: string;
  privateJwk(partnerId?: string): Promise<JWK>;
  client(partnerId?: string): Promise<PartnerClient>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** A real local stack over HTTPS on a free port with a throwaway PHI_HOME. */
export async function startTestStack(env: Record<string, string> = {}): Promise<TestStack> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'phi-test-'));
  const port = await freePort();
  const config = loadConfig({ PHI_HOME: home, PORT: String(port), ...env });
  const stack = await startLocalStack(config);
  const ca = await readFile(stack.caPath, 'utf8');
  const privateJwk = async (partnerId = 'demo'): Promise<JWK> =>
    JSON.parse(await readFile(path.join(home, 'partners', partnerId, 'private.jwk'), 'utf8')) as JWK;
  const clients: PartnerClient[] = [];
  return {
    stack,
    config,
    home,
    ca,
    url: stack.url,
    privateJwk,
    client: async (partnerId = 'demo') => {
      const c = new PartnerClient({
        baseUrl: stack.url,
        partnerId,
        privateJwk: await privateJwk(partnerId),
        ca,
      });
      clients.push(c);
      return c;
    },
    close: async () => {
      for (const c of clients) c.close();
      await stack.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}
