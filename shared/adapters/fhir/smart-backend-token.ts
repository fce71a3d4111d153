import { clientAssertion } from '../../core/auth/sign-client-assertion.js';
import type { Clock } from '../../ports/clock.js';
import type { FhirDeliveryConfig } from '../../ports/fhir-delivery.js';
import { deliveryFailure, unreachable } from './delivery-failure.js';

/** Renew a token this long before it expires, so a request never starts with a token about to lapse. */
const RENEW_MARGIN_MS = 60_000;
/** When the server does not say how long a token lives (RFC 6749 makes expires_in optional). */
const DEFAULT_LIFETIME_S = 300;

interface CachedToken {
  readonly accessToken: string;
  readonly renewAt: number;
}

/**
 * SMART Backend Services (client_credentials + private_key_jwt, RFC 7523) access tokens, cached per
 * (token URL, client, scope, key) until shortly before they expire. Errors carry status codes only.
 */
export class SmartBackendTokens {
  private readonly cache = new Map<string, Promise<CachedToken>>();

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {}

  async token(config: FhirDeliveryConfig): Promise<string> {
    const key = cacheKey(config);
    const cached = this.cache.get(key);
    if (cached) {
      const token = await cached.catch(() => undefined);
      if (token && token.renewAt > this.clock.now().getTime()) return token.accessToken;
      if (this.cache.get(key) === cached) this.cache.delete(key);
    }
    return (await (this.cache.get(key) ?? this.startFetch(key, config))).accessToken;
  }

  private startFetch(key: string, config: FhirDeliveryConfig): Promise<CachedToken> {
    const pending = this.fetchToken(config);
    this.cache.set(key, pending);
    // A failed fetch is not remembered: the next delivery asks again.
    pending.catch(() => {
      if (this.cache.get(key) === pending) this.cache.delete(key);
    });
    return pending;
  }

  /** The server refused a token we thought valid (revoked, clock skew): drop it so the next call asks anew. */
  forget(config: FhirDeliveryConfig): void {
    this.cache.delete(cacheKey(config));
  }

  private async fetchToken(config: FhirDeliveryConfig): Promise<CachedToken> {
    const now = this.clock.now();
    const jwk = config.keyId === undefined ? config.privateJwk : { ...config.privateJwk, kid: config.keyId };
    const assertion = await clientAssertion(config.clientId, jwk, config.tokenUrl, { now });
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: config.scope,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
    let response: Response;
    try {
      response = await fetch(config.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch {
      throw unreachable('token');
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    if (!response.ok) throw deliveryFailure('token', response.status);
    const { access_token: accessToken, expires_in: expiresIn } = (body ?? {}) as Record<string, unknown>;
    if (typeof accessToken !== 'string' || accessToken.length === 0) {
      throw deliveryFailure('token', response.status, 'the token response has no access_token');
    }
    const lifetimeMs =
      (typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn : DEFAULT_LIFETIME_S) * 1000;
    // A short-lived token is still used at least once; the margin never makes it "expired" on arrival.
    const renewAt = now.getTime() + Math.max(lifetimeMs - RENEW_MARGIN_MS, lifetimeMs / 2);
    return { accessToken, renewAt };
  }
}

const cacheKey = (c: FhirDeliveryConfig): string =>
  JSON.stringify([c.tokenUrl, c.clientId, c.scope, c.keyId ?? '', c.privateJwk.kid ?? '']);
