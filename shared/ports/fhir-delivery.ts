import type { Jwk } from './jwk.js';

/** One consumer's FHIR server and SMART Backend Services client, from its contract and its secret key. */
export interface FhirDeliveryConfig {
  /** FHIR base URL; transactions are POSTed to it. */
  readonly baseUrl: string;
  /** The authorization server's token endpoint (client_credentials with private_key_jwt). */
  readonly tokenUrl: string;
  /** The client id the FHIR server registered the pipeline under: `iss` and `sub` of the assertion. */
  readonly clientId: string;
  /** Space-separated SMART scopes to ask for, e.g. `system/*.write`. */
  readonly scope: string;
  /** `kid` to put in the assertion header when the server knows the key by another id than its own. */
  readonly keyId?: string;
  /** The client's private signing key (with `alg` and `kid`); never in a contract or a log. */
  readonly privateJwk: Jwk;
}

export interface FhirTransactionResult {
  /** HTTP status of the transaction response (2xx). */
  readonly status: number;
  /** Entries in the transaction-response Bundle. */
  readonly entryCount: number;
}

/**
 * Posts FHIR `transaction` Bundles to a consumer's FHIR server. Failures are PipelineErrors carrying
 * status codes only (a server's OperationOutcome can echo the content it refused):
 * `delivery-rejected` (permanent: an HTTP 4xx other than 408/429, from the token endpoint or the
 * server) or `delivery-unavailable` (retryable: network errors, timeouts, 5xx, 408, 429).
 */
export interface FhirDeliveryTarget {
  postTransaction(
    config: FhirDeliveryConfig,
    bundle: Record<string, unknown>,
  ): Promise<FhirTransactionResult>;
}
