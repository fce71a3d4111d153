import { readFile } from 'node:fs/promises';
import { tokenizeX12 } from '../shared/core/x12/tokenize.js';
import type { PartnerClient } from './client/partner-client.js';

export interface SubmitResult {
  readonly file: string;
  readonly httpStatus?: number;
  readonly submissionId?: string;
  readonly status?: string;
  readonly error?: string;
  /** Claim files: the 999's verdict on the functional group (AK901), once the file was accepted. */
  readonly acknowledgement?: 'accepted' | 'accepted-with-errors' | 'partially-accepted' | 'rejected';
  /** Where a refused file's first defect sits (`2010BA/NM1[23]/NM109`), from the OperationOutcome. */
  readonly expression?: string;
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
