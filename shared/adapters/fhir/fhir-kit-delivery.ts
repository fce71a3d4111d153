import type { Client, FhirResource } from 'fhir-kit-client';
import type { Clock } from '../../ports/clock.js';
import type {
  FhirDeliveryConfig,
  FhirDeliveryTarget,
  FhirTransactionResult,
} from '../../ports/fhir-delivery.js';
import { deliveryFailure, unreachable } from './delivery-failure.js';
import { SmartBackendTokens } from './smart-backend-token.js';

export interface FhirKitDeliveryOptions {
  readonly clock: Clock;
  /** Per HTTP request (token or transaction), well inside the deliver function's 60 s; a timeout is retried. */
  readonly timeoutMs?: number;
}

/**
 * FhirDeliveryTarget over fhir-kit-client 2 (which POSTs `transaction` Bundles to the base URL) with
 * SMART Backend Services tokens. fhir-kit-client's errors carry the response body and the request
 * headers (the bearer token), so they are never rethrown, logged or kept as a cause: only the status
 * code leaves this module. Its own debug logging (`DEBUG=fhir-kit-client:*`) prints bodies and
 * headers and must stay off wherever real data flows.
 */
export class FhirKitDelivery implements FhirDeliveryTarget {
  private readonly tokens: SmartBackendTokens;
  private readonly timeoutMs: number;

  constructor(opts: FhirKitDeliveryOptions) {
    this.timeoutMs = opts.timeoutMs ?? 20_000;
    this.tokens = new SmartBackendTokens(opts.clock, this.timeoutMs);
  }

  async postTransaction(
    config: FhirDeliveryConfig,
    bundle: Record<string, unknown>,
  ): Promise<FhirTransactionResult> {
    const first = await this.attempt(config, bundle);
    if (first.kind === 'done') return first.result;
    if (first.status !== 401) throw deliveryFailure('transaction', first.status);
    // A token the server no longer accepts (revoked, restarted server): one more try with a fresh one.
    this.tokens.forget(config);
    const second = await this.attempt(config, bundle);
    if (second.kind === 'done') return second.result;
    throw deliveryFailure('transaction', second.status);
  }

  private async attempt(
    config: FhirDeliveryConfig,
    bundle: Record<string, unknown>,
  ): Promise<{ kind: 'done'; result: FhirTransactionResult } | { kind: 'failed'; status: number }> {
    const bearerToken = await this.tokens.token(config);
    // Loaded at the first delivery, not with the composition root every CLI verb builds (issue 11).
    const { Client: FhirClient } = await import('fhir-kit-client');
    const client = new FhirClient({
      baseUrl: config.baseUrl,
      bearerToken,
      requestOptions: { redirect: 'error' },
    });
    const body = { ...bundle, resourceType: 'Bundle' };
    let response: FhirResource;
    try {
      response = await client.transaction({
        body,
        options: { signal: AbortSignal.timeout(this.timeoutMs) },
      });
    } catch (error) {
      const status = httpStatusOf(error);
      if (status === undefined) throw unreachable('transaction');
      // A 2xx whose body is not JSON: the server applied the transaction; only its answer is odd.
      if (status >= 200 && status < 300) return { kind: 'done', result: { status, entryCount: 0 } };
      return { kind: 'failed', status };
    }
    const entries = Array.isArray(response.entry) ? response.entry.length : 0;
    return { kind: 'done', result: { status: statusOf(FhirClient, response) ?? 200, entryCount: entries } };
  }
}

/** fhir-kit-client rejects with `{ response: { status, data } }` for HTTP errors; anything else is a network error. */
function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('response' in error)) return undefined;
  const response = (error as { response?: unknown }).response;
  if (typeof response !== 'object' || response === null) return undefined;
  const status = (response as { status?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

/** The HTTP status of a successful response, from the Response fhir-kit-client attaches to it. */
const statusOf = (client: typeof Client, resource: FhirResource): number | undefined =>
  client.httpFor(resource).response?.status;
