/**
 * Child process of the resume tests against moto_server: runs phi submit's part uploader
 * (cli/upload-parts.ts) over an upload answer written to a job file, with the CLI's own transport
 * and resume state, so the parent can SIGKILL it mid-upload and run it again. Run with
 * `node --import tsx`. Prints `done <parts resumed>` at the end.
 *
 *   upload-parts-child.ts JOB.json
 */
import { readFile } from 'node:fs/promises';
import { landingRequest, streamRequest } from '../../cli/client/https-request.js';
import { type PartsFile, type PartsOffer, sendInParts } from '../../cli/upload-parts.js';
import { UploadState } from '../../cli/upload-state.js';

interface Job {
  readonly file: PartsFile;
  readonly offer: PartsOffer;
  readonly manifest: string;
  readonly submissionId: string;
  readonly expiresAt: string;
  readonly stateDir: string;
}

const job = JSON.parse(await readFile(process.argv[2] ?? '', 'utf8')) as Job;
const state = await UploadState.open(
  job.stateDir,
  Buffer.from(job.manifest),
  job.submissionId,
  job.expiresAt,
);
const sent = await sendInParts(
  {
    putUpload: (url, headers, body) => streamRequest(url, { method: 'PUT', headers, body }),
    landingRequest: (url, method, headers, body) =>
      landingRequest(url, { method, headers, ...(body === undefined ? {} : { body }) }),
  },
  job.file,
  0,
  job.offer,
  state,
  { advance: () => {}, finish: () => {} },
  {
    attempts: 2,
    expiresAt: Date.parse(job.expiresAt),
    now: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    // One part at a time, so the parent sees the upload half done.
    concurrency: 1,
  },
);
process.stdout.write(`done ${sent.resumed}\n`);
