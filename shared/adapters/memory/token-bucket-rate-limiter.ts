import type { Clock, RateDecision, RateLimiter } from '../../ports/index.js';

/**
 * Per-partner token buckets in process memory: right for one local host. On AWS the API's stage
 * throttling and per-route limits play this part.
 */
export class TokenBucketRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly clock: Clock,
  ) {}

  async take(partnerId: string): Promise<RateDecision> {
    const now = this.clock.now().getTime();
    const b = this.buckets.get(partnerId) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.ratePerSecond);
    b.at = now;
    this.buckets.set(partnerId, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { allowed: true, retryAfterSeconds: 0 };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / this.ratePerSecond)) };
  }
}
