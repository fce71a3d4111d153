import { DROP, type ValuePolicy, type WholePolicy, withheld } from './policy.js';

/**
 * What always goes, whatever the contract allowed: signatures, resource metadata written by the
 * source, and coordinates (latitude and longitude are geographic units far smaller than a state, and
 * than a ZIP). The identifiers inside are remembered for scrubbing free text.
 */
export const withheldWholePolicy: WholePolicy = ({ value, place }, services) => {
  services.collect(value);
  withheld(place, services);
  return DROP;
};

/**
 * uri, url, canonical, base64Binary, xhtml, and any type without a policy of its own: URLs and binary
 * content of the individual's record. The URLs that are kept (Coding.system, Quantity.system,
 * Extension.url) have element policies.
 */
export const withheldValuePolicy: ValuePolicy = ({ place }, services) => withheld(place, services);
