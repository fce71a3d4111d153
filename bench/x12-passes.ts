/**
 * The passes the X12 bench times, each over the same chunks and each returning the segments it saw.
 * `floor` is the least any reader must do: decode the bytes and split them on the segment terminator
 * and the element separator, as the ISA declares them.
 */
type Source = () => AsyncIterable<Uint8Array>;

async function floor(source: Source): Promise<number> {
  const decoder = new TextDecoder('latin1');
  let carry = '';
  let terminator = '';
  let separator = '';
  let segments = 0;
  let elements = 0;
  for await (const chunk of source()) {
    const text = carry + decoder.decode(chunk, { stream: true });
    if (terminator === '') {
      if (text.length < 106) {
        carry = text;
        continue;
      }
      separator = text[3] as string;
      terminator = text[105] as string;
    }
    const parts = text.split(terminator);
    carry = parts.pop() ?? '';
    for (const segment of parts) {
      elements += segment.split(separator).length;
      segments++;
    }
  }
  return elements > 0 ? segments : 0;
}

export const x12Passes: Record<string, ((source: Source) => Promise<number>) | undefined> = { floor };
