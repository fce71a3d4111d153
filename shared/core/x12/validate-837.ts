import type { TransactionGuide } from './guide/model.js';
import type { PlacedSegment } from './read-model.js';
import type { IssueCollector } from './reader-issues.js';

/**
 * Checks of an 837 beyond one segment, as the TR3s state them:
 * - SNIP 3 balancing: CLM02 (total claim charge) equals the sum of the service line charges
 *   (SV102 in the 837P, SV203 in the 837I), compared in exact cents;
 * - SNIP 4 situations: the patient loop 2000C is sent only when the patient is not the subscriber
 *   (SBR02 empty), SBR02 is `18` when no 2000C follows, and PAT in 2000B only when the subscriber
 *   is the patient.
 * HL numbering and parent links are checked for every guide by the loop walker.
 */

/** Per-transaction-set state of the 837 situational checks. */
export interface SetRules {
  segment(placed: PlacedSegment): void;
  /** The set ends (SE, or its trailer is missing). */
  end(): void;
}

/** The rules for a guide's transaction sets, or undefined when it has none here. */
export function setRulesFor(guide: TransactionGuide, issues: IssueCollector): SetRules | undefined {
  if (guide.transactionSet !== '837') return undefined;
  return new Claim837Rules(guide.name === '837I' ? 'SV2' : 'SV1', guide.name === '837I' ? 3 : 2, issues);
}

/** Balancing codes: IK4 `I12` is the 999's "implementation pattern match failure". */
const BALANCE_CODE = 'I12';
/** IK3 `I9`: implementation dependent "not used" segment present; IK4 `I9`: dependent element missing. */
const SITUATION_CODE = 'I9';

class ClaimBalance {
  sum = 0;
  lines = 0;
  constructor(
    readonly position: number,
    readonly total: number | undefined,
  ) {}
}

class Claim837Rules implements SetRules {
  private claim: ClaimBalance | undefined;
  /** SBR02 of the open 2000B, and where its SBR sits. */
  private sbr02: string | undefined;
  private sbrPosition = 0;
  private subscriberChecked = false;

  constructor(
    private readonly lineSegment: string,
    private readonly lineAmount: number,
    private readonly issues: IssueCollector,
  ) {}

  segment(s: PlacedSegment): void {
    const id = s.id;
    if (this.claim !== undefined && (id === 'CLM' || !s.loopPath.includes('2300'))) this.closeClaim();
    switch (id) {
      case 'HL':
        if (s.loop === '2000B') {
          this.sbr02 = undefined;
          this.sbrPosition = 0;
          this.subscriberChecked = false;
        } else if (s.loop === '2000C' && this.sbr02 === '18') {
          this.issues.segment(
            4,
            SITUATION_CODE,
            { loop: '2000C', segment: 'HL', position: s.position },
            'The patient loop 2000C is sent only when the patient is not the subscriber (SBR02 is 18).',
          );
        }
        return;
      case 'SBR':
        if (s.loop === '2000B') {
          this.sbr02 = s.elements[2] ?? '';
          this.sbrPosition = s.position;
        }
        return;
      case 'PAT':
        if (s.loop === '2000B' && this.sbr02 !== '18') {
          this.issues.segment(
            4,
            SITUATION_CODE,
            { loop: '2000B', segment: 'PAT', position: s.position },
            'PAT is sent in loop 2000B only when the subscriber is the patient (SBR02 18).',
          );
        }
        return;
      case 'CLM':
        if (s.loop === '2300') {
          if (!s.loopPath.includes('2000C') && !this.subscriberChecked && this.sbrPosition > 0) {
            this.subscriberChecked = true;
            if (this.sbr02 !== '18') {
              this.issues.segment(
                4,
                SITUATION_CODE,
                { loop: '2000B', segment: 'SBR', position: this.sbrPosition },
                'SBR02 must be 18 (the subscriber is the patient) when no patient loop 2000C follows.',
                2,
              );
            }
          }
          this.claim = new ClaimBalance(s.position, cents(s.elements[2]));
        }
        return;
      default:
        if (id === this.lineSegment && s.loop === '2400' && this.claim !== undefined) {
          const amount = cents(s.elements[this.lineAmount]);
          this.claim.lines++;
          if (amount === undefined) this.claim.sum = Number.NaN;
          else this.claim.sum += amount;
        }
    }
  }

  end(): void {
    if (this.claim !== undefined) this.closeClaim();
  }

  private closeClaim(): void {
    const claim = this.claim as ClaimBalance;
    this.claim = undefined;
    // Malformed amounts are the element checks' findings; balancing needs both numbers.
    if (claim.total === undefined || Number.isNaN(claim.sum) || claim.lines === 0) return;
    if (claim.total !== claim.sum) {
      this.issues.segment(
        3,
        BALANCE_CODE,
        { loop: '2300', segment: 'CLM', position: claim.position },
        `CLM02 (total claim charge) does not equal the sum of the service line charges (${this.lineSegment}0${this.lineAmount}).`,
        2,
      );
    }
  }
}

/**
 * A decimal amount in hundredths of a cent, exactly (no floating-point sums): `-12.5` → -125000.
 * Undefined when it is not a decimal with at most four fraction digits.
 */
export function cents(value: string | undefined): number | undefined {
  if (value === undefined || value.length === 0 || value.length > 18) return undefined;
  let sign = 1;
  let i = 0;
  if (value.charCodeAt(0) === 0x2d) {
    sign = -1;
    i = 1;
  }
  let whole = 0;
  let fraction = 0;
  let fractionDigits = -1;
  let digits = 0;
  for (; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x2e) {
      if (fractionDigits >= 0) return undefined;
      fractionDigits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      digits++;
      if (fractionDigits < 0) whole = whole * 10 + (c - 0x30);
      else if (fractionDigits < 4) {
        fraction = fraction * 10 + (c - 0x30);
        fractionDigits++;
      } else if (c !== 0x30) return undefined;
    } else return undefined;
  }
  if (digits === 0) return undefined;
  const scale = [10_000, 1000, 100, 10, 1][Math.max(fractionDigits, 0)] as number;
  return sign * (whole * 10_000 + fraction * scale);
}
