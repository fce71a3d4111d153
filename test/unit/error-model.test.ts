import { describe, expect, it } from 'vitest';
import { CLI_EXIT_CODES, CliError, failureExitCode } from '../../cli/cli-error.js';
import { derToP1363 } from '../../shared/adapters/aws/ecdsa-signature.js';
import { OAuthError, PipelineError, reject } from '../../shared/core/errors.js';
import { errorToResponse } from '../../shared/runtime/http-response.js';

describe('Error model', () => {
  it('makes CLI failures coded PipelineErrors: usage for exit code 2, cli-failed for 1', () => {
    const usage = new CliError('give --region', 2);
    const failed = new CliError('no submission x');
    expect(usage).toBeInstanceOf(PipelineError);
    expect([usage.code, usage.exitCode, usage.name, usage.message]).toEqual([
      'usage',
      2,
      'CliError',
      'give --region',
    ]);
    expect([failed.code, failed.exitCode, failed.retryable]).toEqual(['cli-failed', 1, false]);
    expect(CLI_EXIT_CODES).toEqual({ usage: 2, 'cli-failed': 1 });
  });

  it('maps every failure reaching the CLI edge to exit code 2 for usage and 1 otherwise', () => {
    expect(failureExitCode(new CliError('bad option', 2))).toBe(2);
    expect(failureExitCode(new CliError('failed'))).toBe(1);
    expect(failureExitCode(new PipelineError('config-invalid', 'bad config'))).toBe(1);
    expect(failureExitCode(reject('not-found', 'no such submission'))).toBe(1);
    expect(failureExitCode(new TypeError('boom'))).toBe(1);
    expect(failureExitCode('a string')).toBe(1);
  });

  it('never exposes a CLI or internal code over HTTP: those are a bare 500', () => {
    for (const error of [
      new CliError('usage text', 2),
      new PipelineError('store-conflict', 'a store detail'),
      new PipelineError('notification-invalid', 'notification-invalid'),
    ]) {
      const response = errorToResponse(error);
      expect(response.statusCode).toBe(500);
      expect(response.body).not.toContain(error.message);
      expect(response.body).toContain('"code":"internal"');
    }
    expect(errorToResponse(reject('not-found', 'no such submission')).statusCode).toBe(404);
    expect(errorToResponse(new OAuthError('invalid_client', 'nope')).statusCode).toBe(401);
  });

  it('refuses a malformed DER signature with a coded crypto-failed error', () => {
    for (const hex of ['', '3106020101020101', '300602010102010100']) {
      let caught: unknown;
      try {
        derToP1363(Buffer.from(hex, 'hex'));
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(PipelineError);
      expect(caught).toMatchObject({ code: 'crypto-failed', retryable: false });
    }
  });
});
