/**
 * One error base with stable codes. Every failure the pipeline raises on purpose is a `PipelineError`
 * (or a subclass) whose code is one of `AnyErrorCode`; the edges map codes to outcomes and nothing else
 * does: HTTP in shared/runtime/http-response.ts (SPEC §3 codes exposed, anything else a bare 500), SQS
 * in shared/runtime/sqs-handler.ts (`retryable` retries, anything else is dead-lettered with its code),
 * and the CLI's exit codes in cli/cli-error.ts (`usage` is 2, anything else 1). Messages and details are
 * PHI-free by rule: they name headers, paths and limits, never submitted values.
 */
export const ERROR_CODES = {
  unauthenticated: { status: 401, issue: 'login' },
  'insufficient-scope': { status: 403, issue: 'forbidden' },
  /** SPEC §5: authenticated, but no active BAA, revoked, or calling from outside its allow-list. */
  'partner-not-authorized': { status: 403, issue: 'forbidden' },
  'unsupported-media-type': { status: 415, issue: 'not-supported' },
  'payload-too-large': { status: 413, issue: 'too-long' },
  'digest-missing': { status: 400, issue: 'required' },
  'digest-unsupported': { status: 400, issue: 'not-supported' },
  'digest-malformed': { status: 400, issue: 'structure' },
  'digest-mismatch': { status: 400, issue: 'invalid' },
  'signature-missing': { status: 400, issue: 'required' },
  'signature-malformed': { status: 400, issue: 'structure' },
  'signature-invalid': { status: 400, issue: 'security' },
  'signature-key-unknown': { status: 400, issue: 'security' },
  'signature-alg-rejected': { status: 400, issue: 'security' },
  'signature-stale': { status: 400, issue: 'security' },
  'invalid-json': { status: 400, issue: 'structure' },
  'invalid-x12': { status: 400, issue: 'structure' },
  'invalid-fhir': { status: 422, issue: 'invalid' },
  'invalid-claim': { status: 422, issue: 'invalid' },
  /** Not in SPEC §3's table: a `POST /v1/uploads` manifest that parses but breaks its schema (docs/uploads.md). */
  'invalid-manifest': { status: 422, issue: 'invalid' },
  'idempotency-key-reused': { status: 422, issue: 'conflict' },
  /** Not in SPEC §3's table: a malformed Idempotency-Key header needs its own specific answer. */
  'idempotency-key-invalid': { status: 400, issue: 'value' },
  /** Not in SPEC §3's table: HTTP framing the edge cannot parse at all. */
  'bad-request': { status: 400, issue: 'structure' },
  'rate-limited': { status: 429, issue: 'throttled' },
  'not-found': { status: 404, issue: 'not-found' },
  internal: { status: 500, issue: 'exception' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Codes of failures inside the pipeline (workers, stores, crypto, contracts), never sent to partners as such. */
export type InternalCode =
  | 'crypto-context-mismatch'
  | 'crypto-failed'
  | 'store-conflict'
  | 'store-unavailable'
  | 'queue-unavailable'
  | 'contract-invalid'
  | 'config-invalid'
  | 'content-invalid'
  /** A consumer's delivery target refused the delivery for good (an HTTP 4xx other than 408/429). */
  | 'delivery-rejected'
  /** A consumer's delivery target could not be reached or failed transiently; retried. */
  | 'delivery-unavailable'
  /**
   * SPEC §5: a de-identified copy failed the release gate (it still held a value its contract removes,
   * or broke the contract's promise); never delivered. Details name the path and kind, never the value.
   */
  | 'residual-phi';

export interface ErrorDetails {
  /** FHIRPath-like location of the offending element; never its value. */
  readonly expression?: string;
  /**
   * Every defect found, each as an OperationOutcome issue: where (`expression`) and which rule,
   * never a value. The first one is also the error's own `expression` and message.
   */
  readonly outcomeIssues?: readonly { readonly expression: string; readonly diagnostics: string }[];
  /**
   * A refused X12 file's rejecting TA1 or 999, sent as the body instead of the OperationOutcome to a
   * partner that asked for `Accept: application/edi-x12` (SPEC §5). It holds control data, no PHI.
   */
  readonly acknowledgement?: string;
  /** Extra response headers the edge must send with this error (e.g. Want-Content-Digest). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly [key: string]: unknown;
}

/** RFC 6749 §5.2 token endpoint errors: their own wire format. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_scope'
  | 'unsupported_grant_type';

/**
 * Why `phi consume` refused a notification: reported per message, audited (`consumer.decrypt`), and
 * the message is left on its queue for the dead-letter queue.
 */
export type ConsumeRefusalCode =
  /** Not JSON, not the SPEC §4 notification, or ids that are not plain ids. */
  | 'notification-invalid'
  | 'consumer-mismatch'
  /** The key is not `consumers/<consumer>/<submissionId>.<ext>`. */
  | 'key-outside-consumer'
  | 'bucket-mismatch'
  | 'object-missing'
  | 'crypto-failed'
  | 'crypto-context-mismatch'
  | 'size-mismatch'
  | 'sha256-mismatch'
  /** DIR already holds a different file of that name. */
  | 'file-conflict'
  | 'write-failed'
  | 'internal';

/** The `phi` CLI's own failures: `usage` (exit code 2) and a failed operation (exit code 1). */
export type CliCode = 'usage' | 'cli-failed';

export type AnyErrorCode = ErrorCode | InternalCode | OAuthErrorCode | ConsumeRefusalCode | CliCode;

export class PipelineError extends Error {
  override readonly name: string = 'PipelineError';
  constructor(
    readonly code: AnyErrorCode,
    message: string,
    readonly options: { retryable?: boolean; details?: ErrorDetails; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
  get retryable(): boolean {
    return this.options.retryable ?? false;
  }
  get details(): ErrorDetails | undefined {
    return this.options.details;
  }
}

/** A partner request refused with one of the SPEC §3 codes. */
export class RequestRejectedError extends PipelineError {
  override readonly name = 'RequestRejectedError';
  constructor(code: ErrorCode, message: string, details?: ErrorDetails) {
    super(code, message, details ? { details } : {});
  }
  get status(): number {
    return ERROR_CODES[this.code as ErrorCode].status;
  }
}

export const reject = (code: ErrorCode, message: string, details?: ErrorDetails): RequestRejectedError =>
  new RequestRejectedError(code, message, details);

export class OAuthError extends PipelineError {
  override readonly name = 'OAuthError';
  /**
   * `audit`: the code (and details) the audit record carries when it says more than the wire may (SPEC
   * §5: a partner refused by governance is `invalid_client` to the client, `partner-not-authorized` in
   * the log).
   */
  constructor(
    readonly oauthCode: OAuthErrorCode,
    message: string,
    audit?: { readonly code: ErrorCode; readonly details?: ErrorDetails },
  ) {
    super(audit?.code ?? oauthCode, message, audit?.details === undefined ? {} : { details: audit.details });
  }
  get status(): number {
    return this.oauthCode === 'invalid_client' ? 401 : 400;
  }
}

export const isPipelineError = (e: unknown): e is PipelineError => e instanceof PipelineError;
