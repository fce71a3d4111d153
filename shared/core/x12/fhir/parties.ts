import type {
  Address,
  HumanName,
  Identifier,
  Organization,
  Practitioner,
  Reference,
} from '@medplum/fhirtypes';
import type { PlacedSegment } from '../read-model.js';
import { concept, PROFILE, SYSTEM } from './codes.js';
import { addResource, canProfile, type MappingContext } from './context.js';
import { element, firstIn, segmentsIn } from './segments.js';
import { present } from './values.js';

/**
 * Providers and payers: an NM1 with the N3, N4, REF and PRV segments of its loop occurrence. An NM1
 * whose NM102 is `1` is a person (Practitioner), `2` an organization.
 */
export interface Party {
  readonly nm1: PlacedSegment;
  /** The segments of the NM1's loop occurrence (NM1 included). */
  readonly segments: readonly PlacedSegment[];
}

export const isPerson = (party: Party): boolean => element(party.nm1, 2) === '1';

/** Whether a provider reference names an Organization of this Bundle. */
export const isOrganization = (
  context: MappingContext,
  reference: Reference<Practitioner | Organization>,
): reference is Reference<Organization> =>
  context.entries.some(
    (e) => e.fullUrl === reference.reference && e.resource?.resourceType === 'Organization',
  );

export function personName(nm1: PlacedSegment): HumanName | undefined {
  const family = element(nm1, 3);
  const given = [element(nm1, 4), element(nm1, 5)].filter(present);
  const prefix = element(nm1, 6);
  const suffix = element(nm1, 7);
  if (family === undefined && given.length === 0) return undefined;
  return {
    ...(family === undefined ? {} : { family }),
    ...(given.length === 0 ? {} : { given }),
    ...(prefix === undefined ? {} : { prefix: [prefix] }),
    ...(suffix === undefined ? {} : { suffix: [suffix] }),
  };
}

/** N3/N4 as an Address; a nine-digit ZIP is written ZIP+4. */
export function addressOf(segments: readonly PlacedSegment[]): Address | undefined {
  const n3 = firstIn(segments, 'N3');
  const n4 = firstIn(segments, 'N4');
  const line = [element(n3, 1), element(n3, 2)].filter(present);
  const city = element(n4, 1);
  const state = element(n4, 2);
  const zip = element(n4, 3);
  const country = element(n4, 4);
  const postalCode = zip !== undefined && /^\d{9}$/.test(zip) ? `${zip.slice(0, 5)}-${zip.slice(5)}` : zip;
  if (line.length === 0 && city === undefined && state === undefined && postalCode === undefined) {
    return undefined;
  }
  return {
    ...(line.length === 0 ? {} : { line }),
    ...(city === undefined ? {} : { city }),
    ...(state === undefined ? {} : { state }),
    ...(postalCode === undefined ? {} : { postalCode }),
    ...(country === undefined ? {} : { country }),
  };
}

const npi = (value: string): Identifier => ({
  type: concept(SYSTEM.identifierType, 'NPI'),
  system: SYSTEM.npi,
  value,
});

const tin = (value: string): Identifier => ({
  type: concept(SYSTEM.identifierType, 'TAX'),
  system: SYSTEM.tin,
  value,
});

/**
 * NM109 when NM108 is `XX` (NPI), and REF*EI (employer's identification number, a TIN). SSNs
 * (REF*SY, NM108 `34`) are not mapped: a provider's SSN is no business of a claim's consumers.
 */
export function providerIdentifiers(party: Party): Identifier[] {
  const identifiers: Identifier[] = [];
  const id = element(party.nm1, 9);
  if (id !== undefined && element(party.nm1, 8) === 'XX') identifiers.push(npi(id));
  if (id !== undefined && element(party.nm1, 8) === '24') identifiers.push(tin(id));
  for (const ref of segmentsIn(party.segments, 'REF', undefined, ['EI'])) {
    const value = element(ref, 2);
    if (value !== undefined) identifiers.push(tin(value));
  }
  return identifiers;
}

/** A provider (billing, rendering, referring …) as a Practitioner or an Organization. */
export function addProvider(
  context: MappingContext,
  role: string,
  party: Party,
): Reference<Practitioner | Organization> {
  const identifier = providerIdentifiers(party);
  const address = addressOf(party.segments);
  if (isPerson(party)) {
    const name = personName(party.nm1);
    const practitioner: Practitioner = {
      resourceType: 'Practitioner',
      ...(identifier.length === 0 ? {} : { identifier }),
      ...(name === undefined ? {} : { name: [name] }),
      ...(address === undefined ? {} : { address: [address] }),
    };
    // C4BB Practitioner (on US Core): an NPI or TIN, and a name with a family name.
    const conforms = canProfile(context) && identifier.length > 0 && name?.family !== undefined;
    return addResource(context, role, practitioner, conforms ? PROFILE.practitioner : undefined);
  }
  return addOrganization(context, role, element(party.nm1, 3), identifier, address);
}

function addOrganization(
  context: MappingContext,
  role: string,
  name: string | undefined,
  identifier: Identifier[],
  address: Address | undefined,
): Reference<Organization> {
  const organization: Organization = {
    resourceType: 'Organization',
    // The 837 names parties that act on this claim: they are in business.
    active: true,
    ...(identifier.length === 0 ? {} : { identifier }),
    ...(name === undefined ? {} : { name }),
    ...(address === undefined ? {} : { address: [address] }),
  };
  // C4BB Organization (on US Core): active and a name.
  const conforms = canProfile(context) && name !== undefined;
  return addResource(context, role, organization, conforms ? PROFILE.organization : undefined);
}

/** A payer (2010BB, 2330B): NM103 name, NM109 payer id (`PI`) or CMS plan id (`XV`). */
export function addPayer(context: MappingContext, role: string, party: Party): Reference<Organization> {
  const id = element(party.nm1, 9);
  const identifier: Identifier[] =
    id === undefined
      ? []
      : [{ type: concept(SYSTEM.c4bbIdentifierType, 'payerid'), system: SYSTEM.payerId, value: id }];
  return addOrganization(context, role, element(party.nm1, 3), identifier, addressOf(party.segments));
}
