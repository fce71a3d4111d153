/** One security-relevant event. Ids, codes and counts only: no field can hold submitted content. */
export interface AuditEvent {
  readonly time: string;
  readonly actor: {
    readonly type: 'partner' | 'consumer' | 'operator' | 'system' | 'anonymous';
    readonly id: string;
  };
  /** e.g. token.issued, token.refused, submission.accepted, submission.rejected, delivery, dead-letter, replay. */
  readonly action: string;
  readonly outcome: 'success' | 'failure';
  /** SPEC error code or internal reason code on failure. */
  readonly code?: string;
  readonly requestId?: string;
  readonly submissionId?: string;
  readonly sourceIp?: string;
  /** Counts, digests, ids and names of consumers or queues. */
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

export interface AuditRecord extends AuditEvent {
  readonly seq: number;
  /** SHA-256 (hex) of the previous record's canonical form; 64 zeros for the first. */
  readonly prev: string;
  /** SHA-256 (hex) of this record's canonical form without `hash`. */
  readonly hash: string;
}
