/**
 * Faults with `phase: 'after'`: the action runs and its answer is lost (a 5xx after the work was done).
 * This is what makes a retried create without a ClientToken leave a second resource behind.
 */
import * as E from '@aws-sdk/client-ec2';
import { createClients } from '../../../functions/core/clients';
import { BUILD_TAG, network, runInput, tagSpec } from './fixtures';
import { Harness, rejection, startHarness, stopHarness } from './helpers';

const ownedBy = (buildId: string): E.Filter[] => [{ Name: `tag:${BUILD_TAG}`, Values: [buildId] }];
const createVpc = (buildId: string): E.CreateVpcCommand =>
  new E.CreateVpcCommand({ CidrBlock: '10.0.0.0/16', TagSpecifications: [tagSpec('vpc', { [BUILD_TAG]: buildId })] });

describe('a fault after the action (response lost)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ throttling: false });
  });
  afterAll(() => stopHarness(h));
  afterEach(() => h.cloud.reset());

  it('creates the VPC but answers the error: the caller sees a failure, DescribeVpcs sees the VPC', async () => {
    h.cloud.faults.add({ service: 'ec2', action: 'CreateVpc', code: 'InternalError', count: 1, phase: 'after' });
    const err = await rejection(h.ec2Once.send(createVpc('lost-1')));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(['InternalError', 500]);
    expect(err.message).toContain('after the action ran');
    const vpcs = (await h.ec2.send(new E.DescribeVpcsCommand({ Filters: ownedBy('lost-1') }))).Vpcs ?? [];
    expect(vpcs).toHaveLength(1);
    expect(h.cloud.faults.list()[0]).toMatchObject({ phase: 'after', fired: 1 });
  });

  it('is why a create without ClientToken must not go through SDK retries: the retry makes a second VPC', async () => {
    h.cloud.faults.add({ action: 'CreateVpc', code: 'InternalError', count: 1, phase: 'after' });
    await h.ec2.send(createVpc('lost-2')); // the default client retries the 500 and succeeds
    const vpcs = (await h.ec2.send(new E.DescribeVpcsCommand({ Filters: ownedBy('lost-2') }))).Vpcs ?? [];
    expect(vpcs).toHaveLength(2);
  });

  it.each([
    {
      action: 'RunInstances',
      create: async (subnetId: string, groupId: string) =>
        (
          await h.ec2.send(
            new E.RunInstancesCommand(
              runInput(subnetId, groupId, {
                ClientToken: 'lost-3-cp-1',
                TagSpecifications: [tagSpec('instance', { [BUILD_TAG]: 'lost-3' })],
              }),
            ),
          )
        ).Instances![0].InstanceId,
      listed: async () =>
        ((await h.ec2.send(new E.DescribeInstancesCommand({ Filters: ownedBy('lost-3') }))).Reservations ?? [])
          .flatMap((r) => r.Instances ?? [])
          .map((i) => i.InstanceId),
    },
    {
      action: 'CreateRouteTable',
      create: async (_subnetId: string, _groupId: string, vpcId: string) =>
        (
          await h.ec2.send(
            new E.CreateRouteTableCommand({
              VpcId: vpcId,
              ClientToken: 'lost-3-public-route-table',
              TagSpecifications: [tagSpec('route-table', { [BUILD_TAG]: 'lost-3' })],
            }),
          )
        ).RouteTable!.RouteTableId,
      listed: async () =>
        ((await h.ec2.send(new E.DescribeRouteTablesCommand({ Filters: ownedBy('lost-3') }))).RouteTables ?? []).map((t) => t.RouteTableId),
    },
  ])('is harmless for $action with a ClientToken: the SDK retry gets the same resource back', async ({ action, create, listed }) => {
    const { vpcId, subnetId, groupId } = await network(h.ec2, 'lost-3');
    h.cloud.faults.add({ action, code: 'InternalError', count: 1, phase: 'after' });
    const id = await create(subnetId, groupId, vpcId);
    expect(h.cloud.faults.list()[0].fired).toBe(1);
    expect(h.cloud.stats().calls[`ec2:${action}`]).toBe(2);
    expect(await listed()).toEqual([id]);
  });

  it("does not fire (nor count) when the action itself fails: the caller gets the action's own error", async () => {
    h.cloud.faults.add({ action: 'CreateVpc', code: 'InternalError', count: 1, phase: 'after' });
    const err = await rejection(h.ec2Once.send(new E.CreateVpcCommand({ CidrBlock: '10.0.0.0/8' })));
    expect(err.name).toBe('InvalidVpc.Range');
    expect(h.cloud.faults.list()[0].fired).toBe(0);
  });

  it('leaves `before` rules to fire before the action, as they always did', async () => {
    h.cloud.faults.add({ action: 'CreateVpc', code: 'InternalError', count: 1, phase: 'before' });
    await rejection(h.ec2Once.send(createVpc('lost-4')));
    expect((await h.ec2.send(new E.DescribeVpcsCommand({ Filters: ownedBy('lost-4') }))).Vpcs).toEqual([]);
  });

  it('takes `phase` over the control interface and rejects an unknown phase', async () => {
    const posted = await fetch(`${h.cloud.url}/_cloud/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'AllocateAddress', code: 'InternalError', count: 1, phase: 'after' }),
    });
    expect(posted.status).toBe(201);
    expect(await posted.json()).toMatchObject({ action: 'AllocateAddress', phase: 'after', fired: 0 });
    const err = await rejection(
      h.ec2Once.send(
        new E.AllocateAddressCommand({
          Domain: 'vpc',
          TagSpecifications: [tagSpec('elastic-ip', { [BUILD_TAG]: 'lost-5' })],
        }),
      ),
    );
    expect(err.name).toBe('InternalError');
    const addresses = (await h.ec2.send(new E.DescribeAddressesCommand({ Filters: ownedBy('lost-5') }))).Addresses ?? [];
    expect(addresses).toHaveLength(1);

    const bad = await fetch(`${h.cloud.url}/_cloud/faults`, {
      method: 'POST',
      body: JSON.stringify({ action: 'CreateVpc', code: 'InternalError', phase: 'during' }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('phase');
  });
});

describe("the functions' ec2Once client (creates without ClientToken) against lost answers and throttling", () => {
  let h: Harness;
  let ec2Once: E.EC2Client;
  beforeAll(async () => {
    h = await startHarness({ throttling: false });
    ec2Once = createClients('ap-northeast-2', { AWS_ENDPOINT_URL_EC2: h.cloud.url }).ec2Once;
  });
  afterAll(async () => {
    ec2Once.destroy();
    await stopHarness(h);
  });
  afterEach(() => h.cloud.reset());

  it('does not resend CreateVpc after a lost answer: the error surfaces, one request, one VPC', async () => {
    h.cloud.faults.add({ action: 'CreateVpc', code: 'InternalError', count: 1, phase: 'after' });
    const err = await rejection(ec2Once.send(createVpc('once-1')));
    expect(err.name).toBe('InternalError');
    expect(h.cloud.stats().calls['ec2:CreateVpc']).toBe(1);
    expect((await h.ec2.send(new E.DescribeVpcsCommand({ Filters: ownedBy('once-1') }))).Vpcs).toHaveLength(1);
  });

  it('resends a throttled CreateVpc (refused before any work) and ends with one VPC', async () => {
    h.cloud.faults.add({ action: 'CreateVpc', code: 'RequestLimitExceeded', count: 1 });
    await ec2Once.send(createVpc('once-2'));
    expect(h.cloud.stats().calls['ec2:CreateVpc']).toBe(2);
    expect((await h.ec2.send(new E.DescribeVpcsCommand({ Filters: ownedBy('once-2') }))).Vpcs).toHaveLength(1);
  });
});
