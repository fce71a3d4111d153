import { compileSelectors } from '../compile.js';
import type { ConsumerContract } from '../contract-schema.js';
import { createReleaseGate } from '../gate/gate.js';
import { assertX12Releasable, X12ValuesCollector } from '../gate/x12.js';
import { Pseudonyms } from '../pseudonyms.js';
import type { TransformReport } from '../report.js';
import { deidentifyX12, type X12DeidServices } from './deidentify.js';

/**
 * One consumer's X12 copy of an 837, with the release gate that must pass before it leaves: what the
 * deliver worker and `phi deid` both need. The gate reads the input's PHI places on its own.
 */
export interface X12Share {
  readonly output: Uint8Array;
  readonly report: TransformReport;
  /** Throws `residual-phi` (position and kind, never a value) when the copy holds an input identifier. */
  assertReleasable(what: string): void;
}

export function deidentifyX12Share(
  contract: ConsumerContract,
  services: X12DeidServices,
  plaintext: Uint8Array,
): X12Share {
  const gate = createReleaseGate(contract);
  // The gate's values come from the same read of the input (one pass, not two), by the gate's own rules.
  const collector = new X12ValuesCollector(gate.policy);
  const { output, report } = deidentifyX12(plaintext, services, undefined, (segment) =>
    collector.push(segment),
  );
  return {
    output,
    report,
    assertReleasable(what) {
      assertX12Releasable(gate, collector.values(), output, what);
    },
  };
}

/**
 * The services an X12 copy is made with, from the same keys as the contract's FHIR copies (secret,
 * key id, contract name): a patient's pseudonyms and date shift agree whichever format they came in.
 */
export function x12DeidServices(
  contract: ConsumerContract,
  secret: Uint8Array,
  keyId: string,
  referenceDate: string,
): X12DeidServices {
  return {
    contract: compileSelectors(contract),
    pseudonyms: new Pseudonyms(secret, keyId, contract.name),
    keyId,
    referenceDate,
  };
}
