import { DROP, type Json, type PolicyServices, type WholePolicy, withheld } from './policy.js';

/**
 * HumanName: never released, whatever the contract allows. Its parts are remembered first, so the
 * same name is also removed where it turns up in free text or a kept display.
 */
export const humanNamePolicy: WholePolicy = ({ value, place }, services) => {
  collectHumanName(value, services.identifiers);
  withheld(place, services);
  return DROP;
};

export function collectHumanName(name: Json, identifiers: PolicyServices['identifiers']): void {
  if (typeof name.family === 'string') identifiers.addName(name.family);
  if (typeof name.text === 'string') identifiers.addName(name.text);
  if (Array.isArray(name.given))
    for (const part of name.given) if (typeof part === 'string') identifiers.addName(part);
}
