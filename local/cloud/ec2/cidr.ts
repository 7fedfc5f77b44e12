/** CIDR checks EC2 performs on VPCs, subnets and security-group rules (range maths from netmask / ipaddr.js). */
import ipaddr from 'ipaddr.js';
import { ip2long, long2ip, Netmask } from 'netmask';
import { CloudError } from '../contract';

export function parseBlock(text: string | undefined, param: string): Netmask {
  if (!text || !/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(text) || !ipaddr.isValidCIDR(text)) {
    throw new CloudError(
      'InvalidParameterValue',
      `Value (${text ?? ''}) for parameter ${param} is invalid. This is not a valid CIDR block.`,
    );
  }
  const block = new Netmask(text);
  if (`${block.base}/${block.bitmask}` !== text) {
    throw new CloudError(
      'InvalidParameterValue',
      `Value (${text}) for parameter ${param} is invalid. This is not a valid CIDR block; did you mean ${block.base}/${block.bitmask}?`,
    );
  }
  return block;
}

export function overlaps(a: Netmask, b: Netmask): boolean {
  return a.contains(b.base) || b.contains(a.base);
}

/** VPC and subnet blocks must be between /16 and /28. */
export function checkPrefix(block: Netmask, code: string, noun: string): void {
  if (block.bitmask < 16 || block.bitmask > 28) {
    throw new CloudError(
      code,
      `The CIDR '${block.base}/${block.bitmask}' is invalid for a ${noun}: the netmask must be between /16 and /28.`,
    );
  }
}

/**
 * The next free private IP in a subnet. AWS reserves the first four addresses and the last one of every
 * subnet; the lowest free address keeps IPs predictable in tests.
 */
export function nextFreeIp(cidr: string, used: Set<string>): string | undefined {
  const block = new Netmask(cidr);
  const first = ip2long(block.base) + 4;
  const last = ip2long(block.base) + block.size - 2;
  for (let n = first; n <= last; n++) {
    const ip = long2ip(n);
    if (!used.has(ip)) return ip;
  }
  return undefined;
}

/** Usable addresses: size minus the five AWS reserves. */
export function usableCount(cidr: string): number {
  return new Netmask(cidr).size - 5;
}
