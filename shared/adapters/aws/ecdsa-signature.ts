import { PipelineError } from '../../core/errors.js';

const malformed = (why: string): PipelineError =>
  new PipelineError('crypto-failed', why, { details: { rule: 'ecdsa-der' } });

/**
 * ECDSA signatures from DER (what KMS Sign returns: SEQUENCE { INTEGER r, INTEGER s }) to the IEEE
 * P1363 form JWS uses (r || s, each left-padded to the curve size). Strict: anything but one
 * well-formed SEQUENCE of two positive minimal INTEGERs that fit the curve is refused.
 */
export function derToP1363(der: Uint8Array, size = 32): Uint8Array {
  let at = 0;
  const byte = (): number => {
    const value = der[at];
    if (value === undefined) throw malformed('DER signature is truncated');
    at += 1;
    return value;
  };
  const length = (): number => {
    const first = byte();
    if (first < 0x80) return first;
    // Long form with one length byte, the only one a P-256..P-521 signature can need.
    if (first !== 0x81) throw malformed('DER signature has an unsupported length form');
    const value = byte();
    if (value < 0x80) throw malformed('DER signature length is not minimal');
    return value;
  };
  const integer = (): Uint8Array => {
    if (byte() !== 0x02) throw malformed('DER signature member is not an INTEGER');
    const len = length();
    if (len === 0 || at + len > der.length) throw malformed('DER INTEGER has a bad length');
    const bytes = der.subarray(at, at + len);
    at += len;
    const [first = 0, second = 0] = bytes;
    if (first & 0x80) throw malformed('DER INTEGER is negative');
    if (first === 0 && len > 1 && !(second & 0x80)) throw malformed('DER INTEGER is not minimal');
    const value = first === 0 && len > 1 ? bytes.subarray(1) : bytes;
    if (value.length > size) throw malformed('DER INTEGER is larger than the curve');
    return value;
  };

  if (byte() !== 0x30) throw malformed('DER signature is not a SEQUENCE');
  const sequenceLength = length();
  if (at + sequenceLength !== der.length) throw malformed('DER signature has trailing or missing bytes');
  const r = integer();
  const s = integer();
  if (at !== der.length) throw malformed('DER SEQUENCE has extra members');

  const out = new Uint8Array(2 * size);
  out.set(r, size - r.length);
  out.set(s, 2 * size - s.length);
  return out;
}
