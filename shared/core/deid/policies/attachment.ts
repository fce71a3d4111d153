import { type ElementPolicy, keep, withheld, withheldUnlessScrubRule } from './policy.js';
import { withheldValuePolicy } from './withheld.js';

/**
 * Attachment: its content is the individual's record. Text content is scrubbed when free text is,
 * anything else goes; so do the hash, size and URL, which identify the file.
 */
const data: ElementPolicy = ({ value, siblings, place, modes }, services) => {
  const textual = typeof siblings.contentType === 'string' && /^text\//i.test(siblings.contentType);
  if (typeof value === 'string' && textual && (modes.text === 'scrub' || modes.scrubAll)) {
    return keep(value, 'scrub-attachment');
  }
  return withheld(place, services);
};

export const attachmentElementPolicies: Readonly<Record<string, ElementPolicy>> = {
  data,
  hash: withheldValuePolicy,
  size: withheldValuePolicy,
  url: withheldValuePolicy,
  // A title is usually a file name, often made of the patient's name: never free text.
  title: withheldUnlessScrubRule,
};
