import type { DeidEngine } from '../core/deid/engine.js';
import { assertReleasable, createReleaseGate } from '../core/deid/gate/gate.js';
import type { TransformReport } from '../core/deid/report.js';
import { DEFAULT_JSON_LIMITS, type JsonLimits, parseSafeJson } from '../core/json/safe-json.js';

/**
 * What a share's input may be: the original, which the door bounded and validated, or a claim file
 * mapped to FHIR, several times its X12 size (a 1 MB 837 maps to a Bundle over the door's 5 MiB).
 * The parser's structural limits stay; only size and entry count follow what the door let in.
 */
const SHARE_LIMITS: Readonly<JsonLimits> = Object.freeze({
  ...DEFAULT_JSON_LIMITS,
  maxBytes: Number.MAX_SAFE_INTEGER,
  maxArrayLength: 10_000_000,
});

export interface DeidentifiedShare {
  readonly output: Record<string, unknown>;
  readonly report: TransformReport;
  /**
   * The release gate over exactly what would be released, against the identifying values of the
   * share's own input: throws `residual-phi` (not retryable) naming the first path and kind.
   */
  assertReleasable(outputs: Iterable<readonly [string, unknown]>): void;
}

/** One consumer's share of a submission, de-identified, with the gate that must pass before release. */
export function deidentifyShare(engine: DeidEngine, plaintext: Uint8Array): DeidentifiedShare {
  const input = parseSafeJson(plaintext, SHARE_LIMITS);
  const { output, report } = engine.deidentifyBundle(input);
  const gate = createReleaseGate(engine.contract);
  const values = gate.collect(input);
  return {
    output,
    report,
    assertReleasable: (outputs) => assertReleasable(gate, values, outputs, 'consumer copy'),
  };
}
