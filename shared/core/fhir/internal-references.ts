import { reject } from '../errors.js';
import type { CheckedBundle } from './bundle-rules.js';
import { safeExpression } from './safe-expression.js';
import { findInElements } from './walk-elements.js';

const URN_UUID_PREFIX = 'urn:uuid:';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A `urn:uuid:` reference must carry a well-formed UUID. One that matches no fullUrl of the Bundle is
 * accepted: generators such as Synthea split one load into several Bundles that point at each other's
 * entries (practitioner roles at the hospital Bundle's organizations), and refusing a partner's PHI at
 * the door for that would lose data the partner is obliged to send. Whether a downstream FHIR server
 * can resolve it is a delivery concern. Relative and absolute references are never dereferenced.
 */
export function checkInternalReferences(bundle: CheckedBundle): void {
  for (const { index, resource } of bundle.entries) {
    if (resource === undefined) continue;
    const dangling = findInElements(
      resource,
      `Bundle.entry[${index}].resource`,
      ({ node, path }) => {
        const reference = node.reference;
        return typeof reference === 'string' &&
          reference.startsWith(URN_UUID_PREFIX) &&
          !bundle.fullUrls.has(reference) &&
          !UUID.test(reference.slice(URN_UUID_PREFIX.length))
          ? `${path}.reference`
          : undefined;
      },
      { skipNestedBundles: true },
    );
    if (dangling !== undefined) {
      throw reject('invalid-fhir', 'A urn:uuid reference does not carry a valid UUID.', {
        expression: safeExpression(dangling),
      });
    }
  }
}
