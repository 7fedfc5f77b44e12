import type { Plan } from '../../../functions/core/plan';
import type { BuildSpecInput } from '../../../functions/core/spec';
import { closedNetworkPlan, seoulPlan, TRANSIT_GATEWAY_ID } from '../../fixtures/build';

describe('plan for the Seoul topology', () => {
  const p = seoulPlan();

  it('carves three private /19 subnets, one per zone, and a public one in zone a', () => {
    expect(p.privateSubnets.map((s) => [s.az, s.cidr])).toEqual([
      ['ap-northeast-2a', '10.0.0.0/19'],
      ['ap-northeast-2b', '10.0.32.0/19'],
      ['ap-northeast-2c', '10.0.64.0/19'],
    ]);
    expect(p.publicSubnets).toEqual([expect.objectContaining({ az: 'ap-northeast-2a', cidr: '10.0.224.0/19' })]);
  });

  it('places one control plane and one worker in each zone', () => {
    expect(p.nodes.map((n) => `${n.name}@${n.az.slice(-1)}`)).toEqual([
      'fin-k8s-dev-cp-1@a',
      'fin-k8s-dev-cp-2@b',
      'fin-k8s-dev-cp-3@c',
      'fin-k8s-dev-worker-1@a',
      'fin-k8s-dev-worker-2@b',
      'fin-k8s-dev-worker-3@c',
    ]);
  });

  it('routes 6443 to control planes and 80/443 to the workers’ NodePorts, client IP preservation off', () => {
    expect(p.targetGroups.map((t) => [t.key, t.listenerPort, t.targetRole, t.targetPort, t.preserveClientIp])).toEqual([
      ['api', 6443, 'control-plane', 6443, false],
      ['ingress-80', 80, 'worker', 30080, false],
      ['ingress-443', 443, 'worker', 30443, false],
    ]);
  });

  it('tags every resource with ownership, user and Kubernetes tags', () => {
    expect(p.privateSubnets[0].tags).toMatchObject({
      Name: 'fin-k8s-dev-private-a',
      'k8s-ec2:cluster': 'fin-k8s-dev',
      'k8s-ec2:build-id': p.buildId,
      'k8s-ec2:role': 'private-subnet',
      'k8s-ec2:managed-by': 'k8s-ec2-builder',
      'kubernetes.io/cluster/fin-k8s-dev': 'owned',
      'kubernetes.io/role/internal-elb': '1',
      team: 'platform',
    });
    expect(p.publicSubnets[0].tags['kubernetes.io/role/elb']).toBe('1');
  });

  it('opens nothing on a node to 0.0.0.0/0 and SSH only from the bastion group', () => {
    for (const key of ['controlPlane', 'workers'] as const) {
      const rules = p.securityGroups[key].ingress;
      expect(rules.every((r) => 'group' in r.source)).toBe(true);
      expect(rules.filter((r) => r.fromPort === 22).map((r) => r.source)).toEqual([{ group: 'bastion' }]);
    }
    expect(p.securityGroups.bastion?.ingress.map((r) => r.source)).toEqual([{ cidr: '203.0.113.0/24' }]);
  });

  it('lets the NLB reach the API and exactly the listener NodePorts', () => {
    const fromNlb = (key: 'controlPlane' | 'workers') =>
      p.securityGroups[key].ingress.filter((r) => 'group' in r.source && r.source.group === 'nlb').map((r) => r.fromPort);
    expect(fromNlb('controlPlane')).toEqual(expect.arrayContaining([6443]));
    expect(fromNlb('workers')).toEqual(expect.arrayContaining([30080, 30443]));
    expect(p.securityGroups.nlb.ingress.map((r) => [r.fromPort, (r.source as { cidr: string }).cidr])).toEqual([
      [6443, '10.0.0.0/16'],
      [80, '10.0.0.0/16'],
      [443, '10.0.0.0/16'],
    ]);
  });

  it('opens etcd only between control planes', () => {
    const etcd = p.securityGroups.controlPlane.ingress.filter((r) => r.fromPort === 2379);
    expect(etcd).toEqual([expect.objectContaining({ toPort: 2380, source: { group: 'controlPlane' } })]);
    expect(p.securityGroups.workers.ingress.some((r) => r.fromPort === 2379)).toBe(false);
  });
});

describe('plan: egress, endpoints, the Transit Gateway and bastion-less access', () => {
  const SSM = ['ssm', 'ssmmessages', 'ec2messages'];
  const publicSubnetsOf = (p: Plan) => p.publicSubnets.map((s) => [s.az, s.cidr]);

  it.each<[string, Partial<BuildSpecInput>, string[][]]>([
    ['a bastion and egress "none" (the default)', {}, [['ap-northeast-2a', '10.0.224.0/19']]],
    ['no bastion and a single NAT gateway', { bastion: { enabled: false }, egress: 'nat-single' }, [['ap-northeast-2a', '10.0.224.0/19']]],
    [
      'a NAT gateway per zone',
      { egress: 'nat-per-az' },
      [
        ['ap-northeast-2a', '10.0.224.0/19'],
        ['ap-northeast-2b', '10.0.192.0/19'],
        ['ap-northeast-2c', '10.0.160.0/19'],
      ],
    ],
    ['no bastion and egress "none"', { bastion: { enabled: false }, egress: 'none', endpoints: SSM }, []],
  ])('carves the public subnets from the last slot down for %s', (_what, overrides, expected) => {
    const p = seoulPlan(overrides);
    expect(publicSubnetsOf(p)).toEqual(expected);
    // The private subnets keep their slots whatever the public ones are.
    expect(p.privateSubnets.map((s) => s.cidr)).toEqual(['10.0.0.0/19', '10.0.32.0/19', '10.0.64.0/19']);
  });

  it('has no Internet Gateway, public route table, NAT gateway or Elastic IP for a closed network without a bastion', () => {
    const p = seoulPlan({ bastion: { enabled: false }, egress: 'none', endpoints: SSM });
    expect(p.internetGateway).toBeUndefined();
    expect(p.routeTables.public).toBeUndefined();
    expect(p.natGateways).toEqual([]);
    expect(p.routeTables.private).toEqual([expect.objectContaining({ name: 'fin-k8s-dev-private-rt', zones: p.spec.availabilityZones })]);
  });

  it('gives each zone its own NAT gateway and private route table for "nat-per-az"', () => {
    const p = seoulPlan({ egress: 'nat-per-az' });
    expect(p.routeTables.private.map((t) => [t.name, t.zones])).toEqual([
      ['fin-k8s-dev-private-rt-a', ['ap-northeast-2a']],
      ['fin-k8s-dev-private-rt-b', ['ap-northeast-2b']],
      ['fin-k8s-dev-private-rt-c', ['ap-northeast-2c']],
    ]);
    expect(p.natGateways.map((n) => [n.name, n.az, n.zones])).toEqual([
      ['fin-k8s-dev-nat-a', 'ap-northeast-2a', ['ap-northeast-2a']],
      ['fin-k8s-dev-nat-b', 'ap-northeast-2b', ['ap-northeast-2b']],
      ['fin-k8s-dev-nat-c', 'ap-northeast-2c', ['ap-northeast-2c']],
    ]);
    expect(p.natGateways[0].tags).toMatchObject({
      Name: 'fin-k8s-dev-nat-a',
      'k8s-ec2:role': 'nat-gateway',
      'k8s-ec2:build-id': p.buildId,
    });
    expect(p.natGateways[0].addressTags).toMatchObject({ Name: 'fin-k8s-dev-nat-a-eip', 'k8s-ec2:role': 'nat-eip' });
    expect(p.routeTables.private.map((t) => t.tags['k8s-ec2:role'])).toEqual(Array(3).fill('private-route-table'));
  });

  it('routes every zone through one NAT gateway in the first zone for "nat-single"', () => {
    const p = seoulPlan({ egress: 'nat-single' });
    expect(p.natGateways.map((n) => [n.az, n.zones])).toEqual([['ap-northeast-2a', p.spec.availabilityZones]]);
    expect(p.routeTables.private).toHaveLength(1);
    expect(p.internetGateway).toBeDefined();
  });

  it('plans s3 as a gateway endpoint and every other service as an interface endpoint, named and tagged', () => {
    const p = closedNetworkPlan();
    expect(p.endpoints.map((e) => [e.service, e.type, e.serviceName])).toEqual([
      ['ssm', 'Interface', 'com.amazonaws.ap-northeast-2.ssm'],
      ['ssmmessages', 'Interface', 'com.amazonaws.ap-northeast-2.ssmmessages'],
      ['ec2messages', 'Interface', 'com.amazonaws.ap-northeast-2.ec2messages'],
      ['s3', 'Gateway', 'com.amazonaws.ap-northeast-2.s3'],
      ['ecr.api', 'Interface', 'com.amazonaws.ap-northeast-2.ecr.api'],
      ['ecr.dkr', 'Interface', 'com.amazonaws.ap-northeast-2.ecr.dkr'],
      ['sts', 'Interface', 'com.amazonaws.ap-northeast-2.sts'],
      ['logs', 'Interface', 'com.amazonaws.ap-northeast-2.logs'],
    ]);
    expect(p.endpoints[0].tags).toMatchObject({ Name: 'fin-k8s-dev-vpce-ssm', 'k8s-ec2:role': 'vpc-endpoint', team: 'platform' });
    expect(seoulPlan().endpoints).toEqual([]);
  });

  it('plans one tagged attachment to the spec’s Transit Gateway, with its routes', () => {
    const p = closedNetworkPlan();
    expect(p.transitGateway).toMatchObject({ id: TRANSIT_GATEWAY_ID, routes: ['10.200.0.0/16'] });
    expect(p.transitGateway?.attachment.tags).toMatchObject({
      Name: 'fin-k8s-dev-tgw-attachment',
      'k8s-ec2:role': 'transit-gateway-attachment',
      'k8s-ec2:build-id': p.buildId,
      'k8s-ec2:cluster': 'fin-k8s-dev',
      team: 'platform',
    });
    expect(seoulPlan().transitGateway).toBeUndefined();
  });

  it('plans the nodes’ Session Manager instance profile only without a bastion, unique to the build', () => {
    expect(seoulPlan().instanceProfile).toBeUndefined();
    const bastionless = { bastion: { enabled: false }, endpoints: SSM };
    const profile = seoulPlan(bastionless).instanceProfile;
    expect(profile).toMatchObject({
      path: '/k8s-ec2-builder/',
      tags: { 'k8s-ec2:role': 'node-instance-profile' },
    });
    expect(profile?.name).toMatch(/^fin-k8s-dev-ssm-[0-9a-f]{8}$/);
    expect(seoulPlan(bastionless, 'fin-k8s-dev-20261126-cd34').instanceProfile?.name).not.toBe(profile?.name);
  });
});

describe('security groups: the bastion’s and the endpoints’ only where they are needed', () => {
  it('has no bastion group and no SSH rule on any node without a bastion, and still nothing from 0.0.0.0/0', () => {
    const p = seoulPlan({ bastion: { enabled: false }, endpoints: ['ssm', 'ssmmessages', 'ec2messages'] });
    expect(p.securityGroups.bastion).toBeUndefined();
    for (const key of ['controlPlane', 'workers'] as const) {
      const rules = p.securityGroups[key].ingress;
      expect(rules.filter((r) => r.fromPort === 22)).toEqual([]);
      expect(rules.every((r) => 'group' in r.source)).toBe(true);
    }
  });

  it('lets interface endpoints answer HTTPS from the VPC CIDR only', () => {
    const endpoints = closedNetworkPlan().securityGroups.endpoints;
    expect(endpoints).toMatchObject({ name: 'fin-k8s-dev-endpoint-sg', tags: { 'k8s-ec2:role': 'endpoint-sg' } });
    expect(endpoints?.ingress).toEqual([
      { protocol: 'tcp', fromPort: 443, toPort: 443, source: { cidr: '10.0.0.0/16' }, description: 'HTTPS from 10.0.0.0/16' },
    ]);
  });

  it('has no endpoint group without interface endpoints (s3 alone is a gateway endpoint, no interface)', () => {
    expect(seoulPlan().securityGroups.endpoints).toBeUndefined();
    expect(seoulPlan({ endpoints: ['s3'] }).securityGroups.endpoints).toBeUndefined();
    expect(Object.keys(seoulPlan().securityGroups)).toEqual(['bastion', 'nlb', 'controlPlane', 'workers']);
  });
});
