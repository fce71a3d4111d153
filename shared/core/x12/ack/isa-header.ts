import { ISA_LENGTH } from '../tokenize.js';
import type { AcknowledgedInterchange } from './x12-writer.js';

/**
 * The ISA's addressing read straight from its fixed-width bytes, for when the interchange cannot be
 * read any further (bad counts, a broken GS, a truncated file): a rejecting TA1 still needs someone to
 * go to. Undefined when even the ISA is not the 106 fixed-width characters that say who sent it.
 */

/** Offsets of ISA05..ISA15 once the element separator at offset 3 is known. */
const FIELDS = {
  senderQualifier: [32, 34],
  sender: [35, 50],
  receiverQualifier: [51, 53],
  receiver: [54, 69],
  date: [70, 76],
  time: [77, 81],
  control: [90, 99],
  usage: [102, 103],
} as const;

/** Where the element separator must sit: before ISA01..ISA16. */
const SEPARATORS = [3, 6, 17, 20, 31, 34, 50, 53, 69, 76, 81, 83, 89, 99, 101, 103] as const;

const PRINTABLE = /^[\x20-\x7e]*$/;

export function readIsaHeader(bytes: Uint8Array): AcknowledgedInterchange | undefined {
  if (bytes.length < ISA_LENGTH) return undefined;
  const isa = String.fromCharCode(...bytes.subarray(0, ISA_LENGTH));
  if (!isa.startsWith('ISA') || !PRINTABLE.test(isa)) return undefined;
  const separator = isa.charAt(3);
  if (/[A-Za-z0-9 ]/.test(separator) || SEPARATORS.some((at) => isa.charAt(at) !== separator))
    return undefined;
  const field = (name: keyof typeof FIELDS): string => isa.slice(FIELDS[name][0], FIELDS[name][1]).trim();
  const header = {
    control: field('control'),
    senderQualifier: field('senderQualifier'),
    sender: field('sender'),
    receiverQualifier: field('receiverQualifier'),
    receiver: field('receiver'),
    date: field('date'),
    time: field('time'),
    usage: field('usage'),
  };
  const addressed = [header.sender, header.receiver, header.senderQualifier, header.receiverQualifier];
  if (addressed.some((v) => v.length === 0 || v.includes(separator))) return undefined;
  return header;
}
