import { seoulPlan } from '../../fixtures/build';

describe('plan for the Seoul topology', () => {
  const p = seoulPlan();

  it('carves three private /19 subnets, one per zone, and a public one in zone a', () => {
    expect(p.privateSubnets.map((s) => [s.az, s.cidr])).toEqual([
      ['ap-northeast-2a', '10.0.0.0/19'],
      ['ap-northeast-2b', '10.0.32.0/19'],
      ['ap-northeast-2c', '10.0.64.0/19'],
    ]);
    expect(p.publicSubnet).toMatchObject({ az: 'ap-northeast-2a', cidr: '10.0.224.0/19' });
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
    expect(p.publicSubnet.tags['kubernetes.io/role/elb']).toBe('1');
  });

  it('opens nothing on a node to 0.0.0.0/0 and SSH only from the bastion group', () => {
    for (const key of ['controlPlane', 'workers'] as const) {
      const rules = p.securityGroups[key].ingress;
      expect(rules.every((r) => 'group' in r.source)).toBe(true);
      expect(rules.filter((r) => r.fromPort === 22).map((r) => r.source)).toEqual([{ group: 'bastion' }]);
    }
    expect(p.securityGroups.bastion.ingress.map((r) => r.source)).toEqual([{ cidr: '203.0.113.0/24' }]);
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
