import { PipelineError } from '../../errors.js';
import type { Delimiters, InterchangeSummary } from '../read-model.js';

/**
 * The envelope and segment layer every acknowledgement (TA1, 999, 277CA) is written with: an ISA
 * addressed back to whoever sent the interchange being acknowledged, GS/ST/SE/GE/IEA with counts the
 * writer keeps itself, and a check that no value written holds a delimiter (X12 has no escape).
 * Pure: the time comes in as a parameter, never from a clock.
 */

/** What an acknowledgement needs from the interchange it answers: its addressing and control data. */
export type AcknowledgedInterchange = Pick<
  InterchangeSummary,
  'control' | 'senderQualifier' | 'sender' | 'receiverQualifier' | 'receiver' | 'date' | 'time' | 'usage'
>;

/** The `*`, `:`, `^`, `~` most partners use; an acknowledgement otherwise mirrors the input's. */
export const STANDARD_DELIMITERS: Delimiters = {
  element: '*',
  component: ':',
  repetition: '^',
  segment: '~',
};

export interface AckEnvelopeOptions {
  /** ISA13 of the acknowledgement: our own control number (1–999999999), unique per partner. */
  readonly interchangeControl: number;
  /** GS06 of the acknowledgement's functional group (999, 277CA); defaults to `interchangeControl`. */
  readonly groupControl?: number;
  /** When the acknowledgement is written: ISA09/ISA10, GS04/GS05 and dates inside, in UTC. */
  readonly now: Date;
  /** Defaults to the standard set; `acknowledgeInterchange` passes the input's, as partners expect. */
  readonly delimiters?: Delimiters;
  /** A line break after each segment terminator, for people reading the file; off by default. */
  readonly lineBreaks?: boolean;
}

/** An element is a simple value, a composite (its components), or absent. */
export type ElementValue = string | readonly string[] | undefined;

const MAX_CONTROL = 999_999_999;

function badOption(message: string, option: string): PipelineError {
  return new PipelineError('config-invalid', message, { details: { option } });
}

export function checkControl(value: number, option: string): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_CONTROL) {
    throw badOption('An acknowledgement control number must be an integer from 1 to 999999999.', option);
  }
  return value;
}

/** Delimiters an acknowledgement is written with: always a repetition separator (ISA11). */
export type OutputDelimiters = Delimiters & { readonly repetition: string };

/**
 * Picks delimiters that can be written: ISA11 must be a repetition separator in 00501, so an input
 * that had none (legacy `U`) gets the first common one its other delimiters leave free.
 */
export function outputDelimiters(wanted: Delimiters | undefined): OutputDelimiters {
  const base = wanted ?? STANDARD_DELIMITERS;
  const taken = new Set([base.element, base.component, base.segment]);
  const repetition = base.repetition ?? ['^', '|', '!', '`', '{'].find((c) => !taken.has(c)) ?? '^';
  const all = [base.element, base.component, base.segment, repetition];
  if (new Set(all).size !== all.length || all.some((c) => c.length !== 1 || /[A-Za-z0-9 ]/.test(c))) {
    throw badOption(
      'Acknowledgement delimiters must be four distinct non-alphanumeric characters.',
      'delimiters',
    );
  }
  return { element: base.element, component: base.component, segment: base.segment, repetition };
}

/** YYMMDD and HHMM (ISA09/ISA10), CCYYMMDD and HHMM (GS04/GS05), all UTC. */
export function stamp(now: Date): {
  readonly yymmdd: string;
  readonly ccyymmdd: string;
  readonly hhmm: string;
} {
  if (Number.isNaN(now.getTime())) throw badOption('The acknowledgement time is not a valid date.', 'now');
  const iso = now.toISOString();
  const ccyymmdd = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}`;
  return { yymmdd: ccyymmdd.slice(2), ccyymmdd, hhmm: `${iso.slice(11, 13)}${iso.slice(14, 16)}` };
}

/**
 * Collects one interchange's segments. Trailing empty elements and components are dropped, as X12
 * requires; a value holding a delimiter is refused rather than written (it would split the segment).
 */
export class SegmentWriter {
  private readonly segments: string[] = [];
  /** Segments since the last ST, ST included: what SE01 counts. */
  private inSet = 0;

  constructor(readonly delimiters: OutputDelimiters) {}

  segment(id: string, ...elements: readonly ElementValue[]): void {
    const written = elements.map((value, i) => this.element(id, i + 1, value));
    while (written.length > 0 && written[written.length - 1] === '') written.pop();
    this.segments.push([id, ...written].join(this.delimiters.element));
    this.inSet++;
  }

  /** The fixed-width ISA, written as is (its elements are padded, never trimmed). */
  raw(segment: string): void {
    this.segments.push(segment);
  }

  startSet(): void {
    this.inSet = 0;
  }

  /** Segments from ST through the SE about to be written. */
  setCount(): number {
    return this.inSet + 1;
  }

  text(lineBreaks = false): string {
    const end = this.delimiters.segment + (lineBreaks && this.delimiters.segment !== '\n' ? '\n' : '');
    return this.segments.map((s) => s + end).join('');
  }

  private element(id: string, position: number, value: ElementValue): string {
    if (value === undefined) return '';
    const components = typeof value === 'string' ? [value] : [...value];
    while (components.length > 1 && components[components.length - 1] === '') components.pop();
    for (const component of components) this.check(id, position, component);
    return components.join(this.delimiters.component);
  }

  private check(id: string, position: number, value: string): void {
    const { element, component, segment, repetition } = this.delimiters;
    for (const c of value) {
      if (c === element || c === component || c === segment || c === repetition || c < ' ' || c > '~') {
        // The position only: the value may be submitted data.
        throw new PipelineError('content-invalid', 'A value for an acknowledgement holds a delimiter.', {
          details: { expression: `${id}${String(position).padStart(2, '0')}` },
        });
      }
    }
  }
}

const pad = (value: string, width: number): string => value.padEnd(width, ' ').slice(0, width);

/**
 * Opens the acknowledgement interchange: ISA addressed back to the sender (sender and receiver
 * swapped), ISA14 0 (an acknowledgement asks for none), ISA15 echoing the input's usage.
 */
export function openInterchange(
  writer: SegmentWriter,
  to: AcknowledgedInterchange,
  options: AckEnvelopeOptions,
): string {
  const control = String(checkControl(options.interchangeControl, 'interchangeControl')).padStart(9, '0');
  const { yymmdd, hhmm } = stamp(options.now);
  const d = writer.delimiters;
  for (const [value, width, name] of [
    [to.receiver, 15, 'receiver'],
    [to.sender, 15, 'sender'],
    [to.receiverQualifier, 2, 'receiverQualifier'],
    [to.senderQualifier, 2, 'senderQualifier'],
  ] as const) {
    if (value.trim().length === 0 || value.length > width) {
      throw badOption('The acknowledged interchange has no usable ISA address.', name);
    }
  }
  const usage = to.usage === 'P' || to.usage === 'T' ? to.usage : 'T';
  const isa = [
    'ISA',
    '00',
    pad('', 10),
    '00',
    pad('', 10),
    pad(to.receiverQualifier, 2),
    pad(to.receiver, 15),
    pad(to.senderQualifier, 2),
    pad(to.sender, 15),
    yymmdd,
    hhmm,
    d.repetition,
    '00501',
    control,
    '0',
    usage,
    d.component,
  ].join(d.element);
  writer.raw(isa);
  return control;
}

export function closeInterchange(writer: SegmentWriter, groups: number, control: string): void {
  writer.segment('IEA', String(groups), control);
}

/** GS from us (the input's receiver) to them (the input's sender); returns GS06. */
export function openGroup(
  writer: SegmentWriter,
  to: AcknowledgedInterchange,
  functional: string,
  version: string,
  options: AckEnvelopeOptions,
): string {
  const control = String(checkControl(options.groupControl ?? options.interchangeControl, 'groupControl'));
  const { ccyymmdd, hhmm } = stamp(options.now);
  writer.segment(
    'GS',
    functional,
    to.receiver.trim(),
    to.sender.trim(),
    ccyymmdd,
    hhmm,
    control,
    'X',
    version,
  );
  return control;
}

export function closeGroup(writer: SegmentWriter, sets: number, control: string): void {
  writer.segment('GE', String(sets), control);
}

/** ST02/SE02 of the n-th set in the acknowledgement's group: `0001`, `0002`, … */
export const setControl = (ordinal: number): string => String(ordinal).padStart(4, '0');

export function openSet(writer: SegmentWriter, id: string, ordinal: number, version: string): string {
  const control = setControl(ordinal);
  writer.startSet();
  writer.segment('ST', id, control, version);
  return control;
}

export function closeSet(writer: SegmentWriter, control: string): void {
  writer.segment('SE', String(writer.setCount()), control);
}
