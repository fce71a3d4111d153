import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, how a dual-stack socket reports IPv4 peers). */
const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** `10.0.0.0/8` or `2001:db8::/32` (a bare address is a /32 or /128); undefined when not a CIDR. */
export function parseCidr(
  text: string,
): { readonly address: string; readonly prefix: number; readonly family: 'ipv4' | 'ipv6' } | undefined {
  const [address = '', prefixText, extra] = text.split('/');
  if (extra !== undefined) return undefined;
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (family === undefined) return undefined;
  const max = family === 'ipv4' ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  return prefix <= max ? { address, prefix, family } : undefined;
}

/**
 * Whether `sourceIp` lies in one of `cidrs`. An address that is not an IP (`unknown`, when the host
 * could not tell) is never inside; IPv4-mapped IPv6 peers are matched as the IPv4 address they are.
 */
export function sourceAllowed(cidrs: readonly string[], sourceIp: string): boolean {
  const mapped = MAPPED_IPV4.exec(sourceIp)?.[1];
  const address = mapped !== undefined && isIPv4(mapped) ? mapped : sourceIp;
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (family === undefined) return false;
  return blockListOf(cidrs).check(address, family);
}

/**
 * Built lists by their CIDRs: the registry is read on every request (so a change applies at once), but
 * the same allow-list need not be parsed again. Bounded: a registry has few distinct lists.
 */
const built = new Map<string, BlockList>();

function blockListOf(cidrs: readonly string[]): BlockList {
  const key = cidrs.join(' ');
  let list = built.get(key);
  if (list === undefined) {
    list = new BlockList();
    for (const cidr of cidrs) {
      const parsed = parseCidr(cidr);
      if (parsed !== undefined) list.addSubnet(parsed.address, parsed.prefix, parsed.family);
    }
    if (built.size >= 256) built.clear();
    built.set(key, list);
  }
  return list;
}
