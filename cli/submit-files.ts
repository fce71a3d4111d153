import { readFile, stat } from 'node:fs/promises';
import { tokenizeX12 } from '../shared/core/x12/tokenize.js';
import { CliError } from './cli-error.js';
import type { PartnerClient } from './client/partner-client.js';
import { createProgress, formatBytes, type ProgressStream } from './progress.js';
import type { SubmitResult } from './submit-result.js';
import { submitBulk, type UploadOptions } from './upload-submission.js';

export type { SubmitResult } from './submit-result.js';

const CONCURRENCY = 4;

/**
 * The largest file POSTed directly; larger ones take the upload path. 4 MiB, the AWS API limit (the
 * embedded host takes 5 MiB), so one default works against both.
 */
export const DEFAULT_DIRECT_LIMIT = 4 * 1024 * 1024;

export interface SubmitFilesOptions {
  readonly directLimit?: number;
  /** Everything the upload path needs; without it the default progress goes nowhere. */
  readonly upload?: Partial<UploadOptions>;
}

/** A result counts as accepted when the server took it and did not fail it. */
export const accepted = (r: SubmitResult): boolean =>
  r.submissionId !== undefined &&
  r.error === undefined &&
  r.status !== 'failed' &&
  r.status !== 'dead-lettered';

/**
 * Submits files a few at a time; results come back in the order of the files. A folder, or a file above
 * the direct limit, is one bulk submission through the upload path; those go one at a time, so their
 * progress bars never interleave and the uplink is not split.
 */
export async function submitFiles(
  client: PartnerClient,
  files: readonly string[],
  onResult: (result: SubmitResult, done: number) => void,
  opts: SubmitFilesOptions = {},
): Promise<SubmitResult[]> {
  const directLimit = opts.directLimit ?? DEFAULT_DIRECT_LIMIT;
  const upload: UploadOptions = {
    progress: opts.upload?.progress ?? (() => ({ advance: () => {}, finish: () => {} })),
    waitMs: opts.upload?.waitMs ?? 300_000,
    ...opts.upload,
  };
  const results: SubmitResult[] = new Array(files.length);
  let next = 0;
  let done = 0;
  let bulkTurn: Promise<unknown> = Promise.resolve();
  const inTurn = (run: () => Promise<SubmitResult>): Promise<SubmitResult> => {
    const turn = bulkTurn.then(run);
    bulkTurn = turn.catch(() => undefined);
    return turn;
  };
  // Sizes first, so bulk submissions queue up in the order of the arguments.
  const infos = await Promise.all(files.map((f) => stat(f).catch(() => undefined)));
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      const file = files[i] as string;
      const info = infos[i];
      if (info && (info.isDirectory() || info.size > directLimit)) {
        results[i] = await inTurn(() =>
          submitBulk(client, { label: file, folder: info.isDirectory() }, upload),
        );
      } else {
        const direct = await submitOne(client, file);
        // The server's limit is lower than ours (PHI_MAX_BODY_BYTES): the upload path takes any size.
        results[i] =
          direct.httpStatus === 413 && info
            ? await inTurn(() => submitBulk(client, { label: file, folder: false }, upload))
            : direct;
      }
      done += 1;
      onResult(results[i] as SubmitResult, done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, files.length) }, worker));
  return results;
}

/** One line per submission, as `phi submit` prints it without `--json`. */
export function resultLine(r: SubmitResult): string {
  const size =
    r.files !== undefined
      ? ` (${r.files} file${r.files === 1 ? '' : 's'}, ${formatBytes(r.bytes ?? 0)})`
      : '';
  if (r.submissionId && r.failure) {
    const where = r.failure.file ? ` in ${r.failure.file}` : '';
    return `${r.file}: ${r.submissionId} failed ${r.failure.code}${where}: ${r.failure.message}${size}`;
  }
  if (r.submissionId && r.error) {
    return `${r.file}: ${r.submissionId} not sent: ${r.error}${size}; running the same command again resumes it`;
  }
  if (r.submissionId) {
    const ack = r.acknowledgement ? ` (999: ${r.acknowledgement})` : '';
    // A bulk submission still `accepted` after the wait: the files arrived, the server is verifying them.
    const pending =
      r.files !== undefined && r.status === 'accepted'
        ? `; still verifying, see phi status ${r.submissionId}`
        : '';
    return `${r.file}: ${r.submissionId} ${r.status}${ack}${size}${pending}`;
  }
  const at = r.expression ? ` at ${r.expression}` : '';
  return `${r.file}: failed (${r.httpStatus ?? 'no response'}) ${r.error}${at}`;
}

/** The progress display of the upload path on `stream` (stderr): a bar on a terminal, plain lines otherwise. */
export const progressOn =
  (stream: ProgressStream, now?: () => number): UploadOptions['progress'] =>
  (label, total) =>
    createProgress({
      label,
      total,
      stream,
      doneWord: label.startsWith('digest') ? 'read' : 'sent',
      ...(now ? { now } : {}),
    });

async function submitOne(client: PartnerClient, file: string): Promise<SubmitResult> {
  try {
    const res = await client.submit(await readFile(file));
    const json = (res.json ?? {}) as {
      submissionId?: string;
      status?: string;
      issue?: { details?: { coding?: { code?: string }[] }; expression?: string[] }[];
    };
    if (res.status === 200 || res.status === 202) {
      const submissionId = json.submissionId ?? '';
      const acknowledgement = res.claim ? await groupVerdict(client, submissionId) : undefined;
      return {
        file,
        httpStatus: res.status,
        submissionId,
        status: json.status ?? 'accepted',
        ...(acknowledgement ? { acknowledgement } : {}),
      };
    }
    const code = json.issue?.[0]?.details?.coding?.[0]?.code ?? `http-${res.status}`;
    const expression = json.issue?.[0]?.expression?.[0];
    return { file, httpStatus: res.status, error: code, ...(expression ? { expression } : {}) };
  } catch (e) {
    return { file, error: e instanceof Error ? e.message : String(e) };
  }
}

const VERDICTS = {
  A: 'accepted',
  E: 'accepted-with-errors',
  P: 'partially-accepted',
  R: 'rejected',
} as const;

/** AK901 of the 999 the pipeline made for an accepted claim file; undefined when it cannot be read. */
async function groupVerdict(
  client: PartnerClient,
  submissionId: string,
): Promise<SubmitResult['acknowledgement']> {
  const ack = await client.acknowledgement(submissionId, '999');
  return ack.status === 200 ? verdictOf999(ack.text) : undefined;
}

/** AK901 of a 999 as a word; undefined when the text is not a readable 999. */
export function verdictOf999(text: string): SubmitResult['acknowledgement'] {
  try {
    const ak9 = tokenizeX12(new TextEncoder().encode(text)).segments.find((s) => s.elements[0] === 'AK9');
    const code = ak9?.elements[1] ?? '';
    return code in VERDICTS ? VERDICTS[code as keyof typeof VERDICTS] : undefined;
  } catch {
    return undefined;
  }
}

/** A non-negative whole number option (`--direct-limit`, `--wait`); a usage error otherwise. */
export function wholeNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value.trim())) throw new CliError(`${flag} takes a whole number`, 2);
  return Number(value.trim());
}

/**
 * `phi submit`: results on stdout (one line, or one JSON object, per submission); progress on stderr,
 * a bar when it is a terminal and plain lines otherwise. Exit 1 when any submission was not accepted.
 */
export async function runSubmit(
  client: PartnerClient,
  files: readonly string[],
  opts: {
    json: boolean;
    directLimit: number;
    waitMs: number;
    /** `--part-size`: files above one part go in parts of this size (default: above 64 MiB, 16 MiB parts). */
    partBytes?: number;
    /** Where interrupted uploads in parts are remembered (`PHI_HOME/upload-state`). */
    stateDir?: string;
  },
  io: { stdout: ProgressStream; stderr: ProgressStream } = { stdout: process.stdout, stderr: process.stderr },
): Promise<SubmitResult[]> {
  const counter = files.length > 1 && io.stderr.isTTY === true;
  let drawn = false;
  const results = await submitFiles(
    client,
    files,
    (r, done) => {
      if (opts.json) io.stdout.write(`${JSON.stringify(r)}\n`);
      else io.stdout.write(`${resultLine(r)}\n`);
      if (counter) {
        io.stderr.write(`\r[${done}/${files.length}] submitted`);
        drawn = true;
      }
    },
    {
      directLimit: opts.directLimit,
      upload: {
        waitMs: opts.waitMs,
        ...(opts.partBytes === undefined
          ? {}
          : { partBytes: opts.partBytes, multipartAbove: opts.partBytes }),
        ...(opts.stateDir === undefined ? {} : { stateDir: opts.stateDir }),
        notice: (line) => {
          if (drawn) io.stderr.write('\n');
          drawn = false;
          io.stderr.write(`${line}\n`);
        },
        progress: (label, total) => {
          // The counter line and a bar share the terminal line: end the counter's line first.
          if (drawn) io.stderr.write('\n');
          drawn = false;
          return progressOn(io.stderr)(label, total);
        },
      },
    },
  );
  if (drawn) io.stderr.write('\n');
  const failed = results.filter((r) => !accepted(r)).length;
  if (failed > 0) throw new CliError(`${failed} of ${files.length} submission(s) were not accepted`);
  return results;
}
