/**
 * The landing zone of bulk uploads (SPEC §5 `POST /v1/uploads`): where a partner PUTs each declared
 * file straight from its own machine, through a URL this port signs, before the pipeline verifies it.
 * On AWS a presigned S3 PUT into `uploads/…` (SSE-KMS at rest); on the embedded default a signed URL on
 * the local HTTPS host, streamed to disk and encrypted at rest. Either refuses a body whose SHA-256 is
 * not the signed one (S3 `400 BadDigest`) and keeps nothing of it. Keys hold ids only.
 */
export interface PresignOptions {
  /** Base64 of the file's SHA-256: the upload must carry it as `x-amz-checksum-sha256` and match it. */
  readonly checksumSha256: string;
  /** The declared size; a body of any other size is refused. */
  readonly bytes: number;
  /** After this the URL is refused (at most 15 minutes ahead). */
  readonly expiresAt: Date;
}

export interface PresignedUpload {
  readonly url: string;
  /** Headers the PUT must carry exactly (at least `x-amz-checksum-sha256`). */
  readonly headers: Readonly<Record<string, string>>;
}

export interface UploadLanding {
  presignPut(key: string, options: PresignOptions): Promise<PresignedUpload>;
  /** The landed file's plaintext as a stream, or undefined when nothing landed at `key`. */
  open(key: string): Promise<AsyncIterable<Uint8Array> | undefined>;
  exists(key: string): Promise<boolean>;
  /** Idempotent: deleting a missing key succeeds. */
  delete(key: string): Promise<void>;
}
