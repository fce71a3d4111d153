import { COMPONENT_LENGTHS, ELEMENT_LENGTHS } from './lengths.js';
import { forbiddenCharacters } from './separators.js';
import type { X12Separators } from './types.js';

/** An element: a simple value, a composite (components in order), or absent. */
export type ElementValue = string | readonly string[] | undefined;

const PRINTABLE = /^[\x20-\x7e]*$/;

/**
 * Writes segments with one interchange's separators and counts those of the open transaction set.
 * It refuses (throws) a value holding a delimiter or breaking its element's length: a planter bug must
 * never yield an invalid file that a test would then blame on the reader.
 */
export class SegmentWriter {
  private chunk: string[] = [];
  /** Segments since the open ST, ST included (what SE01 must equal once SE is written). */
  setSegments = 0;
  private readonly forbidden: string[];

  constructor(readonly separators: X12Separators) {
    this.forbidden = forbiddenCharacters(separators);
  }

  /** Writes one segment; trailing empty elements are dropped, as the standard requires. */
  seg(id: string, ...elements: ElementValue[]): void {
    const written = elements.map((element, i) => this.element(id, i + 1, element));
    while (written.length > 0 && written[written.length - 1] === '') written.pop();
    const { element, segment, lineBreak } = this.separators;
    this.chunk.push([id, ...written].join(element) + segment + lineBreak);
    this.setSegments++;
  }

  /** Writes a segment verbatim (the fixed-width ISA). */
  raw(text: string): void {
    this.chunk.push(text + this.separators.segment + this.separators.lineBreak);
  }

  /** Hands over what was written since the last call. */
  take(): string {
    const text = this.chunk.join('');
    this.chunk = [];
    return text;
  }

  private element(id: string, position: number, value: ElementValue): string {
    if (value === undefined) return '';
    const name = `${id}${String(position).padStart(2, '0')}`;
    if (typeof value === 'string') {
      this.check(name, value, ELEMENT_LENGTHS[name]);
      return value;
    }
    const components = value.map((component, i) => {
      this.check(`${name}-${i + 1}`, component, COMPONENT_LENGTHS[`${name}-${i + 1}`]);
      return component;
    });
    while (components.length > 0 && components[components.length - 1] === '') components.pop();
    return components.join(this.separators.component);
  }

  private check(name: string, value: string, length: readonly [number, number] | undefined): void {
    if (!PRINTABLE.test(value) || this.forbidden.some((c) => value.includes(c))) {
      throw new Error(`planter bug: ${name} holds a delimiter or a control character`);
    }
    if (length !== undefined && value !== '' && (value.length < length[0] || value.length > length[1])) {
      throw new Error(
        `planter bug: ${name} is ${value.length} characters, outside ${length[0]}-${length[1]}`,
      );
    }
  }
}
