import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SIGNAL_RULES,
  SignalDetector,
  type SignalInput,
  type SignalRule,
} from '../../shared/core/signals/index.js';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

const refused = (ms: number, code: string, partner?: string, sourceIp = '198.51.100.7'): SignalInput => ({
  time: at(ms),
  actor: partner ? { type: 'partner', id: partner } : { type: 'anonymous', id: 'unknown' },
  action: 'submission.rejected',
  outcome: 'failure',
  code,
  sourceIp,
});
const accepted = (time: number, partner = 'acme'): SignalInput => ({
  time: new Date(time).toISOString(),
  actor: { type: 'partner', id: partner },
  action: 'submission.accepted',
  outcome: 'success',
  sourceIp: '198.51.100.7',
});
const rule = (name: string): SignalRule[] => DEFAULT_SIGNAL_RULES.filter((r) => r.name === name);

describe('count rules', () => {
  it('fire per partner on the failure that crosses the threshold, once per window', () => {
    const detector = new SignalDetector(rule('auth-failures-partner'));
    const records = Array.from({ length: 12 }, (_, i) => refused(i * 1000, 'unauthenticated', 'acme'));
    const signals = detector.feed(records);
    expect(signals).toHaveLength(1);
    expect(signals[0]).toMatchObject({
      v: 1,
      type: 'signal',
      signal: 'auth-failures-partner',
      key: { kind: 'partner', id: 'acme' },
      count: 6,
      threshold: 5,
      time: at(5000),
      codes: ['unauthenticated'],
      window: { seconds: 300, to: at(5000) },
    });
    // After the window, the burst still going on fires again.
    expect(detector.feed([refused(306_000, 'unauthenticated', 'acme')])).toHaveLength(1);
  });

  it('do not fire for failures spread wider than the window, nor for other codes or partners', () => {
    const detector = new SignalDetector(rule('auth-failures-partner'));
    const spread = Array.from({ length: 20 }, (_, i) => refused(i * 61_000, 'unauthenticated', 'acme'));
    expect(detector.feed(spread)).toEqual([]);
    const mixed = [
      ...Array.from({ length: 5 }, (_, i) => refused(2_000_000 + i, 'unauthenticated', 'acme')),
      ...Array.from({ length: 5 }, (_, i) => refused(2_000_000 + i, 'invalid-fhir', 'acme')),
      ...Array.from({ length: 5 }, (_, i) => refused(2_000_000 + i, 'unauthenticated', 'other')),
    ];
    expect(detector.feed(mixed)).toEqual([]);
  });

  it('count anonymous failures per source address', () => {
    const detector = new SignalDetector(rule('auth-failures-source-ip'));
    const burst = Array.from({ length: 11 }, (_, i) =>
      refused(i, 'unauthenticated', undefined, '203.0.113.9'),
    );
    const signals = detector.feed(burst);
    expect(signals.map((s) => [s.signal, s.key.kind, s.key.id, s.count])).toEqual([
      ['auth-failures-source-ip', 'sourceIp', '203.0.113.9', 11],
    ]);
  });

  it('signature and digest failures are separate signals of every signature-*/digest-* code', () => {
    const detector = new SignalDetector();
    const codes = ['signature-invalid', 'signature-stale', 'signature-key-unknown', 'signature-missing'];
    const digests = ['digest-mismatch', 'digest-missing', 'digest-malformed', 'digest-unsupported'];
    const signals = detector.feed([
      ...codes.map((code, i) => refused(i, code, 'acme')),
      ...digests.map((code, i) => refused(10 + i, code, 'acme')),
    ]);
    expect(signals.map((s) => s.signal)).toEqual(['signature-failures', 'digest-failures']);
    expect(signals[0]?.codes).toEqual([...codes].sort());
    expect(signals[1]?.codes).toEqual([...digests].sort());
  });
});

describe('volume spike', () => {
  it("fires against the partner's own baseline, not against a fixed number", () => {
    const detector = new SignalDetector(rule('volume-spike'));
    // A week of 20 submissions per 5 minutes: 10x that is 200.
    const week = 7 * 24 * 3_600_000;
    const steady: SignalInput[] = [];
    for (let t = 0; t < week - 300_000; t += 15_000) steady.push(accepted(T0 + t));
    expect(detector.feed(steady)).toEqual([]);
    const start = T0 + week;
    const burst = Array.from({ length: 201 }, (_, i) => accepted(start + i * 100));
    const signals = detector.feed(burst);
    expect(signals).toHaveLength(1);
    expect(signals[0]).toMatchObject({
      signal: 'volume-spike',
      key: { id: 'acme' },
      threshold: 200,
      count: 201,
    });
  });

  it('needs at least minCount submissions when there is no history', () => {
    const detector = new SignalDetector(rule('volume-spike'));
    expect(detector.feed(Array.from({ length: 100 }, (_, i) => accepted(T0 + i)))).toEqual([]);
    expect(detector.feed([accepted(T0 + 100)])).toHaveLength(1);
  });
});

describe('off hours', () => {
  it('fires for a submission in an hour the partner never used, once it has history', () => {
    const detector = new SignalDetector(rule('off-hours'));
    const history: SignalInput[] = [];
    // Ten days of office hours: 09:00-16:59 UTC, one submission every 20 minutes.
    for (let day = 0; day < 10; day++) {
      for (let m = 9 * 60; m < 17 * 60; m += 20)
        history.push(accepted(T0 - 10 * 3_600_000 + day * 86_400_000 + m * 60_000));
    }
    expect(detector.feed(history)).toEqual([]);
    const night = Date.parse('2026-12-11T03:00:00Z');
    const signals = detector.feed([accepted(night)]);
    expect(signals.map((s) => s.signal)).toEqual(['off-hours']);
    const morning = Date.parse('2026-12-11T10:00:00Z');
    expect(detector.feed([accepted(morning)])).toEqual([]);
  });
});

describe('queue rules', () => {
  it('fire for any dead letter, an old one, and a deliver queue that falls behind', () => {
    const detector = new SignalDetector();
    const now = new Date(T0);
    const signals = detector.queues(
      [
        { queue: 'ingest-dlq', kind: 'dead-letter', depth: 2, oldestAgeSeconds: 90_000 },
        { queue: 'deliver-analytics', kind: 'deliver', depth: 1001, oldestAgeSeconds: 60 },
        { queue: 'deliver-billing', kind: 'deliver', depth: 3, oldestAgeSeconds: 901 },
        { queue: 'ingest', kind: 'work', depth: 5000, oldestAgeSeconds: 5000 },
      ],
      now,
    );
    expect(signals.map((s) => `${s.signal} ${s.key.id} ${s.count}`)).toEqual([
      'dlq-depth ingest-dlq 2',
      'dlq-age ingest-dlq 90000',
      'consumer-lag-depth deliver-analytics 1001',
      'consumer-lag-age deliver-billing 901',
    ]);
    expect(detector.queues([{ queue: 'ingest-dlq', kind: 'dead-letter', depth: 0 }], now)).toEqual([]);
  });
});
