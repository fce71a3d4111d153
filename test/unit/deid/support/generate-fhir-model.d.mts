export interface FhirModelTable {
  fhirVersion: string;
  source: string;
  resourceTypes: string[];
  types: Record<string, [string, string, string, number, number][]>;
}
export function buildFhirModel(): FhirModelTable;
