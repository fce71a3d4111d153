import { type ElementPolicy, keptString, plainString } from './policy.js';

/** Quantities (and Age, Count, Distance, Duration): the unit is a display, the system a code system. */
const unit: ElementPolicy = (input, services) => keptString(input, services, 'check');
const system: ElementPolicy = (input, services) => plainString(input, services);

export const quantityElementPolicies: Readonly<Record<string, ElementPolicy>> = { unit, system };

export const QUANTITY_TYPES: readonly string[] = ['Quantity', 'Age', 'Count', 'Distance', 'Duration'];
