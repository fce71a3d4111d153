/**
 * Child process for the multi-process and crash tests of the embedded adapters. Compiled to JS by
 * build-embedded.ts and run with plain node. Prints one line per completed operation; never exits on
 * its own in `crash-writer` mode (the parent SIGKILLs it).
 *
 *   audit HOME ACTOR COUNT          waits for "go" on stdin, appends COUNT records: "ack <seq> <hash>"
 *   audit-burst HOME ACTOR COUNT    the same, five appends at a time; a failed one prints "failed <message>"
 *   receive HOME QUEUE              waits for "go", receives until empty: "got <messageId>"
 *   crash-writer HOME RUN           writes objects, messages and audit records forever: "ack <kind> ..."
 */
import { once } from 'node:events';
import { FileAuditSink, FileObjectStore, SqliteQueue } from '../../shared/adapters/embedded/index.js';
import { crashBody } from './crash-body.js';

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function ready(): Promise<void> {
  say('ready');
  await once(process.stdin, 'data');
  process.stdin.destroy();
}

async function audit(home: string, actor: string, count: number, together = 1): Promise<void> {
  const sink = new FileAuditSink(home);
  await ready();
  for (let i = 0; i < count; i += together) {
    await Promise.all(
      Array.from({ length: Math.min(together, count - i) }, (_, j) =>
        sink
          .append({
            time: new Date().toISOString(),
            actor: { type: 'system', id: actor },
            action: 'test.append',
            outcome: 'success',
            requestId: `${actor}-${i + j}`,
          })
          .then(
            (record) => say(`ack ${record.seq} ${record.hash}`),
            (error: unknown) => say(`failed ${error instanceof Error ? error.message : String(error)}`),
          ),
      ),
    );
  }
  sink.close();
}

async function receive(home: string, queueName: string): Promise<void> {
  const queue = new SqliteQueue(home);
  await ready();
  for (;;) {
    const batch = await queue.receive(queueName, {
      maxMessages: 1 + Math.floor(Math.random() * 10),
      visibilityTimeoutSeconds: 600,
    });
    if (batch.length === 0) break;
    for (const message of batch) say(`got ${message.messageId}`);
  }
  queue.close();
}

async function crashWriter(home: string, run: string): Promise<never> {
  const store = new FileObjectStore(home);
  const queue = new SqliteQueue(home);
  const sink = new FileAuditSink(home);
  for (let i = 0; ; i++) {
    const id = `${run}-${i}`;
    const key = `crash/${run}/${i}`;
    await Promise.all([
      store.put(key, crashBody(key), { ifAbsent: i % 2 === 0 }).then(() => say(`ack object ${key}`)),
      queue
        .send('crash', id, { attributes: { run } })
        .then(({ messageId }) => say(`ack message ${messageId} ${id}`)),
      sink
        .append({
          time: new Date().toISOString(),
          actor: { type: 'system', id: 'crash-writer' },
          action: 'test.append',
          outcome: 'success',
          requestId: id,
        })
        .then((record) => say(`ack audit ${record.seq} ${record.hash}`)),
    ]);
  }
}

const [mode, home = '', arg1 = '', arg2 = ''] = process.argv.slice(2);
if (mode === 'audit') await audit(home, arg1, Number(arg2));
else if (mode === 'audit-burst') await audit(home, arg1, Number(arg2), 5);
else if (mode === 'receive') await receive(home, arg1);
else if (mode === 'crash-writer') await crashWriter(home, arg1);
else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exitCode = 2;
}
