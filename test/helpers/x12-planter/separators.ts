import type { Rng } from '../phi-planter/random.js';
import type { X12Separators } from './types.js';

/** The separators nearly every file uses. */
export const DEFAULT_SEPARATORS: X12Separators = {
  element: '*',
  component: ':',
  repetition: '^',
  segment: '~',
  lineBreak: '',
};

/**
 * Sets seen in the wild. None uses a character planted values contain (letters, digits, space,
 * `.`, `-`, `@`, `#`, `,`, `/`), so a value can never split an element.
 */
const ALTERNATIVES: readonly Omit<X12Separators, 'lineBreak'>[] = [
  { element: '*', component: ':', repetition: '^', segment: '~' },
  { element: '*', component: '>', repetition: '^', segment: '~' },
  { element: '|', component: '>', repetition: '^', segment: '~' },
  { element: '|', component: ':', repetition: '!', segment: '\n' },
  { element: '^', component: '\\', repetition: '{', segment: '~' },
  { element: '+', component: ':', repetition: '*', segment: "'" },
];

export function pickSeparators(rng: Rng): X12Separators {
  // Most seeds get the default set, so both the common and the unusual path are exercised.
  const base = rng.next() < 0.5 ? DEFAULT_SEPARATORS : rng.pick(ALTERNATIVES);
  const lineBreak = base.segment === '\n' ? '' : rng.pick(['', '', '\n', '\r\n'] as const);
  return { ...base, lineBreak };
}

/** Characters a value may never hold under `separators` (CR and LF split segments in some readers). */
export function forbiddenCharacters(separators: X12Separators): string[] {
  return [separators.element, separators.component, separators.repetition, separators.segment, '\r', '\n'];
}
