import {
  DescribeInstancesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeVolumesCommand,
} from '@aws-sdk/client-ec2';
import { DescribeTargetGroupAttributesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { BuildState } from '../../../functions/core/contracts';
import { AwsThrottled, BaselineViolation, WorkflowContractError } from '../../../functions/core/errors';
import { handler } from '../../../functions/handlers/verify-baseline';
import { awsError, mockAws } from '../../fixtures/aws';
import { FakeWorld } from '../../fixtures/fake-world';
import { match } from '../../fixtures/matchers';
import { seoulOutputs } from '../../fixtures/outputs';

const { ec2, elbv2 } = mockAws();
let world: FakeWorld;

const CHECK_IDS = [
  'imdsv2-required',
  'volumes-encrypted-gp3',
  'no-node-public-ip',
  'no-node-rule-from-anywhere',
  'bastion-ssh-restricted',
  'private-subnets-closed',
  'connections-available',
  'nlb-internal-with-security-group',
  'hairpin-safe-target-groups',
];

beforeEach(() => {
  world = new FakeWorld().install(ec2, elbv2);
});

async function violation(state: BuildState = world.verifyState()): Promise<BaselineViolation> {
  const error = await handler(state).then(
    () => {
      throw new Error('expected BaselineViolation, but the baseline passed');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BaselineViolation);
  return error as BaselineViolation;
}

const failedIds = (error: BaselineViolation) =>
  (error.details?.checks as Array<{ id: string; ok: boolean }>).filter((c) => !c.ok).map((c) => c.id);

describe('verify-baseline handler', () => {
  it('returns the build outputs and nine passing checks for a build that keeps every invariant', async () => {
    const { outputs, baseline } = await handler(world.verifyState());
    expect(outputs).toEqual(seoulOutputs());
    expect(outputs.loadBalancer.apiEndpoint).toBe(`${world.outputs.loadBalancer.dnsName}:6443`);
    expect(outputs.bastion?.publicIp).toBe('3.34.0.10');
    expect(outputs.subnetIds).toEqual({
      private: world.network().privateSubnetIds,
      public: world.network().publicSubnetIds['ap-northeast-2a'],
      publicByZone: world.network().publicSubnetIds,
    });
    expect(outputs.nodes).toHaveLength(6);
    expect(baseline.checks.map((c) => c.id)).toEqual(CHECK_IDS);
    expect(baseline.checks.every((c) => c.ok)).toBe(true);
    expect(baseline.checks.find((c) => c.id === 'imdsv2-required')?.detail).toBe('7 instances require IMDSv2 tokens');
    expect(baseline.checks.find((c) => c.id === 'volumes-encrypted-gp3')?.detail).toBe('7 volumes encrypted gp3');
  });

  it('carries preflight’s notes into the outputs', async () => {
    const notes = [
      'VPCs per Region quota L-F678F1CE not checked: Service Quotas did not answer (the endpoint answered HTTP 501); AWS enforces it at CreateVpc',
    ];
    const state = { ...world.verifyState(), preflight: { imageId: 'ami-0a1b2c3d4e5f60810', imageName: 'RHEL-8.10', checks: [], notes } };
    expect((await handler(state)).outputs.notes).toEqual(notes);
  });

  it('reads the rules of the four security groups and the routes of the three private subnets only', async () => {
    await handler(world.verifyState());
    expect(ec2.commandCalls(DescribeSecurityGroupRulesCommand)[0].args[0].input.Filters).toEqual([
      { Name: 'group-id', Values: Object.values(world.network().securityGroupIds) },
    ]);
    expect(ec2.commandCalls(DescribeRouteTablesCommand)[0].args[0].input.Filters).toEqual([
      { Name: 'association.subnet-id', Values: Object.values(world.network().privateSubnetIds) },
    ]);
    expect(elbv2.commandCalls(DescribeTargetGroupAttributesCommand)).toHaveLength(3);
  });

  it('reads every instance (nodes and bastion) in one DescribeInstances and their volumes in one DescribeVolumes: 9 calls', async () => {
    await handler(world.verifyState());
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
    expect(ec2.commandCalls(DescribeVolumesCommand)).toHaveLength(1);
    expect(ec2.commandCalls(DescribeVolumesCommand)[0].args[0].input.Filters?.[0].Values).toHaveLength(7);
    // Instances, volumes, rules, routes; the NLB and its attributes; one DescribeTargetGroupAttributes per group (AWS's shape).
    expect(ec2.calls().length + elbv2.calls().length).toBe(9);
  });

  it.each<[string, (w: FakeWorld) => void, string, RegExp]>([
    [
      'a node allowing IMDSv1',
      (w) => (w.instance('fin-k8s-dev-worker-2').httpTokens = 'optional'),
      'imdsv2-required',
      /fin-k8s-dev-worker-2 \(i-0wk1\) allows IMDSv1/,
    ],
    ['the bastion allowing IMDSv1', (w) => (w.bastion.httpTokens = 'optional'), 'imdsv2-required', /fin-k8s-dev-bastion .* allows IMDSv1/],
    ['a gp2 volume', (w) => (w.instance('fin-k8s-dev-cp-1').volumes[0].volumeType = 'gp2'), 'volumes-encrypted-gp3', /vol-i-0cp0 is gp2/],
    ['an unencrypted volume', (w) => (w.bastion.volumes[0].encrypted = false), 'volumes-encrypted-gp3', /vol-bastion is unencrypted gp3/],
    [
      'a node with a public IP',
      (w) => (w.instance('fin-k8s-dev-worker-1').publicIp = '13.124.0.9'),
      'no-node-public-ip',
      /fin-k8s-dev-worker-1 has public IP 13\.124\.0\.9/,
    ],
    [
      'a worker rule open to 0.0.0.0/0',
      (w) =>
        w.rules.push({ ruleId: 'sgr-bad', groupId: 'sg-04', egress: false, protocol: 'tcp', from: 30080, to: 30080, cidr: '0.0.0.0/0' }),
      'no-node-rule-from-anywhere',
      /sg-04 allows 30080-30080 from 0\.0\.0\.0\/0/,
    ],
    [
      'a control-plane rule open to ::/0',
      (w) => w.rules.push({ ruleId: 'sgr-bad', groupId: 'sg-03', egress: false, protocol: 'tcp', from: 6443, to: 6443, cidrV6: '::/0' }),
      'no-node-rule-from-anywhere',
      /sg-03 allows 6443-6443 from ::\/0/,
    ],
    [
      'bastion SSH open to 0.0.0.0/0',
      (w) => w.rules.push({ ruleId: 'sgr-bad', groupId: 'sg-01', egress: false, protocol: 'tcp', from: 22, to: 22, cidr: '0.0.0.0/0' }),
      'bastion-ssh-restricted',
      /bastion group allows 22-22 from 0\.0\.0\.0\/0/,
    ],
    [
      'a private subnet routed to the Internet Gateway',
      (w) => w.routeTables[0].routes.push({ destination: '0.0.0.0/0', gatewayId: 'igw-0internet' }),
      'private-subnets-closed',
      /subnet-00b+ routes 0\.0\.0\.0\/0→igw-0internet/,
    ],
    [
      'an internet-facing NLB',
      (w) => (w.loadBalancer!.scheme = 'internet-facing'),
      'nlb-internal-with-security-group',
      /scheme is internet-facing/,
    ],
    [
      'an NLB without its security group',
      (w) => (w.loadBalancer!.securityGroups = []),
      'nlb-internal-with-security-group',
      /NLB security group not attached/,
    ],
    [
      'cross-zone load balancing off',
      (w) => (w.loadBalancer!.attributes['load_balancing.cross_zone.enabled'] = 'false'),
      'nlb-internal-with-security-group',
      /cross-zone is false, want true/,
    ],
    [
      'preserve_client_ip on (the NLB hairpin trap)',
      (w) => (w.targetGroup('api').attributes['preserve_client_ip.enabled'] = 'true'),
      'hairpin-safe-target-groups',
      /tg-6443.* preserve_client_ip\.enabled=true/,
    ],
  ])('throws BaselineViolation naming %s', async (_what, perturb, checkId, detail) => {
    perturb(world);
    const error = await violation();
    expect(error.message).toMatch(new RegExp(`^${checkId}: `));
    expect(error.message).toMatch(detail);
    expect(failedIds(error)).toEqual([checkId]);
    expect(error.retryable).toBe(false);
  });

  it('names every failed check in one error, separated so each reads on its own', async () => {
    world.instance('fin-k8s-dev-cp-2').httpTokens = 'optional';
    world.targetGroup('ingress-80').attributes['preserve_client_ip.enabled'] = 'true';
    const error = await violation();
    expect(failedIds(error)).toEqual(['imdsv2-required', 'hairpin-safe-target-groups']);
    expect(error.message.split(' | ').map((part) => part.split(':')[0])).toEqual(['imdsv2-required', 'hairpin-safe-target-groups']);
  });

  it('ignores egress rules and the public subnet route to the internet (they are by design)', async () => {
    // The fake world already holds 0.0.0.0/0 egress on node groups and the public route table's IGW route.
    expect(world.rules.some((r) => r.egress && r.cidr === '0.0.0.0/0' && r.groupId === 'sg-03')).toBe(true);
    await expect(handler(world.verifyState())).resolves.toMatchObject({ baseline: { checks: match.any(Array) } });
  });

  it.each([['network'], ['loadBalancer'], ['readiness']] as const)(
    'throws WorkflowContractError (our bug, not the spec) when the state lacks $.%s, before calling AWS',
    async (missing) => {
      const state = { ...world.verifyState(), [missing]: undefined };
      await expect(handler(state)).rejects.toThrow(WorkflowContractError);
      expect(ec2.calls()).toHaveLength(0);
      expect(elbv2.calls()).toHaveLength(0);
    },
  );

  it.each([
    ['DescribeSecurityGroupRules', 'RequestLimitExceeded'],
    ['DescribeRouteTables', 'RequestLimitExceeded'],
    ['DescribeVolumes', 'RequestLimitExceeded'],
    ['DescribeLoadBalancerAttributes', 'Throttling'],
    ['DescribeTargetGroupAttributes', 'Throttling'],
  ])('surfaces a throttled %s as AwsThrottled, not as a violation', async (action, code) => {
    world.fail(action, awsError(code));
    await expect(handler(world.verifyState())).rejects.toThrow(AwsThrottled);
  });
});
