/**
 * Safe Harbor ZIP generalization. The output stays five digits so FHIR and X12 consumers that
 * expect a ZIP keep validating: the first three digits plus `00`, or `00000` for a restricted prefix.
 * Anything that is not a US ZIP (ZIP+4 included) is not generalizable and is dropped by the caller.
 */
const US_ZIP = /^(\d{3})\d{2}(?:-?\d{4})?$/;

export function generalizeZip(value: string, restricted: ReadonlySet<string>): string | undefined {
  const match = US_ZIP.exec(value.trim());
  const prefix = match?.[1];
  if (prefix === undefined) return undefined;
  return restricted.has(prefix) ? '00000' : `${prefix}00`;
}
