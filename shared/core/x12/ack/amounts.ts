import { PipelineError } from '../../errors.js';

/**
 * Exact sums of X12 monetary amounts (type R, e.g. `150`, `150.5`, `-12.25`) for the 277CA's
 * accepted and rejected totals: decimal strings added as scaled integers, never as floats.
 */

const AMOUNT = /^-?(\d+)(?:\.(\d+))?$/;

export function sumAmounts(amounts: readonly string[]): string {
  let scale = 0;
  for (const amount of amounts) scale = Math.max(scale, parse(amount).decimals.length);
  let total = 0n;
  for (const amount of amounts) {
    const { negative, whole, decimals } = parse(amount);
    const value = BigInt(whole + decimals.padEnd(scale, '0'));
    total += negative ? -value : value;
  }
  return format(total, scale);
}

function parse(amount: string): { negative: boolean; whole: string; decimals: string } {
  const match = AMOUNT.exec(amount);
  if (match === null) {
    // The amount itself is never put in the error: it is submitted data.
    throw new PipelineError('content-invalid', 'A claim charge amount is not a decimal number.', {
      details: { expression: 'CLM02' },
    });
  }
  return { negative: amount.startsWith('-'), whole: match[1] ?? '0', decimals: match[2] ?? '' };
}

/** The shortest R form: no trailing zeros after the point, no point when whole. */
function format(total: bigint, scale: number): string {
  const negative = total < 0n;
  const digits = (negative ? -total : total).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction.length > 0 ? `.${fraction}` : ''}`;
}
