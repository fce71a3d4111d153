/**
 * Recounts SE01, GE01 and IEA01 of an X12 text and nothing else (published sample files often miscount
 * them): one segment a line, layout whitespace before a segment dropped. The delimiters are the ISA's.
 */
export function recountX12(text: string): string {
  const element = text.charAt(3);
  const terminator = text.charAt(105);
  const segments = text
    .split(terminator)
    .map((s) => s.replace(/^\s+/, ''))
    .filter((s) => s.length > 0);
  let st = 0;
  let sets = 0;
  let groups = 0;
  const repaired = segments.map((segment, i) => {
    const e = segment.split(element);
    if (e[0] === 'ISA') groups = 0;
    if (e[0] === 'GS') [groups, sets] = [groups + 1, 0];
    if (e[0] === 'ST') [st, sets] = [i, sets + 1];
    if (e[0] === 'SE') e[1] = String(i - st + 1);
    if (e[0] === 'GE') e[1] = String(sets);
    if (e[0] === 'IEA') e[1] = String(groups);
    return e.join(element);
  });
  return `${repaired.join(`${terminator}\n`)}${terminator}\n`;
}
