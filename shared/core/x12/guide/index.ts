/**
 * The guides by GS08/ST03 version: the 005010 837P and 837I releases the pipeline accepts.
 */
import { GUIDE_837I } from './837i.js';
import { GUIDE_837P } from './837p.js';
import type { TransactionGuide } from './model.js';

/**
 * Later errata keep the loops, segments and code lists these guides check, so one guide serves
 * each family: X222A1/A2 for the 837P, X223A1/A2/A3 for the 837I.
 */
const GUIDES: Readonly<Record<string, TransactionGuide>> = {
  '005010X222A1': GUIDE_837P,
  '005010X222A2': GUIDE_837P,
  '005010X223A1': GUIDE_837I,
  '005010X223A2': GUIDE_837I,
  '005010X223A3': GUIDE_837I,
};

/** GS08 values of the 837 guides accepted, in release order. */
export const ACCEPTED_837_GUIDE_VERSIONS: readonly string[] = Object.keys(GUIDES);

/** The guide for a GS08/ST03 version, or undefined when the version is not an accepted 837. */
export function guideFor(version: string): TransactionGuide | undefined {
  return Object.hasOwn(GUIDES, version) ? GUIDES[version] : undefined;
}

export { GUIDE_837I, GUIDE_837P };
