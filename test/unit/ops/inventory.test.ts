import { DescribeTagsCommand } from '@aws-sdk/client-ec2';
import { DescribeTagsCommand as DescribeElbTagsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ListInstanceProfilesCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { findTaggedResources } from '../../../functions/ops/inventory';
import { mockAws } from '../../fixtures/aws';
import { elbArn, iamArn, ours, TaggedWorld } from './tagged-world';

/** The orphan listing's inventory: everything tagged as ours, from the tags alone, without what AWS lists after it ended. */
const aws = mockAws();
const NOW = Date.parse('2026-11-25T10:00:00Z');
const hoursAgo = (h: number) => new Date(NOW - h * 3600_000);
const B1 = 'dev-20261120-090000-ab12';
const B2 = 'dev-20261121-090000-cd34';

function account(): TaggedWorld {
  const world = new TaggedWorld();
  world.ec2 = [
    { type: 'vpc', id: 'vpc-1', tags: ours(B1, 'dev', 'vpc', 'dev-vpc') },
    { type: 'instance', id: 'i-live', tags: ours(B1, 'dev', 'worker', 'dev-worker-1'), state: 'running', createdAt: hoursAgo(100) },
    { type: 'instance', id: 'i-ended', tags: ours(B1, 'dev', 'worker', 'dev-worker-2'), state: 'terminated', createdAt: hoursAgo(101) },
    // Attached, they go with their instance; detached (`available`), they outlive it and are billed.
    { type: 'volume', id: 'vol-1', tags: ours(B1, 'dev', 'worker', 'dev-worker-1'), state: 'in-use', createdAt: hoursAgo(100) },
    { type: 'volume', id: 'vol-kept', tags: ours(B1, 'dev', 'worker', 'dev-worker-3'), state: 'available', createdAt: hoursAgo(102) },
    { type: 'volume', id: 'vol-deleted', tags: ours(B1, 'dev', 'worker', 'dev-worker-4'), state: 'deleted', createdAt: hoursAgo(102) },
    { type: 'network-interface', id: 'eni-1', tags: ours(B1, 'dev', 'worker', 'dev-worker-1'), state: 'in-use' },
    { type: 'network-interface', id: 'eni-detached', tags: ours(B1, 'dev', 'worker', 'dev-worker-3'), state: 'available' },
    { type: 'natgateway', id: 'nat-live', tags: ours(B1, 'dev', 'nat-gateway', 'dev-nat-a'), state: 'available', createdAt: hoursAgo(99) },
    { type: 'natgateway', id: 'nat-gone', tags: ours(B1, 'dev', 'nat-gateway', 'dev-nat-b'), state: 'deleted', createdAt: hoursAgo(99) },
    { type: 'subnet', id: 'subnet-2', tags: ours(B2, 'dev', 'private-subnet', 'dev-private-a') },
    // Someone else's, and one of ours by managed-by alone (no build id: not a build's).
    { type: 'vpc', id: 'vpc-theirs', tags: { Name: 'theirs' } },
    { type: 'vpc', id: 'vpc-no-build', tags: { 'k8s-ec2:managed-by': 'k8s-ec2-builder' } },
  ];
  world.loadBalancers = [
    {
      arn: elbArn('loadbalancer/net', 'dev-nlb'),
      name: 'dev-nlb',
      tags: ours(B1, 'dev', 'load-balancer', 'dev-nlb'),
      createdAt: hoursAgo(98),
    },
    { arn: elbArn('loadbalancer/net', 'theirs'), name: 'theirs', tags: {} },
  ];
  // 24 groups of others beside ours: DescribeTags takes 20 ARNs a call.
  world.targetGroups = [
    { arn: elbArn('targetgroup', 'dev-tg-80'), name: 'dev-tg-80', tags: ours(B1, 'dev', 'target-group', 'dev-tg-80'), port: 30080 },
    ...Array.from({ length: 24 }, (_, i) => ({ arn: elbArn('targetgroup', `other-${i}`), name: `other-${i}`, tags: { team: 'x' } })),
  ];
  const profile = {
    name: 'dev-ssm-0a1b2c3d',
    path: '/k8s-ec2-builder/',
    tags: ours(B2, 'dev', 'node-instance-profile', 'dev-ssm-0a1b2c3d'),
    createdAt: hoursAgo(50),
  };
  world.roles = [profile, { name: 'untagged', path: '/k8s-ec2-builder/', tags: {}, createdAt: hoursAgo(1) }];
  world.profiles = [profile];
  world.install(aws);
  return world;
}

it('lists every live resource tagged as ours with its build, kind, name, role and age, in the teardown order', async () => {
  const world = account();
  const found = await findTaggedResources(aws.clients, undefined, NOW);

  expect(found).toEqual([
    {
      type: 'loadbalancer',
      id: world.loadBalancers[0].arn,
      name: 'dev-nlb',
      role: 'load-balancer',
      ageSeconds: 98 * 3600,
      buildId: B1,
      clusterName: 'dev',
    },
    {
      type: 'targetgroup',
      id: world.targetGroups[0].arn,
      name: 'dev-tg-80',
      role: 'target-group',
      buildId: B1,
      clusterName: 'dev',
      port: 30080,
    },
    { type: 'instance', id: 'i-live', name: 'dev-worker-1', role: 'worker', ageSeconds: 100 * 3600, buildId: B1, clusterName: 'dev' },
    { type: 'volume', id: 'vol-kept', name: 'dev-worker-3', role: 'worker', ageSeconds: 102 * 3600, buildId: B1, clusterName: 'dev' },
    { type: 'network-interface', id: 'eni-detached', name: 'dev-worker-3', role: 'worker', buildId: B1, clusterName: 'dev' },
    { type: 'natgateway', id: 'nat-live', name: 'dev-nat-a', role: 'nat-gateway', ageSeconds: 99 * 3600, buildId: B1, clusterName: 'dev' },
    { type: 'subnet', id: 'subnet-2', name: 'dev-private-a', role: 'private-subnet', buildId: B2, clusterName: 'dev' },
    { type: 'vpc', id: 'vpc-1', name: 'dev-vpc', role: 'vpc', buildId: B1, clusterName: 'dev' },
    ...(['instance-profile', 'role'] as const).map((type) => ({
      type,
      id: iamArn(type, world.roles[0]),
      name: 'dev-ssm-0a1b2c3d',
      role: 'node-instance-profile',
      ageSeconds: 50 * 3600,
      buildId: B2,
      clusterName: 'dev',
    })),
  ]);
  // Found by the managed-by tag, then described by the tags that say whose and what each is.
  expect(aws.ec2.commandCalls(DescribeTagsCommand)[0].args[0].input.Filters).toEqual([
    { Name: 'key', Values: ['k8s-ec2:managed-by'] },
    { Name: 'value', Values: ['k8s-ec2-builder'] },
  ]);
  for (const call of aws.elbv2.commandCalls(DescribeElbTagsCommand))
    expect(call.args[0].input.ResourceArns!.length).toBeLessThanOrEqual(20);
  expect(aws.iam.commandCalls(ListRolesCommand)[0].args[0].input.PathPrefix).toBe('/k8s-ec2-builder/');
  expect(aws.iam.commandCalls(ListInstanceProfilesCommand)[0].args[0].input.PathPrefix).toBe('/k8s-ec2-builder/');
});

it('lists one build only when given its id, asking EC2 by that build id', async () => {
  account();
  const found = await findTaggedResources(aws.clients, B2, NOW);
  expect(found.map((r) => [r.type, r.buildId])).toEqual([
    ['subnet', B2],
    ['instance-profile', B2],
    ['role', B2],
  ]);
  expect(aws.ec2.commandCalls(DescribeTagsCommand)[0].args[0].input.Filters).toEqual([
    { Name: 'key', Values: ['k8s-ec2:build-id'] },
    { Name: 'value', Values: [B2] },
  ]);
});

it('leaves out a target group deleted between the listing and its tags, and keeps the others of its batch', async () => {
  const world = account();
  world.deletedSinceListing.add(world.targetGroups[3].arn);
  const found = await findTaggedResources(aws.clients, B1, NOW);
  expect(found.filter((r) => r.type === 'targetgroup').map((r) => r.name)).toEqual(['dev-tg-80']);
});

it('finds nothing in an account without our tags', async () => {
  new TaggedWorld().install(aws);
  expect(await findTaggedResources(aws.clients, undefined, NOW)).toEqual([]);
  // No tag to read: DescribeTags by resource id is not asked with an empty list (AWS refuses a filter without values).
  expect(aws.ec2.commandCalls(DescribeTagsCommand)).toHaveLength(1);
});
