/**
 * Splits a byte stream into NDJSON lines (LF, with an optional CR before it) without holding more
 * than one line. A line longer than `maxLineBytes` is reported as such and skipped to its end.
 */
export type LineHandler = (line: Uint8Array, number: number) => void;

export class NdjsonLineSplitter {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private overlong = false;
  private number = 0;

  constructor(
    private readonly onLine: LineHandler,
    private readonly onOverlong: (number: number) => void,
    private readonly maxLineBytes: number,
  ) {}

  push(chunk: Uint8Array): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      if (newline < 0) {
        this.keep(chunk.subarray(start));
        return;
      }
      this.keep(chunk.subarray(start, newline));
      this.emit();
      start = newline + 1;
    }
  }

  /** Call once at the end: a last line without a newline still counts. */
  end(): void {
    if (this.pendingBytes > 0 || this.overlong) this.emit();
  }

  private keep(part: Uint8Array): void {
    if (part.byteLength === 0 || this.overlong) return;
    if (this.pendingBytes + part.byteLength > this.maxLineBytes) {
      this.overlong = true;
      this.pending = [];
      this.pendingBytes = 0;
      return;
    }
    this.pending.push(part);
    this.pendingBytes += part.byteLength;
  }

  private emit(): void {
    this.number += 1;
    if (this.overlong) {
      this.overlong = false;
      this.onOverlong(this.number);
      return;
    }
    let line =
      this.pending.length === 1 ? (this.pending[0] ?? new Uint8Array()) : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    if (line.byteLength > 0 && line[line.byteLength - 1] === 0x0d)
      line = line.subarray(0, line.byteLength - 1);
    this.onLine(line, this.number);
  }
}
