import { evaluateBaseline, type BaselineFacts } from '../../../functions/core/baseline-rules';
import { seoulPlan } from '../../fixtures/build';

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
    expect(result.checks).toHaveLength(8);
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
