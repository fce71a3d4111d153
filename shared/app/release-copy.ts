import type { DeidEngine } from '../core/deid/engine.js';
import { assertReleasable, createReleaseGate } from '../core/deid/gate/gate.js';
import type { TransformReport } from '../core/deid/report.js';
import { parseSafeJson } from '../core/json/safe-json.js';

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
  const input = parseSafeJson(plaintext);
  const { output, report } = engine.deidentifyBundle(input);
  const gate = createReleaseGate(engine.contract);
  const values = gate.collect(input);
  return {
    output,
    report,
    assertReleasable: (outputs) => assertReleasable(gate, values, outputs, 'consumer copy'),
  };
}
