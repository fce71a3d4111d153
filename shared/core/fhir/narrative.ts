import { reject } from '../errors.js';
import { type CheckedBundle, isJsonObject } from './bundle-rules.js';
import { safeExpression } from './safe-expression.js';
import { findInElements } from './walk-elements.js';

/**
 * txt-1 (narrative holds only basic XHTML, no active content) is a FHIRPath `htmlChecks()` invariant
 * that the structural validator does not run. Narrative reaches consumers' browsers, so the door
 * refuses what is active content in any HTML reader: scripting and embedding elements, event
 * handler attributes and script URLs. This is a deny-list at the door, not a sanitizer; consumers
 * still treat narrative as untrusted.
 */
const ACTIVE_ELEMENT =
  /<\s*(script|style|iframe|frame|frameset|object|embed|applet|form|input|button|textarea|select|link|meta|base|svg|math)\b/i;
const TAG = /<[^>]*>/g;
const EVENT_ATTRIBUTE = /[\s"'/]on[a-z]+\s*=/i;
const SCRIPT_URL = /(java|vb)script:/i;

export function checkNarratives(bundle: CheckedBundle): void {
  for (const { index, resource } of bundle.entries) {
    if (resource === undefined) continue;
    const unsafe = findInElements(resource, `Bundle.entry[${index}].resource`, ({ node, path }) => {
      const text = node.text;
      if (!isJsonObject(text) || typeof text.div !== 'string') return undefined;
      return isActiveContent(text.div) ? `${path}.text.div` : undefined;
    });
    if (unsafe !== undefined) {
      throw reject('invalid-fhir', 'Narrative holds active content (txt-1).', {
        expression: safeExpression(unsafe),
        constraint: 'txt-1',
      });
    }
  }
}

/** Also used by the compiled judge, which must never accept what this check refuses. */
export function isActiveContent(div: string): boolean {
  if (ACTIVE_ELEMENT.test(div)) return true;
  for (const [tag] of div.matchAll(TAG)) {
    if (EVENT_ATTRIBUTE.test(tag) || SCRIPT_URL.test(decodeAttributeText(tag))) return true;
  }
  return false;
}

/** Browsers decode character references and drop whitespace inside a URL scheme: so do we. */
const decodeAttributeText = (tag: string): string =>
  tag
    .replace(/&#x([0-9a-f]{1,6});?/gi, (_, hex: string) =>
      String.fromCodePoint(Number.parseInt(hex, 16) % 0x110000),
    )
    .replace(/&#(\d{1,7});?/g, (_, dec: string) => String.fromCodePoint(Number.parseInt(dec, 10) % 0x110000))
    .replace(/&colon;/gi, ':')
    .replace(/&(tab|newline);/gi, '')
    .replace(/[\s\p{Cc}]+/gu, '');
