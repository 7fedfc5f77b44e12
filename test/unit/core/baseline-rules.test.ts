import { evaluateBaseline, type BaselineFacts } from '../../../functions/core/baseline-rules';
import { closedNetworkPlan, seoulPlan, TRANSIT_GATEWAY_ID } from '../../fixtures/build';

const plan = seoulPlan();
const instance = (name: string, extra: Partial<BaselineFacts['nodes'][number]> = {}) => ({
  instanceId: `i-${name}`,
  name,
  role: 'worker',
  httpTokens: 'required',
  volumes: [{ volumeId: `vol-${name}`, encrypted: true, volumeType: 'gp3' }],
  ...extra,
});

function goodFacts(): BaselineFacts {
  return {
    nodes: [instance('cp-1', { role: 'control-plane' }), instance('worker-1')],
    bastion: instance('bastion', { role: 'bastion', publicIp: '3.3.3.3' }),
    groupIds: { bastion: 'sg-b', nlb: 'sg-n', controlPlane: 'sg-c', workers: 'sg-w' },
    ingressRules: [
      { groupId: 'sg-b', fromPort: 22, toPort: 22, cidr: '203.0.113.0/24' },
      { groupId: 'sg-c', fromPort: 6443, toPort: 6443, referencedGroupId: 'sg-n' },
      { groupId: 'sg-w', fromPort: 30080, toPort: 30080, referencedGroupId: 'sg-n' },
      { groupId: 'sg-n', fromPort: 6443, toPort: 6443, cidr: '10.0.0.0/16' },
    ],
    privateSubnetRoutes: { 'subnet-a': ['10.0.0.0/16→local'] },
    loadBalancer: { scheme: 'internal', securityGroups: ['sg-n'], attributes: { 'load_balancing.cross_zone.enabled': 'true' } },
    targetGroupAttributes: { 'arn:tg-6443': { 'preserve_client_ip.enabled': 'false' } },
    connectionStates: {},
  };
}

const failing = (facts: BaselineFacts) =>
  evaluateBaseline(facts, plan)
    .checks.filter((c) => !c.ok)
    .map((c) => c.id);

describe('evaluateBaseline', () => {
  it('passes a build that keeps every invariant', () => {
    const result = evaluateBaseline(goodFacts(), plan);
    expect(result.checks.every((c) => c.ok)).toBe(true);
    expect(result.checks.map((c) => c.id)).toEqual([
      'imdsv2-required',
      'volumes-encrypted-gp3',
      'no-node-public-ip',
      'no-node-rule-from-anywhere',
      'bastion-ssh-restricted',
      'private-subnets-closed',
      'connections-available',
      'nlb-internal-with-security-group',
      'hairpin-safe-target-groups',
    ]);
  });

  it.each<[string, (f: BaselineFacts) => void, string]>([
    ['an instance allowing IMDSv1', (f) => (f.nodes[0].httpTokens = 'optional'), 'imdsv2-required'],
    ['an unencrypted volume', (f) => (f.nodes[1].volumes[0].encrypted = false), 'volumes-encrypted-gp3'],
    ['a gp2 volume', (f) => (f.bastion!.volumes[0].volumeType = 'gp2'), 'volumes-encrypted-gp3'],
    ['a node with a public IP', (f) => (f.nodes[1].publicIp = '54.1.2.3'), 'no-node-public-ip'],
    [
      'a node rule open to the world',
      (f) => f.ingressRules.push({ groupId: 'sg-w', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' }),
      'no-node-rule-from-anywhere',
    ],
    [
      'a node rule open to the IPv6 world',
      (f) => f.ingressRules.push({ groupId: 'sg-c', fromPort: 22, toPort: 22, cidr: '::/0' }),
      'no-node-rule-from-anywhere',
    ],
    [
      'bastion SSH from an unlisted CIDR',
      (f) => f.ingressRules.push({ groupId: 'sg-b', fromPort: 22, toPort: 22, cidr: '198.51.100.0/24' }),
      'bastion-ssh-restricted',
    ],
    [
      'a bastion port other than SSH',
      (f) => f.ingressRules.push({ groupId: 'sg-b', fromPort: 3389, toPort: 3389, cidr: '203.0.113.0/24' }),
      'bastion-ssh-restricted',
    ],
    ['a private subnet routed to the internet', (f) => f.privateSubnetRoutes['subnet-a'].push('0.0.0.0/0→igw-1'), 'private-subnets-closed'],
    ['an internet-facing NLB', (f) => (f.loadBalancer.scheme = 'internet-facing'), 'nlb-internal-with-security-group'],
    ['an NLB without its security group', (f) => (f.loadBalancer.securityGroups = []), 'nlb-internal-with-security-group'],
    [
      'cross-zone off',
      (f) => (f.loadBalancer.attributes['load_balancing.cross_zone.enabled'] = 'false'),
      'nlb-internal-with-security-group',
    ],
    [
      'client IP preservation on (hairpin trap)',
      (f) => (f.targetGroupAttributes['arn:tg-6443']['preserve_client_ip.enabled'] = 'true'),
      'hairpin-safe-target-groups',
    ],
  ])('fails on %s', (_what, breakIt, id) => {
    const facts = goodFacts();
    breakIt(facts);
    expect(failing(facts)).toEqual([id]);
  });
});

describe('evaluateBaseline with NAT egress, endpoints and a Transit Gateway', () => {
  const connected = closedNetworkPlan();
  const tgwRoute = `10.200.0.0/16→${TRANSIT_GATEWAY_ID}`;

  function connectedFacts(): BaselineFacts {
    return {
      ...goodFacts(),
      privateSubnetRoutes: {
        'subnet-a': ['10.0.0.0/16→local', '0.0.0.0/0→nat-0a', tgwRoute],
        'subnet-b': ['10.0.0.0/16→local', '0.0.0.0/0→nat-0b', tgwRoute],
      },
      connectionStates: { 'nat-0a': 'available', 'nat-0b': 'available', 'vpce-0ssm': 'available', 'tgw-attach-01': 'available' },
    };
  }
  const failingOn = (facts: BaselineFacts) =>
    evaluateBaseline(facts, connected)
      .checks.filter((c) => !c.ok)
      .map((c) => c.id);

  it('passes private subnets that reach the internet through their NAT gateways and on-premises through the gateway', () => {
    const result = evaluateBaseline(connectedFacts(), connected);
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
    const ids = result.checks.map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['private-egress-through-nat', 'transit-gateway-routes', 'connections-available']));
    // A NAT route is the point of "nat-per-az": the closed-network check does not apply.
    expect(ids).not.toContain('private-subnets-closed');
  });

  it('names every connection that is not available, with its state', () => {
    const facts = connectedFacts();
    facts.connectionStates['tgw-attach-01'] = 'pendingAcceptance';
    facts.connectionStates['vpce-0ssm'] = 'pending';
    const check = evaluateBaseline(facts, connected).checks.find((c) => c.id === 'connections-available');
    expect(check).toMatchObject({ ok: false });
    expect(check?.detail).toContain('tgw-attach-01 is pendingAcceptance');
    expect(check?.detail).toContain('vpce-0ssm is pending');
  });

  it.each<[string, (f: BaselineFacts) => void, string]>([
    [
      'a private subnet without its default route',
      (f) => (f.privateSubnetRoutes['subnet-b'] = ['10.0.0.0/16→local', tgwRoute]),
      'private-egress-through-nat',
    ],
    [
      'a private subnet routed straight to the Internet Gateway',
      (f) => (f.privateSubnetRoutes['subnet-a'][1] = '0.0.0.0/0→igw-1'),
      'private-egress-through-nat',
    ],
    [
      'a private subnet without the route to the Transit Gateway',
      (f) => (f.privateSubnetRoutes['subnet-b'] = ['10.0.0.0/16→local', '0.0.0.0/0→nat-0b']),
      'transit-gateway-routes',
    ],
    ['a NAT gateway still pending', (f) => (f.connectionStates['nat-0b'] = 'pending'), 'connections-available'],
  ])('fails on %s', (_what, breakIt, id) => {
    const facts = connectedFacts();
    breakIt(facts);
    expect(failingOn(facts)).toEqual([id]);
  });

  it("with a NAT gateway per zone, names a subnet that leaves through another zone's NAT gateway", () => {
    const facts = { ...connectedFacts(), natOfSubnet: { 'subnet-a': 'nat-0a', 'subnet-b': 'nat-0b' } };
    expect(failingOn(facts)).toEqual([]);
    facts.privateSubnetRoutes['subnet-b'][1] = '0.0.0.0/0→nat-0a';
    const check = evaluateBaseline(facts, connected).checks.find((c) => c.id === 'private-egress-through-nat');
    expect(check).toMatchObject({ ok: false, detail: 'subnet-b routes 0.0.0.0/0→nat-0a, not through nat-0b' });
  });

  it('with interface endpoints, checks the VPC answers their private DNS names (DNS support and hostnames on)', () => {
    const facts = { ...connectedFacts(), vpcDns: { support: true, hostnames: true } };
    expect(evaluateBaseline(facts, connected).checks.find((c) => c.id === 'vpc-dns-for-endpoints')).toMatchObject({ ok: true });
    facts.vpcDns = { support: true, hostnames: false };
    expect(evaluateBaseline(facts, connected).checks.find((c) => c.id === 'vpc-dns-for-endpoints')).toMatchObject({
      ok: false,
      detail: 'DNS hostnames are off',
    });
    // Without endpoints the attributes are not read, and there is no such check.
    expect(evaluateBaseline(connectedFacts(), connected).checks.map((c) => c.id)).not.toContain('vpc-dns-for-endpoints');
  });

  it('keeps a closed network (egress "none") closed while it routes on-premises ranges to the gateway', () => {
    const closed = closedNetworkPlan({ egress: 'none' });
    const facts = { ...connectedFacts(), privateSubnetRoutes: { 'subnet-a': ['10.0.0.0/16→local', tgwRoute] } };
    expect(evaluateBaseline(facts, closed).checks.filter((c) => !c.ok)).toEqual([]);
    facts.privateSubnetRoutes['subnet-a'].push('0.0.0.0/0→nat-0a');
    expect(
      evaluateBaseline(facts, closed)
        .checks.filter((c) => !c.ok)
        .map((c) => c.id),
    ).toEqual(['private-subnets-closed']);
  });

  it('passes a build without a bastion: no bastion instance, no bastion group', () => {
    const bastionless = closedNetworkPlan({ bastion: { enabled: false }, egress: 'none' });
    const facts: BaselineFacts = {
      ...connectedFacts(),
      bastion: undefined,
      groupIds: { nlb: 'sg-n', controlPlane: 'sg-c', workers: 'sg-w', endpoints: 'sg-e' },
      ingressRules: [
        ...goodFacts().ingressRules.filter((r) => r.groupId !== 'sg-b'),
        { groupId: 'sg-e', fromPort: 443, toPort: 443, cidr: '10.0.0.0/16' },
      ],
      privateSubnetRoutes: { 'subnet-a': ['10.0.0.0/16→local', tgwRoute] },
    };
    expect(evaluateBaseline(facts, bastionless).checks.filter((c) => !c.ok)).toEqual([]);
  });
});
