import type { ClaimCareTeam, Coding, Organization, Practitioner, Reference } from '@medplum/fhirtypes';
import type { PlacedSegment } from '../read-model.js';
import { CARE_TEAM_ROLE, concept, SYSTEM } from './codes.js';
import type { MappingContext } from './context.js';
import { addProvider } from './parties.js';
import { element, firstIn } from './segments.js';

/**
 * Claim.careTeam from the provider loops: 2310x at the claim, 2420x on a line, told apart by NM101
 * (82 rendering, 71 attending, 72 operating, ZZ other operating, DN/P3 referring, DQ supervising,
 * DK ordering, QB purchased service). Service facilities (77) and ambulance places (PW, 45) are not
 * care-team members. The provider's PRV taxonomy (PRV03) is the member's qualification.
 */
export class CareTeam {
  readonly members: ClaimCareTeam[] = [];
  /** Providers by their loop's content: a prescriber repeated on every drug line is one Practitioner. */
  private readonly providers = new Map<string, Reference<Practitioner | Organization>>();
  /** Care-team sequences by provider and role: the same provider in the same role is one member. */
  private readonly sequences = new Map<string, number>();

  constructor(private readonly context: MappingContext) {}

  /** Adds the providers among these segments (one claim or line); answers their sequences. */
  addProviders(segments: readonly PlacedSegment[], loopPrefix: '2310' | '2420', role: string): number[] {
    const loops = [...new Set(segments.filter((s) => s.loop.startsWith(loopPrefix)).map((s) => s.loop))];
    const sequences: number[] = [];
    for (const loop of loops) {
      const own = segments.filter((s) => s.loop === loop);
      const nm1 = firstIn(own, 'NM1');
      const roleCoding = CARE_TEAM_ROLE[element(nm1, 1) ?? ''];
      if (nm1 === undefined || roleCoding === undefined) continue;
      const key = own.map((s) => s.elements.join('\u0001')).join('\u0002');
      let provider = this.providers.get(key);
      if (provider === undefined) {
        provider = addProvider(this.context, `${role}/${loop}`, { nm1, segments: own });
        this.providers.set(key, provider);
      }
      const memberKey = `${roleCoding.system}|${roleCoding.code}\u0002${key}`;
      let sequence = this.sequences.get(memberKey);
      if (sequence === undefined) {
        sequence = this.add(provider, roleCoding, element(firstIn(own, 'PRV'), 3));
        this.sequences.set(memberKey, sequence);
      }
      if (!sequences.includes(sequence)) sequences.push(sequence);
    }
    return sequences;
  }

  private add(
    provider: Reference<Practitioner | Organization>,
    role: Coding,
    taxonomy: string | undefined,
  ): number {
    const sequence = this.members.length + 1;
    this.members.push({
      sequence,
      provider,
      role: { coding: [role] },
      ...(taxonomy === undefined ? {} : { qualification: concept(SYSTEM.taxonomy, taxonomy) }),
    });
    return sequence;
  }
}
