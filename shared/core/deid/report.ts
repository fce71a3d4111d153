/**
 * What a de-identification run did, for audit and for the consumer: counts per rule and element path,
 * resources out by type, resources dropped by type. Never a value, never an id, never an extension URL
 * (a partner could write anything there); unknown resource types are counted as `(unknown)`.
 */
export interface TransformReport {
  contract: string;
  contractVersion: string;
  profile: string;
  keyId: string;
  /** `${rule}:${path}` → n, e.g. `generalize-year:Observation.effectiveDateTime`. */
  counts: Record<string, number>;
  resourceCounts: Record<string, number>;
  dropped: Record<string, number>;
}

/** Rules, and the security label each one earns the resource it touched. */
export const RULE_LABELS = {
  pseudonymize: 'PSEUDED',
  'date-shift': 'PSEUDED',
  'generalize-year': 'ABSTRED',
  'generalize-zip3': 'ABSTRED',
  'generalize-age90': 'ABSTRED',
  deny: 'REDACTED',
  drop: 'REDACTED',
  'backstop-drop': 'REDACTED',
  'unknown-element': 'REDACTED',
  'extension-drop': 'REDACTED',
  'reference-drop': 'REDACTED',
  'phi-check-drop': 'REDACTED',
  'contained-drop': 'REDACTED',
  'invalid-drop': 'REDACTED',
  'media-parameters-drop': 'REDACTED',
  'data-absent': 'REDACTED',
  scrub: 'REDACTED',
  substitute: 'REDACTED',
} as const;

export type Rule = keyof typeof RULE_LABELS;

export class ReportBuilder {
  /** rule → path → n; two lookups on interned strings instead of a concatenated key per hit. */
  private readonly counts = new Map<Rule, Map<string, number>>();
  private readonly resources = new Map<string, number>();
  private readonly droppedTypes = new Map<string, number>();

  count(rule: Rule, path: string, n = 1): void {
    let byPath = this.counts.get(rule);
    if (byPath === undefined) {
      byPath = new Map();
      this.counts.set(rule, byPath);
    }
    byPath.set(path, (byPath.get(path) ?? 0) + n);
  }

  resourceOut(type: string): void {
    this.resources.set(type, (this.resources.get(type) ?? 0) + 1);
  }

  resourceDropped(type: string): void {
    this.droppedTypes.set(type, (this.droppedTypes.get(type) ?? 0) + 1);
  }

  build(head: Pick<TransformReport, 'contract' | 'contractVersion' | 'profile' | 'keyId'>): TransformReport {
    const flat = new Map<string, number>();
    for (const [rule, byPath] of this.counts) for (const [path, n] of byPath) flat.set(`${rule}:${path}`, n);
    return {
      ...head,
      counts: sorted(flat),
      resourceCounts: sorted(this.resources),
      dropped: sorted(this.droppedTypes),
    };
  }
}

const sorted = (map: ReadonlyMap<string, number>): Record<string, number> =>
  Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Sums reports of the same contract and key (one per NDJSON line, or per file). */
export function mergeReports(reports: readonly TransformReport[]): TransformReport | undefined {
  const first = reports[0];
  if (first === undefined) return undefined;
  const add = (target: Map<string, number>, source: Record<string, number>) => {
    for (const [k, v] of Object.entries(source)) target.set(k, (target.get(k) ?? 0) + v);
  };
  const counts = new Map<string, number>();
  const resources = new Map<string, number>();
  const dropped = new Map<string, number>();
  for (const r of reports) {
    add(counts, r.counts);
    add(resources, r.resourceCounts);
    add(dropped, r.dropped);
  }
  return {
    contract: first.contract,
    contractVersion: first.contractVersion,
    profile: first.profile,
    keyId: first.keyId,
    counts: sorted(counts),
    resourceCounts: sorted(resources),
    dropped: sorted(dropped),
  };
}
