import { plan } from '../../../functions/core/plan';
import { planResources, planSummary } from '../../../functions/ops/plan-resources';
import { closedNetworkPlan, seoulPlan, TRANSIT_GATEWAY_ID } from '../../fixtures/build';

describe('planResources: what a build creates, in the order it creates it', () => {
  it('lists the Seoul build step by step: network, nodes, load balancer, bastion', () => {
    const resources = planResources(seoulPlan());
    expect(resources.map((r) => `${r.step} ${r.type} ${r.name}`)).toEqual([
      'CreateNetwork vpc fin-k8s-dev-vpc',
      'CreateNetwork internet-gateway fin-k8s-dev-igw',
      'CreateNetwork subnet fin-k8s-dev-private-a',
      'CreateNetwork subnet fin-k8s-dev-private-b',
      'CreateNetwork subnet fin-k8s-dev-private-c',
      'CreateNetwork subnet fin-k8s-dev-public-a',
      'CreateNetwork route-table fin-k8s-dev-private-rt',
      'CreateNetwork route-table fin-k8s-dev-public-rt',
      'CreateNetwork security-group fin-k8s-dev-bastion-sg',
      'CreateNetwork security-group fin-k8s-dev-nlb-sg',
      'CreateNetwork security-group fin-k8s-dev-control-plane-sg',
      'CreateNetwork security-group fin-k8s-dev-worker-sg',
      'LaunchNodes instance fin-k8s-dev-cp-1',
      'LaunchNodes instance fin-k8s-dev-cp-2',
      'LaunchNodes instance fin-k8s-dev-cp-3',
      'LaunchNodes instance fin-k8s-dev-worker-1',
      'LaunchNodes instance fin-k8s-dev-worker-2',
      'LaunchNodes instance fin-k8s-dev-worker-3',
      'CreateLoadBalancer loadbalancer fin-k8s-dev-nlb',
      'CreateLoadBalancer targetgroup fin-k8s-dev-tg-6443',
      'CreateLoadBalancer targetgroup fin-k8s-dev-tg-80',
      'CreateLoadBalancer targetgroup fin-k8s-dev-tg-443',
      'CreateLoadBalancer listener fin-k8s-dev-nlb:6443',
      'CreateLoadBalancer listener fin-k8s-dev-nlb:80',
      'CreateLoadBalancer listener fin-k8s-dev-nlb:443',
      'LaunchBastion elastic-ip fin-k8s-dev-bastion-eip',
      'LaunchBastion instance fin-k8s-dev-bastion',
    ]);
    expect(planSummary(resources)).toEqual({
      create: 27,
      byType: {
        vpc: 1,
        'internet-gateway': 1,
        subnet: 4,
        'route-table': 2,
        'security-group': 4,
        instance: 7,
        loadbalancer: 1,
        targetgroup: 3,
        listener: 3,
        'elastic-ip': 1,
      },
    });
  });

  it('shows zones, CIDRs, first instance type, rules and listeners where they apply', () => {
    const resources = planResources(seoulPlan());
    const find = (name: string) => resources.find((r) => r.name === name);
    expect(find('fin-k8s-dev-private-b')).toMatchObject({ zone: 'ap-northeast-2b', cidr: '10.0.32.0/19' });
    expect(find('fin-k8s-dev-worker-1')).toMatchObject({ instanceType: 'm6i.xlarge', zone: 'ap-northeast-2a' });
    expect(find('fin-k8s-dev-worker-1')?.detail).toContain('falls back to m5.xlarge');
    expect(find('fin-k8s-dev-bastion-sg')?.rules).toEqual(['tcp 22 from 203.0.113.0/24 — SSH from 203.0.113.0/24']);
    expect(find('fin-k8s-dev-worker-sg')?.rules).toContain('tcp 30080 from sg fin-k8s-dev-nlb-sg — NodePort 30080 for NLB listener 80');
    expect(find('fin-k8s-dev-nlb')?.listeners).toEqual([
      'TCP 6443 → control-plane nodes :6443 (fin-k8s-dev-tg-6443)',
      'TCP 80 → worker nodes :30080 (fin-k8s-dev-tg-80)',
      'TCP 443 → worker nodes :30443 (fin-k8s-dev-tg-443)',
    ]);
    expect(find('fin-k8s-dev-vpc')?.tags).toMatchObject({ 'k8s-ec2:managed-by': 'k8s-ec2-builder', team: 'platform' });
  });

  it('a closed network: no bastion, the nodes’ role and profile first, NAT, endpoints and the attachment last', () => {
    const plan = closedNetworkPlan({ bastion: { enabled: false } });
    const resources = planResources(plan);
    const byType = planSummary(resources).byType;
    expect(byType).toMatchObject({
      role: 1,
      'instance-profile': 1,
      natgateway: plan.natGateways.length,
      'vpc-endpoint': plan.endpoints.length,
    });
    expect(byType['elastic-ip']).toBe(plan.natGateways.length);
    expect(resources.filter((r) => r.name.endsWith('-bastion'))).toEqual([]);
    const launch = resources.filter((r) => r.step === 'LaunchNodes').map((r) => r.type);
    expect(launch.slice(0, 2)).toEqual(['role', 'instance-profile']);
    const attachment = resources.find((r) => r.type === 'transit-gateway-attachment');
    expect(attachment?.detail).toContain(TRANSIT_GATEWAY_ID);
    expect(resources.at(-1)).toBe(attachment);
    for (const table of resources.filter((r) => r.type === 'route-table' && r.name.includes('private')))
      expect(table.detail).toMatch(/0\.0\.0\.0\/0 → .*-nat-/);
  });
});

describe('the deployment and region tags', () => {
  it('tags everything with the deployment that makes it, and the nodes’ IAM with the build’s region', () => {
    const spec = closedNetworkPlan({ bastion: { enabled: false } }).spec;
    const resources = planResources(plan(spec, 'dev-20261127-090000-ab12', 'k8s-ec2-dev'));
    expect(resources.every((r) => r.tags['k8s-ec2:deployment'] === 'k8s-ec2-dev')).toBe(true);
    const iam = resources.filter((r) => r.type === 'role' || r.type === 'instance-profile');
    expect(iam.map((r) => r.tags['k8s-ec2:region'])).toEqual(['ap-northeast-2', 'ap-northeast-2']);
    expect(resources.filter((r) => r.tags['k8s-ec2:region'])).toHaveLength(2);
  });

  it('adds no deployment tag for an input written before deployments were recorded', () => {
    expect(planResources(seoulPlan()).some((r) => 'k8s-ec2:deployment' in r.tags)).toBe(false);
  });
});
