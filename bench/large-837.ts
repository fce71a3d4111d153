/**
 * A large, valid 837 for the X12 bench: the first claim family (one subscriber HL with its patient
 * HL and claim) of a sample file repeated with fresh HL numbers and claim numbers, split into
 * transaction sets of at most 5,000 claims (the guides' limit), with correct SE01, GE01 and IEA01.
 * Yields text chunks so a 100 MB file never sits in memory whole.
 */
export function* large837(sample: string, targetBytes: number): Generator<string> {
  const terminator = sample[105] ?? '~';
  const element = sample[3] ?? '*';
  const segments = sample
    .split(terminator)
    .map((s) => s.replace(/^[\r\n]+/, ''))
    .filter((s) => s.length > 0);
  const id = (s: string) => s.slice(0, s.indexOf(element));
  const firstSubscriber = segments.findIndex((s) => id(s) === 'HL' && s.split(element)[3] === '22');
  const se = segments.findIndex((s) => id(s) === 'SE');
  const isa = segments[0] as string;
  const gs = segments[1] as string;
  const st = segments[2] as string;
  // BHT through the billing provider loop: the part of a transaction set that does not repeat.
  const head = segments.slice(3, firstSubscriber);
  const family = segments.slice(firstSubscriber, se);
  const end = (s: string) => `${s}${terminator}\n`;
  const isa13 = isa.split(element)[13] ?? '000000001';
  const gs06 = gs.split(element)[6] ?? '1';

  let written = 0;
  const emit = (text: string) => {
    written += text.length;
    return text;
  };
  yield emit(end(isa) + end(gs));
  let sets = 0;
  let claim = 0;
  while (written < targetBytes) {
    sets++;
    const control = String(sets).padStart(4, '0');
    const stElements = st.split(element);
    stElements[2] = control;
    const lines = [stElements.join(element), ...head];
    yield emit(lines.map(end).join(''));
    let hl = 1;
    let count = lines.length;
    for (let i = 0; i < 5000 && written < targetBytes; i++) {
      claim++;
      const renumber = new Map<string, string>();
      const chunk: string[] = [];
      for (const segment of family) {
        const parts = segment.split(element);
        if (parts[0] === 'HL') {
          hl++;
          renumber.set(parts[1] ?? '', String(hl));
          parts[1] = String(hl);
          parts[2] = renumber.get(parts[2] ?? '') ?? '1';
        } else if (parts[0] === 'CLM') {
          parts[1] = `C${claim}`;
        }
        chunk.push(end(parts.join(element)));
      }
      count += family.length;
      yield emit(chunk.join(''));
    }
    yield emit(end(`SE${element}${count + 1}${element}${control}`));
  }
  yield emit(end(`GE${element}${sets}${element}${gs06}`) + end(`IEA${element}1${element}${isa13}`));
}
