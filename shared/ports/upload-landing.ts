/**
 * The landing zone of bulk uploads (SPEC §5 `POST /v1/uploads`): where a partner PUTs each declared
 * file straight from its own machine, through a URL this port signs, before the pipeline verifies it.
 * On AWS a presigned S3 PUT into `uploads/…` (SSE-KMS at rest); on the embedded default a signed URL on
 * the local HTTPS host, streamed to disk and encrypted at rest. Either refuses a body whose SHA-256 is
 * not the signed one (S3 `400 BadDigest`) and keeps nothing of it. Keys hold ids only.
 *
 * A large file may also go as an S3 multipart upload (docs/uploads.md "Multipart"): parts PUT to their
 * own signed URLs, each with its own signed SHA-256, so an interrupted upload resumes at the parts
 * still missing. The whole file's SHA-256 is then checked only by the pipeline's verification.
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

export interface MultipartOptions {
  /** The whole file's size: parts are `partBytes` each, the last one what remains. */
  readonly bytes: number;
  readonly partBytes: number;
  /** Base64 SHA-256 of each part in order, as the partner signed them in the manifest. */
  readonly partSha256: readonly string[];
  readonly expiresAt: Date;
}

export interface PresignedRequest {
  readonly url: string;
  readonly method: 'PUT' | 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
}

export interface PresignedMultipart {
  /** One signed UploadPart per part (1-based `partNumber`), each requiring its part's size and SHA-256. */
  readonly parts: readonly (PresignedRequest & { readonly partNumber: number })[];
  /** S3 ListParts: which parts are already there (XML `ListPartsResult`, at most 1000 parts). */
  readonly listParts: PresignedRequest;
  /** S3 CompleteMultipartUpload: the XML list of parts with their ETags and checksums as the body. */
  readonly complete: PresignedRequest;
}

export interface UploadLanding {
  presignPut(key: string, options: PresignOptions): Promise<PresignedUpload>;
  /** Starts a multipart upload at `key` (SHA-256 part checksums, encrypted at rest) and returns its id. */
  createMultipart(key: string): Promise<string>;
  presignMultipart(key: string, uploadId: string, options: MultipartOptions): Promise<PresignedMultipart>;
  /** Drops an unfinished multipart upload and its parts. Idempotent: an unknown or finished one succeeds. */
  abortMultipart(key: string, uploadId: string): Promise<void>;
  /** The landed file's plaintext as a stream, or undefined when nothing landed at `key`. */
  open(key: string): Promise<AsyncIterable<Uint8Array> | undefined>;
  exists(key: string): Promise<boolean>;
  /** Idempotent: deleting a missing key succeeds. */
  delete(key: string): Promise<void>;
}

/** The size of part `partNumber` (1-based) of a file of `bytes` cut in `partBytes` parts. */
export function partSize(bytes: number, partBytes: number, partNumber: number): number {
  return Math.min(partBytes, bytes - (partNumber - 1) * partBytes);
}

/** How many parts a file of `bytes` has when cut in `partBytes` parts. */
export const partCount = (bytes: number, partBytes: number): number => Math.ceil(bytes / partBytes);
