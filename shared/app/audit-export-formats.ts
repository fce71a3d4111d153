/**
 * The formats of `phi audit export`, apart from the exporter so the CLI can offer them as choices
 * without loading the exporter and its schemas (start-up, issue 11).
 */
export type AuditExportFormat = 'fhir' | 'fhir-bundle';
export const AUDIT_EXPORT_FORMATS: readonly AuditExportFormat[] = ['fhir', 'fhir-bundle'];
