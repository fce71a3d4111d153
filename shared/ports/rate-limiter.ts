export interface RateDecision {
  readonly allowed: boolean;
  /** Whole seconds until a request would be allowed again (Retry-After). */
  readonly retryAfterSeconds: number;
}

/** Per-partner request budget. */
export interface RateLimiter {
  take(partnerId: string): Promise<RateDecision>;
}
