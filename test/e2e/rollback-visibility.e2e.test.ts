import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { EmbeddedCloud } from '../../local/cloud';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { api, buildIdOf, seoulBody, waitWhile } from './helpers';

/**
 * A build that fails right after its instances were launched, while EC2 does not list them by tag yet
 * ("the result of an API command … might not be immediately visible to all subsequent commands",
 * https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html). The embedded cloud hides every
 * new instance from DescribeInstances listings for a simulated hour (`instanceListingLag`), far beyond the
 * rollback. A rollback that looked by tag alone would terminate nothing, and deleting the subnets would then
 * wait on the instances' interfaces until it gave up (RollbackFailed). The rollback also terminates the ids
 * the build's state carries, so it ends ROLLED_BACK with nothing left.
 */
const TIME_SCALE = 200;
let cloud: EmbeddedCloud;
let stack: LocalStack;
let ec2: EC2Client;

beforeAll(async () => {
  stack = await startLocalStack({ timeScale: TIME_SCALE, latency: { instanceListingLag: 3600 } });
  cloud = stack.cloud!;
  ec2 = new EC2Client({ region: 'ap-northeast-2', endpoint: cloud.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});

afterAll(async () => {
  ec2.destroy();
  await stack.close();
});

it('terminates the instances launched just before a failure although EC2 does not list them by tag yet, and leaves nothing', async () => {
  // The NLB fails for good (quota) while the nodes and the bastion are launched in the other branches.
  cloud.faults.add({ service: 'elbv2', action: 'CreateLoadBalancer', code: 'TooManyLoadBalancers' });
  const created = await api(stack, 'POST', '/builds', seoulBody('e2e-unlisted'));
  expect(created.status).toBe(202);
  const buildId = buildIdOf(created);

  const final = await waitWhile(stack, buildId, 'RUNNING');
  expect(final.status).toBe('ROLLED_BACK');
  expect(final.error).toMatchObject({ step: 'CreateLoadBalancer', error: 'QuotaExceeded' });

  // Seven instances were launched (a RunInstances per role and zone, and the bastion's), a listing by tag
  // still shows none of them, and nothing of the build is left: no live instance, interface, subnet or VPC.
  expect(cloud.stats().calls['ec2:RunInstances']).toBeGreaterThanOrEqual(7);
  const listed =
    (await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:k8s-ec2:build-id', Values: [buildId] }] }))).Reservations ?? [];
  expect(listed).toEqual([]);
  expect(cloud.resources(buildId)).toEqual([]);
});
