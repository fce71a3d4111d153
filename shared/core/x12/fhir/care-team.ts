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
      const provider = addProvider(this.context, `${role}/${loop}`, { nm1, segments: own });
      sequences.push(this.add(provider, roleCoding, element(firstIn(own, 'PRV'), 3)));
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
