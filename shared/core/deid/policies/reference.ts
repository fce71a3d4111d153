import { isResourceType } from '../model.js';
import { dropAs, type ElementPolicy, invalid, keep, withheldUnlessScrubRule } from './policy.js';

/**
 * Reference: the link survives as a pseudonym, so de-identified records still point at each other;
 * a link that cannot be kept (a target type the contract drops, a URL of some other kind) goes.
 * A display is the target's name in words: free text, kept only where a `scrub` rule covers it.
 */
const reference: ElementPolicy = ({ value, place }, services) => {
  if (typeof value !== 'string') return invalid(place, services);
  const links = place.record.links;
  if (value.startsWith('#')) {
    if (value === '#') {
      links?.container();
      return keep(value);
    }
    const local = links?.contained(value.slice(1));
    return local === undefined ? dropAs('reference-drop', place, services) : keep(`#${local}`);
  }
  const rewritten = links?.rewrite(value);
  if (rewritten === undefined) return dropAs('reference-drop', place, services);
  services.count('pseudonymize', place);
  return keep(rewritten);
};

const type: ElementPolicy = ({ value, place }, services) =>
  typeof value === 'string' && isResourceType(value) ? keep(value) : invalid(place, services);

export const referenceElementPolicies: Readonly<Record<string, ElementPolicy>> = {
  reference,
  type,
  display: withheldUnlessScrubRule,
};
