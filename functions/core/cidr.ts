import ipaddr from 'ipaddr.js';
import { Netmask } from 'netmask';

/** A parsed IPv4 CIDR. Parsing and range maths come from ipaddr.js and netmask. */
export interface Cidr {
  text: string;
  base: string;
  prefix: number;
  block: Netmask;
}

export type CidrProblem = 'malformed' | 'not-network-address';

/** Parses an IPv4 CIDR strictly: four octets, a prefix, and no host bits set. */
export function parseCidr(text: string): Cidr | { problem: CidrProblem; suggestion?: string } {
  if (typeof text !== 'string' || !/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(text) || !ipaddr.isValidCIDR(text)) {
    return { problem: 'malformed' };
  }
  const [address, prefixText] = text.split('/');
  const prefix = Number(prefixText);
  if (!ipaddr.IPv4.isValidFourPartDecimal(address) || prefix > 32) return { problem: 'malformed' };
  // The "a.b.c.d/n" form: netmask reads a numeric mask of 0 as "no mask" (a /32), so /0 would pass as a host.
  const block = new Netmask(`${address}/${prefix}`);
  if (block.base !== address) return { problem: 'not-network-address', suggestion: `${block.base}/${prefix}` };
  return { text, base: block.base, prefix, block };
}

export function isCidr(value: Cidr | { problem: CidrProblem }): value is Cidr {
  return 'block' in value;
}

/** RFC 1918 private ranges: 10/8, 172.16/12, 192.168/16 (ipaddr.js calls this range 'private'). */
export function isRfc1918(cidr: Cidr): boolean {
  const range = ipaddr.parseCIDR(cidr.text);
  return range[0].range() === 'private' && ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].some((outer) => contains(outer, cidr.text));
}

/** True when `inner` lies wholly inside `outer`. */
export function contains(outer: string, inner: string): boolean {
  const o = new Netmask(outer);
  const i = new Netmask(inner);
  return o.contains(i.first) && o.contains(i.last) && o.bitmask <= i.bitmask;
}

export function overlaps(a: string, b: string): boolean {
  const x = new Netmask(a);
  const y = new Netmask(b);
  return x.contains(y.base) || y.contains(x.base);
}

/** The `index`-th block of size /`prefix` inside `parent` (netmask's `next` steps by the block size). */
export function carve(parent: string, prefix: number, index: number): string {
  const base = new Netmask(new Netmask(parent).base, prefix);
  return base.next(index).toString();
}

/** Usable addresses in a subnet: AWS reserves the first four and the last one. */
export function usableAddresses(prefix: number): number {
  return 2 ** (32 - prefix) - 5;
}
