import { PipelineError } from '../../core/errors.js';

export interface NumberedLine {
  /** 1-based, counting blank lines too, so it matches an editor's line number. */
  readonly line: number;
  /** The line without its LF (or CR LF); valid until the next line is asked for. */
  readonly bytes: Uint8Array;
}

const isBlank = (bytes: Uint8Array): boolean => {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  return true;
};

/**
 * The non-blank lines of a byte stream (NDJSON), as they complete: memory holds one chunk and at most
 * one partial line, never the file. A line longer than `maxLineBytes` is refused (`content-invalid`,
 * naming its number), so a file without newlines cannot make us hold it whole.
 */
export async function* ndjsonLines(
  chunks: AsyncIterable<Uint8Array>,
  maxLineBytes: number,
): AsyncGenerator<NumberedLine> {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let line = 0;
  const tooLong = (): PipelineError =>
    new PipelineError('content-invalid', `line ${line + 1} exceeds ${maxLineBytes} bytes`, {
      details: { line: line + 1, limit: maxLineBytes },
    });
  const finish = (tail: Uint8Array): Uint8Array => {
    const whole = pending.length === 0 ? tail : Buffer.concat([...pending, tail]);
    pending = [];
    pendingBytes = 0;
    const end =
      whole.byteLength > 0 && whole[whole.byteLength - 1] === 0x0d ? whole.byteLength - 1 : whole.byteLength;
    return whole.subarray(0, end);
  };
  for await (const chunk of chunks) {
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline >= 0; newline = chunk.indexOf(0x0a, start)) {
      if (pendingBytes + newline - start > maxLineBytes) throw tooLong();
      const bytes = finish(chunk.subarray(start, newline));
      line++;
      if (!isBlank(bytes)) yield { line, bytes };
      start = newline + 1;
    }
    if (start < chunk.byteLength) {
      pendingBytes += chunk.byteLength - start;
      if (pendingBytes > maxLineBytes) throw tooLong();
      // Copied: the producer may reuse its chunk buffers.
      pending.push(Uint8Array.prototype.slice.call(chunk, start));
    }
  }
  if (pendingBytes > 0) {
    const bytes = finish(new Uint8Array());
    line++;
    if (!isBlank(bytes)) yield { line, bytes };
  }
}
