import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../cli/program.js';

describe('Command: phi demo', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  it('runs the whole tour on a throwaway PHI_HOME and exits 0', async () => {
    // Prepare
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });

    // Act
    await runCli(['node', 'phi', 'demo']);

    // Assess
    const text = out.join('');
    expect(process.exitCode ?? 0).toBe(0);
    expect(text).toMatch(/202 accepted, submission [0-9a-f-]{36}/);
    expect(text).toContain('HTTP 400 digest-mismatch');
    expect(text).toMatch(
      /Bundle-bundle-transaction\.json: delivered: analytics delivered, billing delivered, research delivered/,
    );
    expect(text).toContain('appears in the output: false');
    expect(text).toMatch(/deliver-quality-dlq reason=contract-invalid/);
    expect(text).toMatch(/replayed [0-9a-f-]{36} → deliver-quality/);
    expect(text).toMatch(/quality delivered/);
    expect(text).toContain('Replaying again moves 0 message(s); quality has 1 object(s)');
    expect(text).toMatch(/records in PHI_HOME\/audit\/\*\.jsonl.*: ok\./);
    expect(text).toMatch(/verification fails at \d{4}-\d{2}-\d{2}\.jsonl line \d+ \(hash-mismatch\)/);
  }, 120_000);
});
