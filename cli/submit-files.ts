import { readFile } from 'node:fs/promises';
import type { PartnerClient } from './client/partner-client.js';

export interface SubmitResult {
  readonly file: string;
  readonly httpStatus?: number;
  readonly submissionId?: string;
  readonly status?: string;
  readonly error?: string;
}

const CONCURRENCY = 4;

/** Submits files a few at a time; results come back in the order of the files. */
export async function submitFiles(
  client: PartnerClient,
  files: readonly string[],
  onResult: (result: SubmitResult, done: number) => void,
): Promise<SubmitResult[]> {
  const results: SubmitResult[] = new Array(files.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      const file = files[i] as string;
      results[i] = await submitOne(client, file);
      done += 1;
      onResult(results[i] as SubmitResult, done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, files.length) }, worker));
  return results;
}

async function submitOne(client: PartnerClient, file: string): Promise<SubmitResult> {
  try {
    const res = await client.submit(await readFile(file));
    const json = (res.json ?? {}) as {
      submissionId?: string;
      status?: string;
      issue?: { details?: { coding?: { code?: string }[] } }[];
    };
    if (res.status === 200 || res.status === 202) {
      return {
        file,
        httpStatus: res.status,
        submissionId: json.submissionId ?? '',
        status: json.status ?? 'accepted',
      };
    }
    const code = json.issue?.[0]?.details?.coding?.[0]?.code ?? `http-${res.status}`;
    return { file, httpStatus: res.status, error: code };
  } catch (e) {
    return { file, error: e instanceof Error ? e.message : String(e) };
  }
}
