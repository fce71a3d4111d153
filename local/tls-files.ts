import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface TlsFiles {
  readonly key: string;
  readonly cert: string;
  /** The local CA's certificate; partner tooling trusts exactly this file. */
  readonly caPath: string;
}

const exists = (p: string) =>
  readFile(p).then(
    () => true,
    () => false,
  );

/**
 * A local CA and a server certificate it signs (SAN 127.0.0.1, ::1, localhost), made once per PHI_HOME.
 * Clients verify against ca.pem instead of turning verification off.
 */
export async function ensureTlsFiles(
  home: string,
  clock: { now(): Date } = { now: () => new Date() },
): Promise<TlsFiles> {
  const dir = path.join(home, 'tls');
  const files = {
    caCert: path.join(dir, 'ca.pem'),
    caKey: path.join(dir, 'ca-key.pem'),
    cert: path.join(dir, 'cert.pem'),
    key: path.join(dir, 'key.pem'),
  };
  if (!(await exists(files.key)) || !(await exists(files.cert)) || !(await exists(files.caCert))) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Loaded only to make the files (once per PHI_HOME): every CLI verb passes here (start-up, issue 11).
    const { generate } = await import('selfsigned');
    const now = clock.now();
    const notAfterDate = new Date(now.getTime() + 825 * 86_400_000);
    const ca = await generate([{ name: 'commonName', value: 'phi-pipeline local CA' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate: now,
      notAfterDate,
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      ],
    });
    const server = await generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate: now,
      notAfterDate,
      ca: { key: ca.private, cert: ca.cert },
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: 'localhost' },
            { type: 7, ip: '127.0.0.1' },
            { type: 7, ip: '::1' },
          ],
        },
      ],
    });
    await writeFile(files.caKey, ca.private, { mode: 0o600 });
    await writeFile(files.caCert, ca.cert, { mode: 0o644 });
    await writeFile(files.key, server.private, { mode: 0o600 });
    await writeFile(files.cert, server.cert, { mode: 0o644 });
    await chmod(files.key, 0o600);
  }
  return {
    key: await readFile(files.key, 'utf8'),
    cert: await readFile(files.cert, 'utf8'),
    caPath: files.caCert,
  };
}
