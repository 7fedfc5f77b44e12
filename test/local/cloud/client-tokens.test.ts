/**
 * ClientToken idempotency for every create the embedded EC2 serves that takes a token (RunInstances,
 * CreateRouteTable; local/cloud/ec2/client-tokens.ts): a repeat with the same token and parameters answers
 * with the first resource, changed parameters answer IdempotentParameterMismatch.
 */
import * as E from '@aws-sdk/client-ec2';
import { network, runInput } from './fixtures';
import { Harness, rejection, startHarness, stopHarness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ throttling: false });
});
afterAll(() => stopHarness(h));
afterEach(() => h.cloud.reset());

interface TokenedCreate {
  action: string;
  /** Sends the create with `token`; `changed` alters one parameter other than the token and the zone. */
  create(token: string | undefined, changed?: boolean): Promise<string>;
  count(): Promise<number>;
}

async function routeTables(): Promise<TokenedCreate> {
  const { vpcId } = await network(h.ec2);
  const other = (await h.ec2.send(new E.CreateVpcCommand({ CidrBlock: '10.1.0.0/16' }))).Vpc!.VpcId!;
  return {
    action: 'CreateRouteTable',
    create: async (token, changed) =>
      (await h.ec2.send(new E.CreateRouteTableCommand({ VpcId: changed ? other : vpcId, ClientToken: token }))).RouteTable!.RouteTableId!,
    count: async () =>
      (
        (await h.ec2.send(new E.DescribeRouteTablesCommand({ Filters: [{ Name: 'association.main', Values: ['false'] }] }))).RouteTables ??
        []
      ).length,
  };
}

async function instances(): Promise<TokenedCreate> {
  const { subnetId, groupId } = await network(h.ec2);
  return {
    action: 'RunInstances',
    create: async (token, changed) =>
      (
        await h.ec2.send(
          new E.RunInstancesCommand(runInput(subnetId, groupId, { ClientToken: token, InstanceType: changed ? 'm5.large' : 't3.micro' })),
        )
      ).Instances![0].InstanceId!,
    count: async () => ((await h.ec2.send(new E.DescribeInstancesCommand({}))).Reservations ?? []).flatMap((r) => r.Instances ?? []).length,
  };
}

describe.each([
  ['CreateRouteTable', routeTables],
  ['RunInstances', instances],
])('%s with a ClientToken', (_action, given) => {
  it('answers a repeat with the same token and parameters with the first resource, and makes no second one', async () => {
    const create = await given();
    const first = await create.create('build-1-key');
    expect(await create.create('build-1-key')).toBe(first);
    expect(await create.count()).toBe(1);
  });

  it('answers IdempotentParameterMismatch when the same token comes with other parameters, and makes nothing', async () => {
    const create = await given();
    await create.create('build-1-key');
    const err = await rejection(create.create('build-1-key', true));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(['IdempotentParameterMismatch', 400]);
    expect(await create.count()).toBe(1);
  });

  it('makes a new resource for each new token (the SDK sends a fresh random one when the caller sets none)', async () => {
    const create = await given();
    const ids = [await create.create(undefined), await create.create(undefined), await create.create('a'), await create.create('b')];
    expect(new Set(ids).size).toBe(4);
    expect(await create.count()).toBe(4);
  });

  it("refuses a token longer than AWS's 64 characters", async () => {
    const create = await given();
    expect(await create.create('t'.repeat(64))).toMatch(/-/);
    const err = await rejection(create.create('t'.repeat(65)));
    expect(err.name).toBe('InvalidParameterValue');
  });
});

describe('CreateRouteTable idempotency details', () => {
  it('returns the ClientToken in the answer only when the request had one', async () => {
    const { vpcId } = await network(h.ec2);
    expect((await h.ec2.send(new E.CreateRouteTableCommand({ VpcId: vpcId, ClientToken: 'rtb-token' }))).ClientToken).toBe('rtb-token');
    // The SDK always sends one (a random UUID when the caller sets none), so ask over the wire without it.
    const raw = await fetch(h.cloud.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ Action: 'CreateRouteTable', Version: '2016-11-15', VpcId: vpcId }).toString(),
    });
    const xml = await raw.text();
    expect(xml).toContain('<routeTableId>rtb-');
    expect(xml).not.toContain('clientToken');
  });

  it('answers a repeat after the table was deleted with the first answer, creating nothing', async () => {
    const { vpcId } = await network(h.ec2);
    const input = { VpcId: vpcId, ClientToken: 'deleted-token' };
    const first = (await h.ec2.send(new E.CreateRouteTableCommand(input))).RouteTable!.RouteTableId!;
    await h.ec2.send(new E.DeleteRouteTableCommand({ RouteTableId: first }));
    expect((await h.ec2.send(new E.CreateRouteTableCommand(input))).RouteTable!.RouteTableId).toBe(first);
    expect((await h.ec2.send(new E.DescribeRouteTablesCommand({ RouteTableIds: [first] })).catch((e: Error) => e)) as Error).toHaveProperty(
      'name',
      'InvalidRouteTableID.NotFound',
    );
  });

  it('keeps tokens per action: the same string on RunInstances is another request', async () => {
    const { vpcId, subnetId, groupId } = await network(h.ec2);
    await h.ec2.send(new E.CreateRouteTableCommand({ VpcId: vpcId, ClientToken: 'shared' }));
    const run = await h.ec2.send(new E.RunInstancesCommand(runInput(subnetId, groupId, { ClientToken: 'shared' })));
    expect(run.Instances).toHaveLength(1);
  });
});

describe('RunInstances idempotency details', () => {
  it('does not count a different Availability Zone as a different request', async () => {
    const { subnetId, groupId } = await network(h.ec2);
    const first = await h.ec2.send(
      new E.RunInstancesCommand(
        runInput(subnetId, groupId, { ClientToken: 'az-token', Placement: { AvailabilityZone: 'ap-northeast-2a' } }),
      ),
    );
    const again = await h.ec2.send(
      new E.RunInstancesCommand(
        runInput(subnetId, groupId, { ClientToken: 'az-token', Placement: { AvailabilityZone: 'ap-northeast-2b' } }),
      ),
    );
    expect(again.ReservationId).toBe(first.ReservationId);
  });
});
