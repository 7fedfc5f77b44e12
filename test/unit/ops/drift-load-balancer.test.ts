/** Load balancer drift: cross-zone, scheme, listeners deleted, added or re-pointed, targets, target groups. */
import { DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { findDrift } from '../../../functions/ops/drift';
import { mockAws } from '../../fixtures/aws';
import { seoulPlan } from '../../fixtures/build';
import { DriftWorld } from './drift-world';

const aws = mockAws();
const plan = seoulPlan();
const NLB = 'load-balancer fin-k8s-dev-nlb';
const API_TG = 'target-group fin-k8s-dev-tg-6443';

function world(): DriftWorld {
  return new DriftWorld(plan).install(aws.ec2, aws.elbv2);
}

const drift = (w: DriftWorld) => findDrift(aws.clients, plan, w.outputs);

describe('load balancer drift', () => {
  it('reports cross-zone turned off and the NLB security group swapped', async () => {
    const w = world();
    w.loadBalancerAttributes['load_balancing.cross_zone.enabled'] = 'false';
    w.loadBalancer!.SecurityGroups = ['sg-0open'];
    expect(await drift(w)).toEqual([
      { resource: NLB, field: 'crossZone', expected: true, actual: false },
      { resource: NLB, field: 'securityGroups', expected: ['sg-nlb'], actual: ['sg-0open'] },
    ]);
  });

  it('reports a deleted listener, one re-pointed to another target group, and one added on a port the plan has not', async () => {
    const w = world();
    const ingress443 = w.targetGroup('ingress-443').group.TargetGroupArn!;
    w.listeners = w.listeners.filter((l) => l.Port !== 6443);
    w.listeners.find((l) => l.Port === 80)!.DefaultActions = [{ Type: 'forward', TargetGroupArn: ingress443 }];
    w.listeners.push({
      Port: 8080,
      Protocol: 'TCP',
      DefaultActions: [{ Type: 'forward', TargetGroupArn: 'arn:aws:elasticloadbalancing:x:targetgroup/debug/1' }],
    });
    expect(await drift(w)).toEqual([
      { resource: NLB, field: 'listener 6443', expected: 'TCP 6443 → fin-k8s-dev-tg-6443', actual: null },
      { resource: NLB, field: 'listener 80', expected: 'TCP 80 → fin-k8s-dev-tg-80', actual: 'TCP 80 → fin-k8s-dev-tg-443' },
      { resource: NLB, field: 'listener 8080', expected: null, actual: 'TCP 8080 → arn:aws:elasticloadbalancing:x:targetgroup/debug/1' },
    ]);
  });

  it('reports a zone added to the NLB (SetSubnets)', async () => {
    const w = world();
    w.loadBalancer!.AvailabilityZones!.push({ ZoneName: 'ap-northeast-2d', SubnetId: 'subnet-0other' });
    expect(await drift(w)).toEqual([
      {
        resource: NLB,
        field: 'zones',
        expected: ['ap-northeast-2a', 'ap-northeast-2b', 'ap-northeast-2c'],
        actual: ['ap-northeast-2a', 'ap-northeast-2b', 'ap-northeast-2c', 'ap-northeast-2d'],
      },
    ]);
  });

  it('reports a listener changed to TLS', async () => {
    const w = world();
    w.listeners.find((l) => l.Port === 443)!.Protocol = 'TLS';
    expect(await drift(w)).toEqual([
      { resource: NLB, field: 'listener 443', expected: 'TCP 443 → fin-k8s-dev-tg-443', actual: 'TLS 443 → fin-k8s-dev-tg-443' },
    ]);
  });

  it('reports a control plane deregistered and a worker registered in the API target group; draining targets no longer count', async () => {
    const w = world();
    const api = w.targetGroup('api');
    api.targets[0].TargetHealth = { State: 'draining' };
    api.targets.push({ Target: { Id: 'i-0fin-k8s-dev-worker-1', Port: 6443 }, TargetHealth: { State: 'unhealthy' } });
    expect(await drift(w)).toEqual([
      { resource: API_TG, field: 'targets', expected: 'i-0fin-k8s-dev-cp-1:6443', actual: null },
      { resource: API_TG, field: 'targets', expected: null, actual: 'i-0fin-k8s-dev-worker-1:6443' },
    ]);
  });

  it('reports client IP preservation turned on (the NLB hairpin trap)', async () => {
    const w = world();
    w.targetGroup('ingress-80').attributes['preserve_client_ip.enabled'] = 'true';
    expect(await drift(w)).toEqual([
      { resource: 'target-group fin-k8s-dev-tg-80', field: 'attributes.preserve_client_ip.enabled', expected: 'false', actual: 'true' },
    ]);
  });

  it('reports a deleted target group, looking the others up one by one once the name lookup fails', async () => {
    const w = world();
    w.targetGroups = w.targetGroups.filter((tg) => tg.group.TargetGroupName !== 'fin-k8s-dev-tg-443');
    w.listeners = w.listeners.filter((l) => l.Port !== 443);
    expect(await drift(w)).toEqual([
      { resource: NLB, field: 'listener 443', expected: 'TCP 443 → fin-k8s-dev-tg-443', actual: null },
      { resource: 'target-group fin-k8s-dev-tg-443', field: 'exists', expected: true, actual: false },
    ]);
  });

  it('reports a target group deleted between its lookup and the read of its tags as gone, not as someone else’s', async () => {
    const w = world();
    const deleted = w.targetGroup('ingress-443');
    aws.elbv2.on(DescribeTargetGroupsCommand).callsFake(({ Names }: { Names?: string[] }) => {
      const found = w.targetGroups.filter((tg) => Names?.includes(tg.group.TargetGroupName ?? ''));
      // Someone deletes it right after this answer: DescribeTags naming it then fails its whole batch (NotFound).
      w.targetGroups = w.targetGroups.filter((tg) => tg !== deleted);
      return { TargetGroups: found.map((tg) => tg.group) };
    });
    w.listeners = w.listeners.filter((l) => l.Port !== 443);
    expect(await drift(w)).toEqual([
      { resource: NLB, field: 'listener 443', expected: 'TCP 443 → fin-k8s-dev-tg-443', actual: null },
      { resource: 'target-group fin-k8s-dev-tg-443', field: 'exists', expected: true, actual: false },
    ]);
  });

  it('reports a target group of the planned name that is not tagged as this build’s', async () => {
    const w = world();
    const api = w.targetGroup('api');
    api.tags = { 'k8s-ec2:build-id': 'someone-else', 'k8s-ec2:managed-by': 'k8s-ec2-builder' };
    const found = await drift(w);
    expect(found).toContainEqual({
      resource: API_TG,
      field: 'exists',
      expected: true,
      actual: `only ${api.group.TargetGroupArn}, which is not tagged as this build's`,
    });
    expect(found).toContainEqual({
      resource: NLB,
      field: 'listener 6443',
      expected: 'TCP 6443 → fin-k8s-dev-tg-6443',
      actual: `TCP 6443 → ${api.group.TargetGroupArn}`,
    });
  });

  it('reports a deleted NLB once, and still checks its target groups, which outlive it', async () => {
    const w = world();
    w.loadBalancer = undefined;
    w.targetGroup('ingress-80').targets = [];
    expect(await drift(w)).toEqual([
      { resource: NLB, field: 'exists', expected: true, actual: false },
      { resource: 'target-group fin-k8s-dev-tg-80', field: 'targets', expected: 'i-0fin-k8s-dev-worker-1:30080', actual: null },
      { resource: 'target-group fin-k8s-dev-tg-80', field: 'targets', expected: 'i-0fin-k8s-dev-worker-2:30080', actual: null },
      { resource: 'target-group fin-k8s-dev-tg-80', field: 'targets', expected: 'i-0fin-k8s-dev-worker-3:30080', actual: null },
    ]);
  });
});
