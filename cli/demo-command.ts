import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { JWK } from 'jose';
import { CliError } from './cli-error.js';
import type { PartnerClient } from './client/partner-client.js';

interface Status {
  readonly status: string;
  readonly consumers: readonly { id: string; status: string }[];
}

const say = (line = '') => process.stdout.write(`${line}\n`);
const step = (n: number, title: string) => say(`\n${n}. ${title}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(
  client: PartnerClient,
  id: string,
  done: (s: Status) => boolean,
  what: string,
): Promise<Status> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const s = (await client.status(id)).json as Status;
    if (done(s)) return s;
    if (Date.now() > deadline) throw new CliError(`demo: ${what} did not happen within 60 s`);
    await sleep(200);
  }
}

const describe = (s: Status): string =>
  s.consumers.length === 0
    ? `${s.status} (no consumer contract takes this kind of submission yet)`
    : `${s.status}: ${s.consumers.map((c) => `${c.id} ${c.status}`).join(', ')}`;

const settled = (s: Status) => ['delivered', 'dead-lettered', 'failed'].includes(s.status);

/**
 * `phi demo`: a self-running tour on a throwaway PHI_HOME. Every step runs the real pipeline (the same
 * handlers, workers and operator use cases as `phi start`, `phi consume`, `phi dlq` and `phi audit`)
 * and says what happened and where.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'a guided tour on a throwaway PHI_HOME: submit, deliver, consume, dead-letter and replay, audit',
    )
    .option('--keep', 'keep the throwaway PHI_HOME instead of deleting it at the end')
    .action(async (opts: { keep?: boolean }) => {
      const home = await mkdtemp(path.join(os.tmpdir(), 'phi-demo-'));
      try {
        await tour(home);
      } finally {
        if (opts.keep) say(`\nState kept in ${home}`);
        else await rm(home, { recursive: true, force: true });
      }
    });
}

async function tour(home: string): Promise<void> {
  // Loaded here, not at the top: `phi --help` and every other verb must not pay for the whole stack.
  const [
    { packageRoot },
    { startLocalStack },
    { consumeNotifications },
    { formatAge, listDeadLetters, replayDeadLetters },
    { loadConfig },
    { httpsRequest },
    { PartnerClient },
    { contentDigestHeader, signDetached },
    { directoryOutput },
    { verdictOf999 },
  ] = await Promise.all([
    import('../local/package-root.js'),
    import('../local/stack.js'),
    import('../shared/app/consume-notifications.js'),
    import('../shared/app/dead-letter-admin.js'),
    import('../shared/runtime/config.js'),
    import('./client/https-request.js'),
    import('./client/partner-client.js'),
    import('./client/sign-submission.js'),
    import('./output-directory.js'),
    import('./submit-files.js'),
  ]);
  const config = loadConfig({ PHI_HOME: home, PORT: String(await freePort()), PHI_RETRY_BASE_SECONDS: '0' });
  const fixture = (p: string) => readFile(path.join(packageRoot(), 'samples', p));
  say(`phi demo: a guided tour of the pipeline on a throwaway PHI_HOME (${home})`);

  step(1, 'Start the pipeline');
  const stack = await startLocalStack(config);
  const deps = stack.deps;
  const client = new PartnerClient({
    baseUrl: stack.url,
    partnerId: 'demo',
    privateJwk: JSON.parse(await readFile(stack.demoKeyPath, 'utf8')) as JWK,
    ca: await readFile(stack.caPath, 'utf8'),
  });
  try {
    const consumers = (await deps.contracts.list()).map((c) => c.consumer);
    say(`   HTTPS API on ${stack.url}, TLS 1.2+, certificate signed by the local CA in PHI_HOME/tls/ca.pem.`);
    say('   The handlers Lambda runs (token, ingest, status, process, deliver) run here too: a local host');
    say('   turns HTTPS requests into API Gateway events and local pollers turn queues into SQS events.');
    say(`   Consumers, one per contract file in PHI_HOME/contracts: ${consumers.join(', ')}.`);

    step(2, 'Partner "demo" gets an access token (SMART Backend Services, private_key_jwt)');
    await client.accessToken();
    say(
      '   It signed a client assertion with PHI_HOME/partners/demo/private.jwk; the token endpoint checked',
    );
    say('   it against the registered public key, remembered its jti, and issued an ES256 token for 300 s.');

    step(3, 'Submit two FHIR bundles and one X12 837 claim');
    say('   Each request carries Content-Digest (SHA-256 of the exact bytes) and a detached JWS over them.');
    const submitted: { name: string; id: string }[] = [];
    for (const file of [
      'fhir/Bundle-bundle-transaction.json',
      'fhir/Bundle-10bb101f-a121-4264-a920-67be9cb82c74.json',
      'x12/demo.example1.837',
    ]) {
      const res = await client.submit(await fixture(file));
      const id = (res.json as { submissionId?: string }).submissionId;
      if (res.status !== 202 || !id)
        throw new CliError(`demo: ${file} was not accepted (HTTP ${res.status})`);
      const stored = await deps.objects.get(`raw/demo/${id}`);
      submitted.push({ name: path.basename(file), id });
      say(`   ${path.basename(file)}: 202 accepted, submission ${id}`);
      say(
        `     kept as ${stored?.body.byteLength ?? 0} bytes of ciphertext at raw/demo/${id} (envelope-encrypted)`,
      );
      if (res.claim) {
        const ack = await client.acknowledgement(id, '999');
        say(
          `     its 999 (GET /v1/submissions/${id}/acknowledgement): ${verdictOf999(ack.text) ?? 'unreadable'}`,
        );
      }
    }
    say('   A claim file with a defect is refused with where it is, never what it says:');
    const claim = (await fixture('x12/demo.example1.837')).toString('latin1');
    const broken = Buffer.from(
      claim
        .replace(/\*\d{9}\*0\*T\*/, '*000000777*0*T*')
        .replace('NM1*IL*1*SMITH*', 'NM1*IL*1**')
        .replace(/IEA\*1\*\d{9}/, 'IEA*1*000000777'),
      'latin1',
    );
    const refusedClaim = await client.submit(broken);
    const issue = (refusedClaim.json as { issue?: { expression?: string[]; diagnostics?: string }[] })
      .issue?.[0];
    say(
      `   HTTP ${refusedClaim.status} invalid-claim at ${issue?.expression?.[0] ?? '?'}: ${issue?.diagnostics ?? ''}`,
    );

    step(4, 'A request changed in transit is refused, and changes nothing');
    const original = await fixture('fhir/Bundle-bundle-transaction.json');
    const changed = Buffer.from(original);
    changed[changed.length - 2] = 0x20;
    const rawBefore = (await deps.objects.list('raw/')).length;
    const refused = await httpsRequest(`${stack.url}/v1/bundles`, {
      method: 'POST',
      ca: await readFile(stack.caPath, 'utf8'),
      headers: {
        Authorization: `Bearer ${await client.accessToken()}`,
        'Content-Type': 'application/fhir+json',
        'Content-Digest': contentDigestHeader(original),
        'X-JWS-Signature': await signDetached(
          original,
          JSON.parse(await readFile(stack.demoKeyPath, 'utf8')) as JWK,
        ),
      },
      body: changed,
    });
    const code = (
      JSON.parse(refused.body.toString()) as { issue?: { details?: { coding?: { code?: string }[] } }[] }
    ).issue?.[0]?.details?.coding?.[0]?.code;
    say(
      `   One byte changed after signing: HTTP ${refused.status} ${code}. Objects under raw/ before and after:`,
    );
    say(
      `   ${rawBefore} and ${(await deps.objects.list('raw/')).length}; the refusal is one record in the audit log.`,
    );

    step(5, 'The workers deliver each submission to every consumer whose contract takes it');
    for (const s of submitted) {
      const status = await waitFor(client, s.id, settled, `delivery of ${s.name}`);
      say(`   ${s.name}: ${describe(status)}`);
    }
    say('   Each consumer got its own copy: de-identified by its contract, encrypted under its own key with');
    say(
      '   its own encryption context at consumers/<consumer>/<id>, and one notification on notify-<consumer>.',
    );

    step(6, 'Consumer "analytics" reads its copies (what `phi consume analytics` does)');
    const out = path.join(home, 'out', 'analytics');
    const summary = await consumeNotifications(deps, {
      consumer: 'analytics',
      output: directoryOutput(out),
      once: true,
    });
    say(
      `   ${summary.written} file(s) written to ${out}, each decrypted with the analytics key only and its sha256`,
    );
    say('   checked against the notification before the notification was deleted.');
    const [first] = (await readdir(out)).sort();
    if (first) {
      const text = await readFile(path.join(out, first), 'utf8');
      const patient =
        text.split('\n').find((l) => l.includes('"resourceType":"Patient"')) ?? text.split('\n')[0] ?? '';
      say(`   ${first}, its Patient (Safe Harbor: no name, no address, birth year only, pseudonymous id):`);
      say(`     ${patient.length > 240 ? `${patient.slice(0, 240)}…` : patient}`);
      const source = original.toString('utf8');
      const family = /"family":\s*"([^"]+)"/.exec(source)?.[1];
      if (family)
        say(
          `   The source's family name ${JSON.stringify(family)} appears in the output: ${text.includes(family)}.`,
        );
    }

    step(7, 'A consumer with a broken contract: dead-lettered, fixed, replayed');
    const contractFile = path.join(home, 'contracts', 'quality.json');
    const contract = {
      schemaVersion: 1,
      name: 'quality',
      version: '1.0.0',
      extends: 'safe-harbor',
      output: { format: 'ndjson' },
    };
    await writeFile(contractFile, JSON.stringify({ ...contract, output: { format: 'ndjsn' } }));
    say(
      '   An operator adds contracts/quality.json with a typo (output.format "ndjsn"), then a bundle arrives.',
    );
    const res = await client.submit(await fixture('fhir/Bundle-10bb101f-a121-4264-a920-67be9cb82c74.json'), {
      idempotencyKey: 'demo-quality-1',
    });
    const qid = (res.json as { submissionId: string }).submissionId;
    const dead = await waitFor(
      client,
      qid,
      (s) =>
        s.consumers.some((c) => c.id === 'quality' && c.status === 'dead-lettered') &&
        s.consumers.every((c) => c.status !== 'processing'),
      'dead-lettering of the quality share',
    );
    say(`   ${qid}: ${describe(dead)}`);
    say('   The other consumers were not held up. `phi dlq list` shows (ids and reason codes only):');
    for (const d of await listDeadLetters(deps)) {
      say(
        `     ${d.messageId} ${d.queue} reason=${d.reason} receives=${d.receiveCount} age=${formatAge(d.ageSeconds)}${d.consumer ? ` consumer=${d.consumer}` : ''}`,
      );
    }
    await writeFile(contractFile, JSON.stringify(contract));
    say('   The operator fixes the contract and runs `phi dlq replay --all --ticket DEMO-1`:');
    const replay = await replayDeadLetters(deps, {
      selection: { kind: 'all' },
      dryRun: false,
      operator: 'demo-operator',
      ticket: 'DEMO-1',
    });
    for (const r of replay.results) say(`     ${r.outcome} ${r.messageId} → ${r.sourceQueue}`);
    const healed = await waitFor(client, qid, (s) => s.status === 'delivered', 'delivery after the replay');
    say(`   ${qid}: ${describe(healed)}`);
    const again = await replayDeadLetters(deps, {
      selection: { kind: 'all' },
      dryRun: false,
      operator: 'demo-operator',
      ticket: 'DEMO-1',
    });
    say(
      `   Replaying again moves ${again.results.length} message(s); quality has ${(await deps.objects.list('consumers/quality/')).length} object(s) for it: no duplicates.`,
    );
  } finally {
    client.close();
    await stack.close();
  }

  step(8, 'The audit log is a hash chain (what `phi audit verify` does)');
  const verified = await deps.auditLog.verify();
  if (!verified.ok) throw new CliError('demo: the audit chain did not verify');
  say(
    `   ${verified.count} records in PHI_HOME/audit/*.jsonl, each holding the SHA-256 of the one before: ok.`,
  );
  const auditDir = path.join(home, 'audit');
  const [file] = (await readdir(auditDir)).filter((f) => f.endsWith('.jsonl')).sort();
  if (file) {
    const full = path.join(auditDir, file);
    const text = await readFile(full, 'utf8');
    const at = text.indexOf('"outcome":"success"');
    await writeFile(
      full,
      `${text.slice(0, at)}"outcome":"sUccess"${text.slice(at + '"outcome":"success"'.length)}`,
    );
    const broken = await deps.auditLog.verify();
    if (broken.ok) throw new CliError('demo: a changed audit record went unnoticed');
    say(
      `   Change one byte of one record, and verification fails at ${path.basename(broken.broken.file)} line ${broken.broken.line} (${broken.broken.reason}).`,
    );
    await writeFile(full, text);
  }
  say(
    '\nDone: every step above ran the real pipeline. `npm start` runs it for good; the README has every verb.',
  );
}
