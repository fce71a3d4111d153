/**
 * Ascending event times (epoch ms) kept for a bounded span: counts over `(from, to]` by binary search.
 * Records arrive in audit-chain order, which concurrent writers may leave a few ms out of time order;
 * an earlier time is filed at the end as if it were the latest, which miscounts by at most that skew.
 */
export class SlidingTimes {
  private times: number[] = [];
  private start = 0;

  constructor(private readonly keepMs: number) {}

  add(time: number): void {
    const last = this.times[this.times.length - 1];
    this.times.push(last !== undefined && time < last ? last : time);
    const cutoff = time - this.keepMs;
    while (this.start < this.times.length && (this.times[this.start] ?? 0) <= cutoff) this.start += 1;
    // Drop the expired head now and then: amortised O(1), no unbounded growth.
    if (this.start > 1024 && this.start * 2 > this.times.length) {
      this.times = this.times.slice(this.start);
      this.start = 0;
    }
  }

  /** Index of the first kept time greater than `time`. */
  private after(time: number): number {
    let lo = this.start;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.times[mid] ?? 0) <= time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** How many kept times fall in `(from, to]`. */
  count(from: number, to: number): number {
    return Math.max(0, this.after(to) - this.after(from));
  }

  /** The kept times in `(from, to]`, oldest first. */
  between(from: number, to: number): number[] {
    return this.times.slice(this.after(from), this.after(to));
  }
}
