import type { BundleEntry, Meta, Reference, Resource } from '@medplum/fhirtypes';
import type { ClaimUnit, Delimiters } from '../read-model.js';
import { claimIds } from './ids.js';

/** What every part of one claim's mapping shares: the claim, its delimiters, ids and the entries so far. */
export interface MappingContext {
  readonly claim: ClaimUnit;
  readonly delimiters: Delimiters;
  /** When set, every resource carries it as meta.lastUpdated and C4BB profiles can be claimed. */
  readonly lastUpdated: string | undefined;
  readonly id: (role: string) => string;
  readonly entries: BundleEntry[];
}

export function newContext(
  claim: ClaimUnit,
  delimiters: Delimiters,
  lastUpdated: string | undefined,
): MappingContext {
  return { claim, delimiters, lastUpdated, id: claimIds(claim), entries: [] };
}

/**
 * Adds a resource under the id of its role and answers a reference to it. `profile` is claimed only
 * with meta.lastUpdated, which every C4BB profile requires; callers pass it only when the resource
 * meets the profile's other requirements too.
 */
export function addResource<T extends Resource>(
  context: MappingContext,
  role: string,
  resource: T,
  profile?: string,
): Reference<T> {
  const id = context.id(role);
  const meta: Meta | undefined =
    context.lastUpdated === undefined
      ? undefined
      : profile === undefined
        ? { lastUpdated: context.lastUpdated }
        : { lastUpdated: context.lastUpdated, profile: [profile] };
  // resourceType, id and meta lead, as FHIR's JSON examples write them.
  // resourceType, id and meta lead, as FHIR's JSON examples write them.
  const { resourceType, ...content } = resource;
  const withId = { resourceType, id, ...(meta === undefined ? {} : { meta }), ...content } as unknown as T;
  const fullUrl = `urn:uuid:${id}`;
  context.entries.push({ fullUrl, resource: withId });
  return { reference: fullUrl } as Reference<T>;
}

/** Whether C4BB profiles can be claimed at all (they all require meta.lastUpdated). */
export const canProfile = (context: MappingContext): boolean => context.lastUpdated !== undefined;
