/** What `phi submit` reports for one submission: a direct POST, or a bulk one through the upload path. */
export interface SubmitResult {
  readonly file: string;
  readonly httpStatus?: number;
  readonly submissionId?: string;
  readonly status?: string;
  readonly error?: string;
  /** Claim files: the 999's verdict on the functional group (AK901), once the file was accepted. */
  readonly acknowledgement?: 'accepted' | 'accepted-with-errors' | 'partially-accepted' | 'rejected';
  /** Where a refused file's first defect sits (`2010BA/NM1[23]/NM109`), from the OperationOutcome. */
  readonly expression?: string;
  /** Bulk submissions (the upload path): how many files the manifest declared, and their bytes. */
  readonly files?: number;
  readonly bytes?: number;
  /** Files sent in parts: parts already in the landing zone when this run began (an interrupted run resumed). */
  readonly partsResumed?: number;
  /** A bulk submission the server failed: the SPEC §5 code, the file (its name, from the manifest index) and why. */
  readonly failure?: { readonly code: string; readonly file?: string; readonly message: string };
}
