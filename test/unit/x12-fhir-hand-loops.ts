import type { ClaimUnit, Delimiters, PlacedSegment } from '../../shared/core/x12/read-model.js';

/**
 * A STAND-IN for the reader's claimGrouper, for the 837 → FHIR tests only: it splits an interchange and
 * assigns each segment its loop from an explicit table (HL03 levels, NM101 entity codes per 837P/837I
 * loop), without any validation. Enough for well-formed files; the real reader replaces it.
 */

const P_2310: Record<string, string> = {
  DN: '2310A',
  P3: '2310A',
  '82': '2310B',
  '77': '2310C',
  DQ: '2310D',
  PW: '2310E',
  '45': '2310F',
};
const I_2310: Record<string, string> = {
  '71': '2310A',
  '72': '2310B',
  ZZ: '2310C',
  '82': '2310D',
  '77': '2310E',
  DN: '2310F',
};
const P_2420: Record<string, string> = {
  '82': '2420A',
  QB: '2420B',
  '77': '2420C',
  DQ: '2420D',
  DK: '2420E',
  DN: '2420F',
  P3: '2420F',
  PW: '2420G',
  '45': '2420H',
};
const I_2420: Record<string, string> = { '72': '2420A', ZZ: '2420B', '82': '2420C', DN: '2420D' };
const C_2330: Record<string, string> = {
  IL: '2330A',
  PR: '2330B',
  DN: '2330C',
  P3: '2330C',
  '82': '2330D',
  '77': '2330E',
  DQ: '2330F',
  '85': '2330G',
};

export interface HandRead {
  readonly delimiters: Delimiters;
  readonly claims: ClaimUnit[];
}

export function handLoops(text: string): HandRead {
  const delimiters: Delimiters = {
    element: text.charAt(3),
    component: text.charAt(104),
    repetition: /[A-Za-z0-9 ]/.test(text.charAt(82)) ? undefined : text.charAt(82),
    segment: text.charAt(105),
  };
  const raw = text
    .split(delimiters.segment)
    .map((s) => s.replace(/^[\r\n]+|[\r\n]+$/g, ''))
    .filter((s) => s.trim() !== '');
  const claims: ClaimUnit[] = [];
  let interchange = '';
  let group = '';
  let set = '';
  let version = '';
  let kind: '837P' | '837I' = '837P';
  let header: PlacedSegment[] = [];
  let billing: PlacedSegment[] = [];
  let subscriber: PlacedSegment[] = [];
  let patient: PlacedSegment[] | undefined;
  let claim: PlacedSegment[] | undefined;
  let path: string[] = [];
  let position = 0;
  let index = 0;
  const flush = () => {
    if (claim === undefined) return;
    index += 1;
    claims.push({
      kind,
      version,
      interchange,
      group,
      transactionSet: set,
      index,
      header,
      billingProvider: billing,
      subscriber,
      patient,
      claim,
    });
    claim = undefined;
  };
  raw.forEach((line, ordinal) => {
    const elements = line.split(delimiters.element);
    const id = elements[0] ?? '';
    const e = (n: number) => (elements[n] ?? '').trim();
    position += 1;
    const place = (loop: string, loopPath: string[]): PlacedSegment => ({
      id,
      elements,
      loop,
      loopPath,
      position,
      ordinal: ordinal + 1,
    });
    const within = (loop: string) => path.slice(0, path.lastIndexOf(loop) + 1);
    switch (id) {
      case 'ISA':
        interchange = e(13);
        return;
      case 'GS':
        group = e(6);
        version = e(8);
        kind = version.includes('X223') ? '837I' : '837P';
        return;
      case 'ST':
        flush();
        set = e(2);
        position = 1;
        header = [];
        billing = [];
        subscriber = [];
        patient = undefined;
        path = ['ST'];
        return;
      case 'SE':
      case 'GE':
      case 'IEA':
        flush();
        return;
      case 'BHT':
        path = ['ST'];
        header.push(place('HEADER', ['ST']));
        return;
      case 'HL': {
        flush();
        const level = e(3);
        if (level === '20') {
          path = ['ST', '2000A'];
          billing = [place('2000A', path)];
          subscriber = [];
          patient = undefined;
        } else if (level === '22') {
          path = ['ST', '2000A', '2000B'];
          subscriber = [place('2000B', path)];
          patient = undefined;
        } else {
          path = ['ST', '2000A', '2000B', '2000C'];
          patient = [place('2000C', path)];
        }
        return;
      }
      case 'CLM':
        flush();
        path = [...path.filter((l) => l.startsWith('2000') || l === 'ST'), '2300'];
        claim = [place('2300', path)];
        return;
      case 'SBR':
        if (claim !== undefined) {
          path = [...within('2300'), '2320'];
          claim.push(place('2320', path));
          return;
        }
        break;
      case 'LX':
        if (claim !== undefined) {
          path = [...within('2300'), '2400'];
          claim.push(place('2400', path));
          return;
        }
        break;
      case 'LIN':
        path = [...within('2400'), '2410'];
        break;
      case 'SVD':
        path = [...within('2400'), '2430'];
        break;
      case 'NM1': {
        const entity = e(1);
        if (claim === undefined) {
          const loop =
            entity === '41'
              ? '1000A'
              : entity === '40'
                ? '1000B'
                : entity === '85'
                  ? '2010AA'
                  : entity === '87'
                    ? '2010AB'
                    : entity === 'PE'
                      ? '2010AC'
                      : entity === 'IL'
                        ? '2010BA'
                        : entity === 'PR'
                          ? '2010BB'
                          : '2010CA';
          if (loop.startsWith('1000')) {
            path = ['ST', loop];
            header.push(place(loop, path));
            return;
          }
          path = [...path.filter((l) => l.startsWith('2000') || l === 'ST'), loop];
          break;
        }
        if (path.includes('2400')) {
          path = [...within('2400'), (kind === '837P' ? P_2420 : I_2420)[entity] ?? '2420A'];
        } else if (path.includes('2320')) {
          path = [...within('2320'), C_2330[entity] ?? '2330A'];
        } else {
          path = [...within('2300'), (kind === '837P' ? P_2310 : I_2310)[entity] ?? '2310A'];
        }
        break;
      }
      default:
        // A 2400 segment after a 2410/2420 loop returns to the line (DTP, REF come before them in the
        // guide, so this only matters for malformed files).
        break;
    }
    const loop = path[path.length - 1] ?? 'ST';
    const segment = place(loop, [...path]);
    if (claim !== undefined) claim.push(segment);
    else if (header.length > 0 && path[1]?.startsWith('1000')) header.push(segment);
    else if (patient !== undefined && path.includes('2000C')) patient.push(segment);
    else if (path.includes('2000B')) subscriber.push(segment);
    else billing.push(segment);
  });
  flush();
  return { delimiters, claims };
}
