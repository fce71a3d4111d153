import {
  type ElementPolicy,
  keep,
  type Outcome,
  type PolicyInput,
  type PolicyServices,
  withheld,
} from './policy.js';

/**
 * Media types (the `code` elements R4 binds to the value set `mimetypes`): only the bare `type/subtype`
 * stays. Parameters go, whatever they are called: `name="Smith_John_MRN123.pdf"`, `filename*=…`,
 * a multipart boundary or a charset are written by the sender and can carry a file name made of the
 * patient's name and record number. A value that is not a media type once its parameters are gone (a
 * file name, free words) is withheld; what stays is still checked against the record's identifiers.
 * The whole attachment is not dropped: its type is what tells a consumer what the (withheld or scrubbed)
 * content was, and with no parameters it says nothing about the person.
 */
export const mediaTypePolicy: ElementPolicy = (input, services) => bareMediaType(input, services);

/** RFC 6838 restricted-name, twice, around a slash. */
const TYPE_SUBTYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;
/** The short format names R4 also allows where it binds mimetypes (CapabilityStatement.format). */
const SHORT_FORMATS: ReadonlySet<string> = new Set(['json', 'xml', 'ttl']);

export function bareMediaType(input: PolicyInput, services: PolicyServices): Outcome {
  const { value, place } = input;
  if (typeof value !== 'string') return withheld(place, services);
  const semicolon = value.indexOf(';');
  const bare = (semicolon === -1 ? value : value.slice(0, semicolon)).trim();
  if (!TYPE_SUBTYPE.test(bare) && !SHORT_FORMATS.has(bare.toLowerCase())) return withheld(place, services);
  if (bare !== value) services.count('media-parameters-drop', place);
  return keep(bare, 'check');
}

/**
 * Every element of R4 bound to `mimetypes` (from the R4 StructureDefinitions), by the data type or
 * backbone element that holds it. TestScript's `test` and `teardown` actions reuse the `setup` ones.
 */
export const MEDIA_TYPE_ELEMENTS: Readonly<Record<string, readonly string[]>> = {
  Attachment: ['contentType'],
  Binary: ['contentType'],
  Signature: ['targetFormat', 'sigFormat'],
  Endpoint: ['payloadMimeType'],
  CapabilityStatement: ['format', 'patchFormat'],
  'ElementDefinition.mapping': ['language'],
  'Subscription.channel': ['payload'],
  'TestScript.setup.action.assert': ['contentType'],
  'TestScript.setup.action.operation': ['accept', 'contentType'],
};

/** The media-type policies of one holder type, to merge into its element policies. */
export function mediaTypeElementPolicies(type: string): Readonly<Record<string, ElementPolicy>> {
  const elements = Object.hasOwn(MEDIA_TYPE_ELEMENTS, type) ? (MEDIA_TYPE_ELEMENTS[type] ?? []) : [];
  return Object.fromEntries(elements.map((element) => [element, mediaTypePolicy]));
}
