import type { PlacedSegment } from '../../x12/read-model.js';
import type { X12Segment } from '../../x12/tokenize.js';

/**
 * A small loop-context state machine over tokenized segments: enough to tell whose NM1, N3, N4, DMG
 * or REF a segment is (HL level code plus NM101 entity code, as the TR3s order them). It names loops
 * the way the loop-aware reader does (`2010BA`, `2300`, `2420G`), so the de-identifier reads either.
 */
type Kind = '837P' | '837I';

const HL_LOOPS: Readonly<Record<string, string>> = { '20': '2000A', '22': '2000B', '23': '2000C' };
const LEVEL_NAMES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  '2000A': { '85': '2010AA', '87': '2010AB', PE: '2010AC' },
  '2000B': { IL: '2010BA', PR: '2010BB' },
  '2000C': { QC: '2010CA' },
};
const CLAIM_NAMES: Readonly<Record<Kind, Readonly<Record<string, string>>>> = {
  '837P': { DN: '2310A', P3: '2310A', '82': '2310B', '77': '2310C', DQ: '2310D', PW: '2310E', '45': '2310F' },
  '837I': { '71': '2310A', '72': '2310B', ZZ: '2310C', '82': '2310D', '77': '2310E', DN: '2310F' },
};
const OTHER_PAYER_NAMES: Readonly<Record<string, string>> = {
  IL: '2330A',
  PR: '2330B',
  DN: '2330C',
  P3: '2330C',
  '82': '2330D',
  '77': '2330E',
  DQ: '2330F',
  '85': '2330G',
};
const LINE_NAMES: Readonly<Record<Kind, Readonly<Record<string, string>>>> = {
  '837P': {
    '82': '2420A',
    QB: '2420B',
    '77': '2420C',
    DQ: '2420D',
    DK: '2420E',
    DN: '2420F',
    P3: '2420F',
    PW: '2420G',
    '45': '2420H',
  },
  '837I': { '72': '2420A', ZZ: '2420B', '82': '2420C', DN: '2420D', P3: '2420D' },
};

export class LoopPlacer {
  private kind: Kind = '837P';
  private position = 0;
  private ordinal = 0;
  private level: string | undefined;
  private levelPath: string[] = [];
  private loop = 'ISA';
  /** `claim`: inside 2300; `other`: inside a 2320; `line`: inside a 2400 (and its 2410–2440). */
  private zone: 'none' | 'claim' | 'other' | 'line' = 'none';

  place(segment: X12Segment): PlacedSegment {
    const elements = segment.elements;
    const id = elements[0] ?? '';
    const at = (n: number) => elements[n] ?? '';
    this.ordinal++;
    let path: string[];
    switch (id) {
      case 'ISA':
      case 'IEA':
        this.position = 0;
        return this.placed(id, elements, 'ISA', ['ISA'], 0);
      case 'GS':
        this.kind = at(8).startsWith('005010X223') ? '837I' : '837P';
        return this.placed(id, elements, 'GS', ['GS'], 0);
      case 'GE':
        return this.placed(id, elements, 'GS', ['GS'], 0);
      case 'ST':
        this.position = 0;
        this.level = undefined;
        this.levelPath = [];
        this.zone = 'none';
        this.loop = 'ST';
        break;
      case 'BHT':
        this.loop = 'HEADER';
        break;
      case 'HL': {
        const loop = HL_LOOPS[at(3)] ?? 'HL';
        this.level = loop;
        const depth = ['2000A', '2000B', '2000C'].indexOf(loop);
        this.levelPath = depth < 0 ? [loop] : ['2000A', '2000B', '2000C'].slice(0, depth + 1);
        this.zone = 'none';
        this.loop = loop;
        break;
      }
      case 'CLM':
        this.zone = 'claim';
        this.loop = '2300';
        break;
      case 'LX':
        this.zone = 'line';
        this.loop = '2400';
        break;
      case 'SBR':
        if (this.zone !== 'none') {
          this.zone = 'other';
          this.loop = '2320';
        }
        break;
      case 'LIN':
        if (this.zone === 'line') this.loop = '2410';
        break;
      case 'SVD':
        if (this.zone === 'line') this.loop = '2430';
        break;
      case 'LQ':
        if (this.zone === 'line') this.loop = '2440';
        break;
      case 'NM1':
        this.loop = this.nameLoop(at(1));
        break;
      default:
        break;
    }
    if (id === 'SE') path = ['ST'];
    else if (this.loop === 'ST' || this.loop === 'HEADER')
      path = ['ST', ...(this.loop === 'HEADER' ? [] : [])];
    else path = ['ST', ...this.pathBelowSet()];
    this.position++;
    return this.placed(id, elements, id === 'SE' ? 'ST' : this.loop, path, this.position);
  }

  private nameLoop(entity: string): string {
    if (this.level === undefined) return entity === '40' ? '1000B' : '1000A';
    if (this.zone === 'none') return LEVEL_NAMES[this.level]?.[entity] ?? this.level;
    if (this.zone === 'claim') return CLAIM_NAMES[this.kind][entity] ?? '2300';
    if (this.zone === 'other') return OTHER_PAYER_NAMES[entity] ?? '2320';
    return LINE_NAMES[this.kind][entity] ?? '2400';
  }

  private pathBelowSet(): string[] {
    const path = [...this.levelPath];
    if (this.zone === 'claim' || this.zone === 'other' || this.zone === 'line') path.push('2300');
    if (this.zone === 'other') path.push('2320');
    if (this.zone === 'line') path.push('2400');
    if (this.loop !== path.at(-1) && this.loop !== 'HEADER') path.push(this.loop);
    return path;
  }

  private placed(
    id: string,
    elements: readonly string[],
    loop: string,
    loopPath: readonly string[],
    position: number,
  ): PlacedSegment {
    return { id, elements, loop, loopPath, position, ordinal: this.ordinal };
  }
}
