import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** One part the landing zone acknowledged: its ETag (unquoted) and the SHA-256 it was signed with. */
export interface SentPart {
  readonly eTag: string;
  readonly checksumSha256: string;
}

interface StateDoc {
  version: 1;
  submissionId: string;
  expiresAt: string;
  /** By manifest index: the multipart upload and the parts already sent to it. */
  files: Record<string, { uploadId: string; partBytes: number; parts: Record<string, SentPart> }>;
}

/**
 * What `phi submit` remembers of a bulk upload in parts while it runs, so a run after an interruption
 * (Ctrl-C, a dropped network, a killed process) can say where it stands: the submission id, and per
 * file index its upload id and the parts sent with their ETags and checksums. No file names, paths or
 * content: the file is named after the SHA-256 of the signed manifest (`<dir>/<hex>.json`, mode 0600),
 * and removed once every file is complete. The landing zone's own part listing stays the truth: a
 * part is skipped only when ListParts shows it.
 */
export class UploadState {
  private doc: StateDoc;
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    doc: StateDoc,
    /** Parts the previous run had recorded, by file index, when this run resumes one. */
    readonly resumed: ReadonlyMap<number, number>,
  ) {
    this.doc = doc;
  }

  static fileFor(dir: string, manifest: Uint8Array): string {
    return path.join(dir, `${createHash('sha256').update(manifest).digest('hex')}.json`);
  }

  /** The state of this manifest's submission, picking up what an interrupted run left. */
  static async open(
    dir: string,
    manifest: Uint8Array,
    submissionId: string,
    expiresAt: string,
  ): Promise<UploadState> {
    const file = UploadState.fileFor(dir, manifest);
    let previous: StateDoc | undefined;
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as StateDoc;
      if (parsed?.version === 1 && parsed.submissionId === submissionId) previous = parsed;
    } catch {
      previous = undefined;
    }
    await UploadState.dropTemps(file);
    const resumed = new Map(
      Object.entries(previous?.files ?? {}).map(([index, f]) => [Number(index), Object.keys(f.parts).length]),
    );
    return new UploadState(file, previous ?? { version: 1, submissionId, expiresAt, files: {} }, resumed);
  }

  /** A run killed while saving leaves its temp file; the next run removes it. */
  private static async dropTemps(file: string): Promise<void> {
    const base = `${path.basename(file)}.`;
    const names = await readdir(path.dirname(file)).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.startsWith(base) && n.endsWith('.tmp'))) {
      await rm(path.join(path.dirname(file), name), { force: true });
    }
  }

  get submissionId(): string {
    return this.doc.submissionId;
  }

  partsOf(index: number, uploadId: string): ReadonlyMap<number, SentPart> {
    const f = this.doc.files[String(index)];
    if (f === undefined || f.uploadId !== uploadId) return new Map();
    return new Map(Object.entries(f.parts).map(([n, p]) => [Number(n), p]));
  }

  /** Records a sent part (written before the next part starts, so a kill loses at most the parts in flight). */
  sent(
    index: number,
    uploadId: string,
    partBytes: number,
    partNumber: number,
    part: SentPart,
  ): Promise<void> {
    const key = String(index);
    const f = this.doc.files[key];
    if (f === undefined || f.uploadId !== uploadId) this.doc.files[key] = { uploadId, partBytes, parts: {} };
    (this.doc.files[key] as StateDoc['files'][string]).parts[String(partNumber)] = part;
    return this.save();
  }

  /** A file completed: nothing of it is needed any more; the state file goes with the last one. */
  completed(index: number): Promise<void> {
    delete this.doc.files[String(index)];
    return Object.keys(this.doc.files).length === 0 ? this.remove() : this.save();
  }

  remove(): Promise<void> {
    this.writing = this.writing.then(() => rm(this.file, { force: true }));
    return this.writing;
  }

  private save(): Promise<void> {
    const text = JSON.stringify(this.doc);
    this.writing = this.writing.then(async () => {
      await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
      const temp = `${this.file}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(temp, text, { mode: 0o600 });
      await rename(temp, this.file);
    });
    return this.writing;
  }
}
