import { type CliCode, PipelineError } from '../shared/core/errors.js';

/** The CLI edge: exit code 2 for a usage error, 1 for anything else that failed (0 is success). */
export const CLI_EXIT_CODES: Readonly<Record<CliCode, 1 | 2>> = { usage: 2, 'cli-failed': 1 };

/** A failure the CLI reports in one line; exit code 1 for a failed operation, 2 for a usage error. */
export class CliError extends PipelineError {
  override readonly name = 'CliError';
  declare readonly code: CliCode;
  constructor(message: string, exitCode: 1 | 2 = 1) {
    super(exitCode === 2 ? 'usage' : 'cli-failed', message);
  }
  get exitCode(): 1 | 2 {
    return CLI_EXIT_CODES[this.code];
  }
}

/** The exit code of a failure reaching the CLI edge: a usage error is 2; every other failure is 1. */
export const failureExitCode = (error: unknown): 1 | 2 =>
  error instanceof PipelineError && error.code === 'usage'
    ? CLI_EXIT_CODES.usage
    : CLI_EXIT_CODES['cli-failed'];
