import { reject } from '../errors.js';
import { tokenizeX12, type X12Segment } from './tokenize.js';

export interface ClaimSummary {
  readonly kind: '837P' | '837I';
  /** GS08, the implementation guide version, e.g. `005010X222A1`. */
  readonly version: string;
  /** ISA13. */
  readonly interchangeControlNumber: string;
  readonly groups: number;
  readonly transactionSets: number;
  /** Number of CLM segments. */
  readonly claims: number;
}

/** GS08/ST03 implementation guides accepted on `POST /v1/claims`: 005010 837P and 837I only. */
export const ACCEPTED_837_VERSIONS: Readonly<Record<string, ClaimSummary['kind']>> = {
  '005010X222A1': '837P',
  '005010X222A2': '837P',
  '005010X223A1': '837I',
  '005010X223A2': '837I',
  '005010X223A3': '837I',
};

/**
 * The ingest door for `POST /v1/claims`: envelope syntax only (ISA/IEA, GS/GE, ST/SE, their counts
 * and control numbers, and that the content is a 005010 837). Loops and claim content are checked
 * by the worker. Throws `invalid-x12` when the bytes do not tokenize, `invalid-claim` with
 * `details.expression` naming the segment or element (never its value) when the envelope is wrong.
 * ISA15 (test/production) and ISA06 (sender) are policy, decided by the caller.
 */
export function validateX12Envelope(bytes: Uint8Array): ClaimSummary {
  const { segments } = tokenizeX12(bytes);
  return new EnvelopeReader(segments).readInterchange();
}

const CONTROL_NUMBER = /^\d{9}$/;
const GROUP_CONTROL_NUMBER = /^\d{1,9}$/;
const SET_CONTROL_NUMBER = /^[A-Za-z0-9]{4,9}$/;
const COUNT = /^\d{1,10}$/;

const invalid = (message: string, expression: string, segment: number) =>
  reject('invalid-claim', message, { expression, segment });

/** Walks the segments once, in order; `next` is the index of the segment not yet consumed. */
class EnvelopeReader {
  private next = 0;
  private version: string | undefined;
  private transactionSets = 0;
  private claims = 0;

  constructor(private readonly segments: readonly X12Segment[]) {}

  readInterchange(): ClaimSummary {
    const isa = this.take('ISA', 16);
    const isa12 = isa.elements[12] ?? '';
    const isa13 = isa.elements[13] ?? '';
    if (isa12 !== '00501') throw invalid('Only X12 005010 interchanges are accepted.', 'ISA12', 1);
    if (!CONTROL_NUMBER.test(isa13)) throw invalid('ISA13 must be nine digits.', 'ISA13', 1);

    let groups = 0;
    if (this.peek() !== 'GS') throw this.missing('GS');
    while (this.peek() === 'GS') {
      this.readGroup();
      groups++;
    }
    if (this.peek() !== 'IEA') throw this.missing(this.peek() === 'ST' ? 'GS' : 'IEA');
    const ieaAt = this.next + 1;
    const iea = this.take('IEA', 2);
    if (!sameCount(iea.elements[1], groups)) {
      throw invalid('IEA01 does not match the number of functional groups.', 'IEA01', ieaAt);
    }
    if (iea.elements[2] !== isa13) throw invalid('IEA02 does not match ISA13.', 'IEA02', ieaAt);
    if (this.next < this.segments.length) {
      // One submission is one interchange: it is what ISA13 replay checks and TA1 answers are about.
      throw invalid('Segments follow the IEA; submit one interchange per request.', 'IEA', ieaAt + 1);
    }
    const version = this.version ?? '';
    const kind = ACCEPTED_837_VERSIONS[version];
    if (kind === undefined) throw this.missing('GS');
    return {
      kind,
      version,
      interchangeControlNumber: isa13,
      groups,
      transactionSets: this.transactionSets,
      claims: this.claims,
    };
  }

  private readGroup(): void {
    const gsAt = this.next + 1;
    const gs = this.take('GS', 8);
    const [, gs01, , , , , gs06, , gs08 = ''] = gs.elements;
    if (gs01 !== 'HC') throw invalid('GS01 must be HC (health care claim).', 'GS01', gsAt);
    if (ACCEPTED_837_VERSIONS[gs08] === undefined) {
      throw invalid('GS08 is not a 005010 837P or 837I implementation guide.', 'GS08', gsAt);
    }
    if (this.version !== undefined && this.version !== gs08) {
      throw invalid('All functional groups must use the same GS08.', 'GS08', gsAt);
    }
    this.version = gs08;
    if (gs06 === undefined || !GROUP_CONTROL_NUMBER.test(gs06)) {
      throw invalid('GS06 must be a group control number.', 'GS06', gsAt);
    }

    let sets = 0;
    if (this.peek() !== 'ST') throw this.missing('ST');
    while (this.peek() === 'ST') {
      this.readTransactionSet(gs08);
      sets++;
    }
    if (this.peek() !== 'GE') throw this.missing('GE');
    const geAt = this.next + 1;
    const ge = this.take('GE', 2);
    if (!sameCount(ge.elements[1], sets)) {
      throw invalid('GE01 does not match the number of transaction sets.', 'GE01', geAt);
    }
    if (ge.elements[2] !== gs06) throw invalid('GE02 does not match GS06.', 'GE02', geAt);
  }

  private readTransactionSet(version: string): void {
    const stIndex = this.next;
    // ST03 is optional in X12 but required by the 005010 837 guides: its absence is an ST03 error.
    const st = this.take('ST', 3, 2);
    const [, st01, st02 = '', st03] = st.elements;
    if (st01 !== '837') throw invalid('ST01 must be 837.', 'ST01', stIndex + 1);
    if (!SET_CONTROL_NUMBER.test(st02)) {
      throw invalid('ST02 must be a transaction set control number.', 'ST02', stIndex + 1);
    }
    if (st03 !== version) throw invalid('ST03 must equal GS08.', 'ST03', stIndex + 1);

    let claims = 0;
    for (let id = this.peek(); id !== 'SE'; id = this.peek()) {
      if (id === undefined || ENVELOPE_SEGMENTS.has(id)) throw this.missing('SE');
      if (id === 'CLM') claims++;
      this.next++;
    }
    const seAt = this.next + 1;
    const se = this.take('SE', 2);
    if (!sameCount(se.elements[1], this.next - stIndex)) {
      throw invalid('SE01 does not match the number of segments in the transaction set.', 'SE01', seAt);
    }
    if (se.elements[2] !== st02) throw invalid('SE02 does not match ST02.', 'SE02', seAt);
    if (claims === 0) throw invalid('The transaction set holds no claim (CLM).', 'CLM', seAt);
    this.claims += claims;
    this.transactionSets++;
  }

  private peek(): string | undefined {
    return this.segments[this.next]?.elements[0];
  }

  /** Consumes the expected segment and checks its element count (envelope segments are fixed). */
  private take(id: string, elements: number, atLeast = elements): X12Segment {
    const segment = this.segments[this.next];
    if (segment === undefined || segment.elements[0] !== id) throw this.missing(id);
    this.next++;
    const count = segment.elements.length - 1;
    if (count < atLeast || count > elements) {
      throw invalid(`${id} must have ${elements} elements.`, id, this.next);
    }
    return segment;
  }

  private missing(id: string) {
    return invalid(`Missing ${id} segment.`, id, this.next + 1);
  }
}

const ENVELOPE_SEGMENTS: ReadonlySet<string> = new Set(['ISA', 'IEA', 'GS', 'GE', 'ST']);

function sameCount(element: string | undefined, actual: number): boolean {
  return element !== undefined && COUNT.test(element) && Number(element) === actual;
}
