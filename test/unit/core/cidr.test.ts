import { carve, contains, isCidr, isRfc1918, overlaps, parseCidr, usableAddresses, type Cidr } from '../../../functions/core/cidr';

const parsed = (text: string): Cidr => {
  const result = parseCidr(text);
  if (!isCidr(result)) throw new Error(`${text} did not parse: ${result.problem}`);
  return result;
};

describe('parseCidr', () => {
  it.each([
    ['10.0.0.0/16', '10.0.0.0', 16],
    ['192.168.10.0/24', '192.168.10.0', 24],
    ['10.0.0.5/32', '10.0.0.5', 32],
    ['0.0.0.0/0', '0.0.0.0', 0],
  ])('parses %s', (text, base, prefix) => {
    expect(parsed(text)).toMatchObject({ text, base, prefix });
    expect(parsed(text).block.bitmask).toBe(prefix);
  });

  it.each([
    ['an address without a prefix', '10.0.0.0'],
    ['a prefix above 32', '10.0.0.0/33'],
    ['an octet above 255', '10.256.0.0/16'],
    ['three octets', '10.0.0/16'],
    ['leading zeros', '010.0.0.0/16'],
    ['surrounding spaces', ' 10.0.0.0/16'],
    ['IPv6', '::/0'],
    ['not text at all', 42 as unknown as string],
  ])('calls %s malformed', (_what, text) => {
    expect(parseCidr(text)).toEqual({ problem: 'malformed' });
  });

  it.each([
    ['10.0.1.0/16', '10.0.0.0/16'],
    ['10.0.0.1/31', '10.0.0.0/31'],
    // /0 is the whole internet whatever address is written before it: only 0.0.0.0/0 says so plainly.
    ['203.0.113.0/0', '0.0.0.0/0'],
  ])('rejects host bits in %s and suggests %s', (text, suggestion) => {
    expect(parseCidr(text)).toEqual({ problem: 'not-network-address', suggestion });
  });
});

describe('isRfc1918', () => {
  it.each<[string, boolean]>([
    ['10.0.0.0/16', true],
    ['10.0.0.0/8', true],
    ['172.16.0.0/12', true],
    ['172.31.0.0/16', true],
    ['192.168.0.0/16', true],
    ['172.32.0.0/16', false],
    ['8.8.8.0/24', false],
    ['100.64.0.0/16', false],
    ['10.0.0.0/7', false],
    ['192.168.0.0/15', false],
  ])('%s → %p', (text, expected) => {
    expect(isRfc1918(parsed(text))).toBe(expected);
  });
});

describe('contains', () => {
  it.each<[string, string, boolean]>([
    ['10.0.0.0/16', '10.0.32.0/19', true],
    ['10.0.0.0/16', '10.0.0.0/16', true],
    ['10.0.0.0/16', '10.0.255.255/32', true],
    ['10.0.0.0/16', '10.1.0.0/19', false],
    ['10.0.0.0/16', '10.0.0.0/15', false],
  ])('%s contains %s: %p', (outer, inner, expected) => {
    expect(contains(outer, inner)).toBe(expected);
  });
});

describe('overlaps', () => {
  it.each<[string, string, boolean]>([
    ['10.0.0.0/16', '10.0.128.0/17', true],
    ['10.0.128.0/17', '10.0.0.0/16', true],
    ['10.0.0.0/16', '10.0.0.0/16', true],
    ['10.0.0.0/16', '10.1.0.0/16', false],
    ['10.244.0.0/16', '10.96.0.0/12', false],
    ['10.0.0.0/16', '10.0.0.0/8', true],
  ])('%s and %s: %p', (a, b, expected) => {
    expect(overlaps(a, b)).toBe(expected);
  });
});

describe('carve', () => {
  it('carves consecutive blocks of the given size from the start of the parent', () => {
    expect([0, 1, 2, 7].map((i) => carve('10.0.0.0/16', 19, i))).toEqual(['10.0.0.0/19', '10.0.32.0/19', '10.0.64.0/19', '10.0.224.0/19']);
  });

  it('carves from the network address even when the parent is written with host bits', () => {
    expect(carve('10.0.5.0/16', 24, 1)).toBe('10.0.1.0/24');
  });

  it('carves blocks that lie inside the parent and do not overlap each other', () => {
    const blocks = [0, 1, 2, 3].map((i) => carve('192.168.0.0/24', 26, i));
    for (const block of blocks) expect(contains('192.168.0.0/24', block)).toBe(true);
    for (let i = 0; i < blocks.length; i++) for (let j = i + 1; j < blocks.length; j++) expect(overlaps(blocks[i], blocks[j])).toBe(false);
  });
});

describe('usableAddresses', () => {
  it.each([
    [28, 11],
    [24, 251],
    [19, 8187],
    [16, 65531],
  ])('a /%i leaves %i addresses after the five AWS reserves', (prefix, expected) => {
    expect(usableAddresses(prefix)).toBe(expected);
  });
});
