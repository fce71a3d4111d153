import type {
  ClaimItem,
  ClaimItemDetail,
  CodeableConcept,
  Coding,
  Money,
  Period,
  Reference,
} from '@medplum/fhirtypes';
import type { PlacedSegment } from '../read-model.js';
import type { CareTeam } from './care-team.js';
import { codeValue, coding, concept, modifierSystem, procedureCodeSystem, SYSTEM } from './codes.js';
import type { MappingContext } from './context.js';
import { component, components, element, firstIn, loopOccurrences, under } from './segments.js';
import { usd, x12Decimal, x12Period } from './values.js';

export interface MappedItems {
  readonly items: ClaimItem[];
  /** Every line's service dates, for the billable period of a claim without a statement period. */
  readonly servicePeriods: (Period | undefined)[];
}

/** FHIR positiveInt is a 32-bit signed integer. */
const MAX_POSITIVE_INT = 2_147_483_647;

/** One service line (2400 with its 2410, 2420x and 2430 loops): LX starts it. */
export function mapItems(
  context: MappingContext,
  careTeam: CareTeam,
  diagnosisCount: number,
  encounter: Reference | undefined,
): MappedItems {
  const { claim, delimiters } = context;
  const lines = loopOccurrences(claim.claim, under('2400'), (s) => s.id === 'LX' && s.loop === '2400');
  const items: ClaimItem[] = [];
  const servicePeriods: (Period | undefined)[] = [];
  const used = new Set<number>();
  // 837P: the claim's place of service (CLM05-1) serves every line that names none (SV105).
  const claimPlace = component(
    firstIn(claim.claim, 'CLM', (loop) => loop === '2300'),
    5,
    1,
    delimiters,
  );
  lines.forEach((segments, index) => {
    const own = segments.filter((s) => s.loop === '2400');
    const lx = Number(element(firstIn(own, 'LX'), 1));
    // LX01 numbers the lines; a missing, repeated or out-of-range one falls back to the line's place.
    const sequence =
      Number.isInteger(lx) && lx > 0 && lx <= MAX_POSITIVE_INT && !used.has(lx) ? lx : index + 1;
    used.add(sequence);
    const dtp = firstIn(own, 'DTP', undefined, ['472']);
    const served = x12Period(element(dtp, 2), element(dtp, 3));
    servicePeriods.push(served);
    const careTeamSequence = careTeam.addProviders(segments, '2420', `line/${index + 1}`);
    const service =
      claim.kind === '837P'
        ? professionalService(context, firstIn(own, 'SV1'), diagnosisCount, claimPlace)
        : institutionalService(context, firstIn(own, 'SV2'));
    const detail = drugDetail(segments, delimiters);
    items.push({
      sequence,
      ...(careTeamSequence.length === 0 ? {} : { careTeamSequence }),
      ...service,
      ...(served === undefined
        ? {}
        : served.start === served.end
          ? { servicedDate: served.start }
          : { servicedPeriod: served }),
      ...(encounter === undefined ? {} : { encounter: [encounter] }),
      ...(detail === undefined ? {} : { detail: [detail] }),
    } as ClaimItem);
  });
  return { items, servicePeriods };
}

type Service = Omit<ClaimItem, 'sequence'>;

/** A procedure composite (SV101, SV202): qualifier, code, up to four modifiers. */
function productOrService(parts: readonly string[]): Pick<ClaimItem, 'productOrService' | 'modifier'> {
  const [qualifier, code] = parts;
  const modifiers = parts.slice(2, 6).filter((m) => m !== '');
  const system = code === undefined || code === '' ? undefined : procedureCodeSystem(qualifier, code);
  const product: CodeableConcept =
    code === undefined || code === ''
      ? concept(SYSTEM.dataAbsentReason, 'not-applicable')
      : // A code of another list (ER, IV, WK, N4 …) is kept with no system rather than a guessed one.
        { coding: [system === undefined ? { code: codeValue(code) } : coding(system, code)] };
  return {
    productOrService: product,
    ...(modifiers.length === 0
      ? {}
      : { modifier: modifiers.map((m) => concept(modifierSystem(m), m) as CodeableConcept) }),
  };
}

/** Units: `MJ` minutes and `DA` days in UCUM; `UN` (unit) is a plain count. */
function quantityOf(unit: string | undefined, amount: string | undefined): ClaimItem['quantity'] {
  const value = x12Decimal(amount);
  if (value === undefined) return undefined;
  if (unit === 'MJ') return { value, unit: 'min', system: 'http://unitsofmeasure.org', code: 'min' };
  if (unit === 'DA') return { value, unit: 'd', system: 'http://unitsofmeasure.org', code: 'd' };
  return { value };
}

/** The unit price of a line: its charge over its units, when that is an exact amount in cents. */
function unitPriceOf(net: Money | undefined, quantity: ClaimItem['quantity']): Money | undefined {
  const units = quantity?.value;
  if (net?.value === undefined || units === undefined || units <= 0) return undefined;
  const cents = (net.value * 100) / units;
  return Math.abs(cents - Math.round(cents)) < 1e-9
    ? { value: Math.round(cents) / 100, currency: 'USD' }
    : undefined;
}

/** 837P SV1: procedure, charge, units, place of service (SV105 else CLM05-1), diagnosis pointers. */
function professionalService(
  context: MappingContext,
  sv1: PlacedSegment | undefined,
  diagnosisCount: number,
  claimPlace: string | undefined,
): Service {
  const { delimiters } = context;
  const net = usd(element(sv1, 2));
  const quantity = quantityOf(element(sv1, 3), element(sv1, 4));
  const unitPrice = unitPriceOf(net, quantity);
  const place = element(sv1, 5) ?? claimPlace;
  // SV107 points at the claim's diagnosis codes by their order (1–12); one beyond them is dropped.
  const pointers = components(sv1, 7, delimiters)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n >= 1 && n <= diagnosisCount);
  return {
    ...productOrService(components(sv1, 1, delimiters)),
    ...(pointers.length === 0 ? {} : { diagnosisSequence: [...new Set(pointers)] }),
    ...(place === undefined ? {} : { locationCodeableConcept: concept(SYSTEM.placeOfService, place) }),
    ...(quantity === undefined ? {} : { quantity }),
    ...(unitPrice === undefined ? {} : { unitPrice }),
    ...(net === undefined ? {} : { net }),
  } as Service;
}

/** 837I SV2: revenue code, procedure (when given), charge, units, unit rate (SV206). */
function institutionalService(context: MappingContext, sv2: PlacedSegment | undefined): Service {
  const revenue = element(sv2, 1);
  const net = usd(element(sv2, 3));
  const quantity = quantityOf(element(sv2, 4), element(sv2, 5));
  const unitPrice = usd(element(sv2, 6)) ?? unitPriceOf(net, quantity);
  return {
    ...(revenue === undefined ? {} : { revenue: concept(SYSTEM.revenue, revenue) }),
    ...productOrService(components(sv2, 2, context.delimiters)),
    ...(quantity === undefined ? {} : { quantity }),
    ...(unitPrice === undefined ? {} : { unitPrice }),
    ...(net === undefined ? {} : { net }),
  } as Service;
}

/** 2410 drug identification: LIN03 NDC (LIN02 `N4`) with CTP04 quantity, as the line's one detail. */
function drugDetail(
  segments: readonly PlacedSegment[],
  _delimiters: MappingContext['delimiters'],
): ClaimItemDetail | undefined {
  const own = segments.filter((s) => s.loop === '2410');
  const lin = firstIn(own, 'LIN');
  const ndc = element(lin, 2) === 'N4' ? element(lin, 3) : undefined;
  if (ndc === undefined) return undefined;
  const ctp = firstIn(own, 'CTP');
  const amount = x12Decimal(element(ctp, 4));
  const product: Coding = { system: 'http://hl7.org/fhir/sid/ndc', code: ndc };
  return {
    sequence: 1,
    productOrService: { coding: [product] },
    ...(amount === undefined ? {} : { quantity: { value: amount } }),
  };
}
