import {
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type Filter,
} from '@aws-sdk/client-ec2';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { api, buildIdOf, seoulBody, waitWhile } from './helpers';

/**
 * Creates whose answer is lost after EC2 did the work (a 5xx or a dropped connection): the embedded cloud
 * runs the action, then answers InternalError (`phase: 'after'`). A resend of CreateVpc,
 * CreateInternetGateway or AllocateAddress (no ClientToken) would leave a second resource; a resend of
 * RunInstances or CreateRouteTable (ClientToken) or CreateSubnet (CIDR unique in the VPC) must not.
 */
let stack: LocalStack;
let ec2: EC2Client;

beforeAll(async () => {
  stack = await startLocalStack({ timeScale: 200 });
  ec2 = new EC2Client({
    region: 'ap-northeast-2',
    endpoint: stack.cloud!.url,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

afterAll(async () => {
  ec2.destroy();
  await stack.close();
});

const LOST_ANSWERS = [
  { action: 'CreateVpc', count: 1 },
  { action: 'CreateInternetGateway', count: 1 },
  { action: 'AllocateAddress', count: 1 },
  { action: 'CreateSubnet', count: 2 },
  { action: 'CreateRouteTable', count: 2 },
  { action: 'RunInstances', count: 2 },
];

it('answers lost after CreateVpc, CreateInternetGateway, AllocateAddress, CreateSubnet, CreateRouteTable and RunInstances leave no duplicate, and destroy leaves nothing', async () => {
  for (const { action, count } of LOST_ANSWERS) {
    stack.cloud!.faults.add({ service: 'ec2', action, code: 'InternalError', count, phase: 'after' });
  }
  const created = await api(stack, 'POST', '/builds', seoulBody('e2e-lost'));
  expect(created.status).toBe(202);
  const buildId = buildIdOf(created);
  const final = await waitWhile(stack, buildId, 'RUNNING');

  // Every lost answer was really injected (the work done, the answer an InternalError).
  expect(stack.cloud!.faults.list().map((f) => [f.action, f.fired])).toEqual(LOST_ANSWERS.map((f) => [f.action, f.count]));
  expect(final.status).toBe('SUCCEEDED');

  const ours: Filter[] = [{ Name: 'tag:k8s-ec2:build-id', Values: [buildId] }];
  const vpcs = (await ec2.send(new DescribeVpcsCommand({ Filters: ours }))).Vpcs ?? [];
  const gateways = (await ec2.send(new DescribeInternetGatewaysCommand({ Filters: ours }))).InternetGateways ?? [];
  const addresses = (await ec2.send(new DescribeAddressesCommand({ Filters: ours }))).Addresses ?? [];
  const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: ours }))).Subnets ?? [];
  const routeTables = (await ec2.send(new DescribeRouteTablesCommand({ Filters: ours }))).RouteTables ?? [];
  const reservations =
    (await ec2.send(new DescribeInstancesCommand({ Filters: [...ours, { Name: 'instance-state-name', Values: ['pending', 'running'] }] })))
      .Reservations ?? [];
  expect({
    vpcs: vpcs.length,
    internetGateways: gateways.length,
    elasticIps: addresses.length,
    subnets: subnets.length,
    routeTables: routeTables.length,
    instances: reservations.flatMap((r) => r.Instances ?? []).length,
  }).toEqual({ vpcs: 1, internetGateways: 1, elasticIps: 1, subnets: 4, routeTables: 2, instances: 7 });
  // …and the one of each is the one in use: the gateway attached to the VPC, the address on the bastion.
  expect(gateways[0].Attachments).toEqual([expect.objectContaining({ VpcId: vpcs[0].VpcId })]);
  expect(addresses[0].InstanceId).toMatch(/^i-/);
  expect(addresses[0].InstanceId).toBe(final.outputs?.bastion?.instanceId);

  const deleted = await api(stack, 'DELETE', `/builds/${buildId}`);
  expect(deleted.status).toBe(202);
  expect((await waitWhile(stack, buildId, 'DESTROYING')).status).toBe('DESTROYED');
  expect(stack.cloud!.resources(buildId)).toEqual([]);
});
