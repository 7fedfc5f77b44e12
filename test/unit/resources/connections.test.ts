import {
  AllocateAddressCommand,
  CreateNatGatewayCommand,
  CreateRouteCommand,
  CreateTransitGatewayVpcAttachmentCommand,
  CreateVpcEndpointCommand,
  DeleteNatGatewayCommand,
  DeleteRouteCommand,
  DeleteTransitGatewayVpcAttachmentCommand,
  DeleteVpcEndpointsCommand,
  DescribeAddressesCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeTransitGatewaysCommand,
  DescribeTransitGatewayVpcAttachmentsCommand,
  DescribeVpcEndpointsCommand,
  ReleaseAddressCommand,
  type Address,
  type AllocateAddressCommandInput,
  type CreateNatGatewayCommandInput,
  type CreateRouteCommandInput,
  type CreateTransitGatewayVpcAttachmentCommandInput,
  type CreateVpcEndpointCommandInput,
  type DescribeAddressesCommandInput,
  type DescribeNatGatewaysCommandInput,
  type DescribeTransitGatewayVpcAttachmentsCommandInput,
  type DescribeVpcEndpointsCommandInput,
  type Filter,
  type NatGateway,
  type NatGatewayState,
  type State,
  type Tag,
  type TransitGatewayAttachmentState,
  type TransitGatewayVpcAttachment,
  type VpcEndpoint,
} from '@aws-sdk/client-ec2';
import type { ConnectionIds, ConnectionsProgress, NetworkIds } from '../../../functions/core/contracts';
import { AwaitingAction, ResourceNotReady } from '../../../functions/core/errors';
import type { Plan } from '../../../functions/core/plan';
import { fromTagList, MANAGED_BY, TAG, toTagList } from '../../../functions/core/tags';
import {
  deleteConnections,
  deleteConnectionsWithoutRoutes,
  describeConnectionStates,
  ensureConnections,
  requireConnectionsGone,
  withoutProgress,
} from '../../../functions/resources/connections';
import { mockAws } from '../../fixtures/aws';
import { BUILD_ID, CLOSED_NETWORK_ENDPOINTS, closedNetworkPlan, seoulPlan, TRANSIT_GATEWAY_ID } from '../../fixtures/build';
import { ZONES } from '../../fixtures/ids';

const { ec2, clients } = mockAws();
const OWNER = '111122223333';
const perZone = (value: (letter: string) => string) => Object.fromEntries(ZONES.map((zone) => [zone, value(zone.slice(-1))]));

/** CreateNetwork's ids for `egress: "nat-per-az"`: a public subnet and a private route table per zone. */
const PER_ZONE_NETWORK: NetworkIds = {
  vpcId: 'vpc-1',
  privateSubnetIds: perZone((z) => `subnet-private-${z}`),
  publicSubnetIds: perZone((z) => `subnet-public-${z}`),
  internetGatewayId: 'igw-1',
  privateRouteTableIds: perZone((z) => `rtb-private-${z}`),
  publicRouteTableId: 'rtb-public',
  securityGroupIds: { bastion: 'sg-bastion', nlb: 'sg-nlb', controlPlane: 'sg-cp', workers: 'sg-workers', endpoints: 'sg-endpoints' },
};
/** CreateNetwork's ids for `egress: "nat-single"`: one public subnet, one private route table for every zone. */
const SHARED_NETWORK: NetworkIds = {
  ...PER_ZONE_NETWORK,
  publicSubnetIds: { 'ap-northeast-2a': 'subnet-public-a' },
  privateRouteTableIds: perZone(() => 'rtb-private'),
};

/**
 * EC2 as ConnectNetwork sees it: addresses, NAT gateways, endpoints and attachments made by the creates are
 * found again by their tags (or by id), and stay `pending` until a test makes them available. Filters it
 * does not know fail the test instead of matching everything.
 */
class Ec2World {
  addresses: Address[] = [];
  natGateways: NatGateway[] = [];
  endpoints: VpcEndpoint[] = [];
  attachments: TransitGatewayVpcAttachment[] = [];
  autoAccept = true;

  install(): this {
    ec2.on(DescribeAddressesCommand).callsFake((input: DescribeAddressesCommandInput) => ({
      Addresses: this.addresses.filter(
        (a) => (!input.AllocationIds || input.AllocationIds.includes(a.AllocationId ?? '')) && matches(input.Filters, a.Tags, {}),
      ),
    }));
    ec2.on(AllocateAddressCommand).callsFake((input: AllocateAddressCommandInput) => {
      const n = this.addresses.length + 1;
      this.addresses.push({ AllocationId: `eipalloc-${n}`, PublicIp: `198.51.100.${n}`, Domain: 'vpc', Tags: tagsOf(input) });
      return { AllocationId: `eipalloc-${n}`, PublicIp: `198.51.100.${n}` };
    });
    ec2.on(DescribeNatGatewaysCommand).callsFake((input: DescribeNatGatewaysCommandInput) => ({
      NatGateways: this.natGateways.filter(
        (g) => (!input.NatGatewayIds || input.NatGatewayIds.includes(g.NatGatewayId ?? '')) && matches(input.Filter, g.Tags, {}),
      ),
    }));
    ec2.on(CreateNatGatewayCommand).callsFake((input: CreateNatGatewayCommandInput) => {
      // One gateway per public subnet: nat-a in subnet-public-a.
      const id = `nat-${input.SubnetId?.slice(-1)}`;
      if (!this.natGateways.some((g) => g.NatGatewayId === id)) {
        this.natGateways.push({ NatGatewayId: id, SubnetId: input.SubnetId, State: 'pending', Tags: tagsOf(input) });
      }
      return { NatGateway: { NatGatewayId: id, State: 'pending' } };
    });
    ec2.on(DescribeVpcEndpointsCommand).callsFake((input: DescribeVpcEndpointsCommandInput) => ({
      VpcEndpoints: this.endpoints.filter(
        (e) =>
          (!input.VpcEndpointIds || input.VpcEndpointIds.includes(e.VpcEndpointId ?? '')) &&
          matches(input.Filters, e.Tags, { 'vpc-id': e.VpcId }),
      ),
    }));
    ec2.on(CreateVpcEndpointCommand).callsFake((input: CreateVpcEndpointCommandInput) => {
      const id = `vpce-${input.ServiceName?.split('.').slice(3).join('.')}`;
      this.endpoints.push({
        VpcEndpointId: id,
        VpcId: input.VpcId,
        ServiceName: input.ServiceName,
        State: 'pending' as State,
        Tags: tagsOf(input),
      });
      return { VpcEndpoint: { VpcEndpointId: id, State: 'pending' } };
    });
    ec2.on(DescribeTransitGatewayVpcAttachmentsCommand).callsFake((input: DescribeTransitGatewayVpcAttachmentsCommandInput) => ({
      TransitGatewayVpcAttachments: this.attachments.filter(
        (a) =>
          (!input.TransitGatewayAttachmentIds || input.TransitGatewayAttachmentIds.includes(a.TransitGatewayAttachmentId ?? '')) &&
          matches(input.Filters, a.Tags, { 'vpc-id': a.VpcId, 'transit-gateway-id': a.TransitGatewayId }),
      ),
    }));
    ec2.on(CreateTransitGatewayVpcAttachmentCommand).callsFake((input: CreateTransitGatewayVpcAttachmentCommandInput) => {
      const attachment: TransitGatewayVpcAttachment = {
        TransitGatewayAttachmentId: `tgw-attach-${this.attachments.length + 1}`,
        TransitGatewayId: input.TransitGatewayId,
        VpcId: input.VpcId,
        SubnetIds: input.SubnetIds,
        State: this.autoAccept ? 'pending' : 'pendingAcceptance',
        Tags: tagsOf(input),
      };
      this.attachments.push(attachment);
      return { TransitGatewayVpcAttachment: attachment };
    });
    ec2.on(DescribeTransitGatewaysCommand).resolves({
      TransitGateways: [
        {
          TransitGatewayId: TRANSIT_GATEWAY_ID,
          State: 'available',
          OwnerId: OWNER,
          Options: { AutoAcceptSharedAttachments: this.autoAccept ? 'enable' : 'disable' },
        },
      ],
    });
    ec2.on(CreateRouteCommand).resolves({ Return: true });
    return this;
  }

  /** Every NAT gateway, endpoint and attachment made so far is available (the 1–2 minutes have passed). */
  allAvailable(): void {
    for (const g of this.natGateways) g.State = 'available';
    for (const e of this.endpoints) e.State = 'available' as State;
    for (const a of this.attachments) a.State = 'available';
  }
}

const tagsOf = (input: { TagSpecifications?: Array<{ Tags?: Tag[] }> }): Tag[] => input.TagSpecifications?.[0]?.Tags ?? [];

function matches(filters: Filter[] | undefined, tagList: Tag[] | undefined, fields: Record<string, string | undefined>): boolean {
  const tags = fromTagList(tagList);
  return (filters ?? []).every((filter) => {
    const name = filter.Name ?? '';
    if (name.startsWith('tag:')) return (filter.Values ?? []).includes(tags[name.slice(4)]);
    if (!(name in fields)) throw new Error(`fake EC2: unknown filter ${name}`);
    return (filter.Values ?? []).includes(fields[name] ?? '');
  });
}

const routes = () => ec2.commandCalls(CreateRouteCommand).map((c) => c.args[0].input);
const count = (command: Parameters<typeof ec2.commandCalls>[0]) => ec2.commandCalls(command).length;

/**
 * Runs ConnectNetwork as the `ConnectionsComplete?` loop does, handing each answer back, until it waits
 * (ResourceNotReady), asks a person to act (`awaitingAction`: the workflow announces it) or completes.
 */
async function runUntilSettled(plan: Plan, network: NetworkIds, known?: ConnectionsProgress): Promise<ConnectionsProgress> {
  let progress = known;
  for (let run = 0; run < 10; run++) {
    try {
      progress = await ensureConnections(clients, plan, network, progress);
    } catch (error) {
      if (error instanceof ResourceNotReady && progress) return progress;
      throw error;
    }
    if (progress.complete || progress.awaitingAction) return progress;
  }
  throw new Error('ConnectNetwork neither waited nor completed in 10 runs');
}

describe('ensureConnections', () => {
  const plan = closedNetworkPlan();
  let world: Ec2World;
  beforeEach(() => {
    world = new Ec2World().install();
  });

  it('allocates one NAT Elastic IP per run and returns at once, complete: false, with its id (nothing else created)', async () => {
    let known: ConnectionsProgress | undefined;
    for (const [i, zone] of ZONES.entries()) {
      ec2.resetHistory();
      known = await ensureConnections(clients, plan, PER_ZONE_NETWORK, known);
      expect(count(AllocateAddressCommand)).toBe(1);
      expect(known).toMatchObject({ complete: false, natAddressIds: { [zone]: `eipalloc-${i + 1}` } });
      expect(Object.keys(known.natAddressIds)).toHaveLength(i + 1);
    }
    expect(count(CreateTransitGatewayVpcAttachmentCommand) + count(CreateNatGatewayCommand) + count(CreateVpcEndpointCommand)).toBe(0);
  });

  it('then creates the Transit Gateway attachment in a run of its own (one private subnet per zone) and returns its id at once', async () => {
    let known: ConnectionsProgress | undefined;
    for (let run = 0; run < ZONES.length; run++) known = await ensureConnections(clients, plan, PER_ZONE_NETWORK, known);
    ec2.resetHistory();
    known = await ensureConnections(clients, plan, PER_ZONE_NETWORK, known);
    expect(known).toMatchObject({ complete: false, transitGatewayAttachmentId: 'tgw-attach-1' });
    expect(ec2.commandCalls(CreateTransitGatewayVpcAttachmentCommand).map((c) => c.args[0].input)).toEqual([
      expect.objectContaining({
        TransitGatewayId: TRANSIT_GATEWAY_ID,
        VpcId: 'vpc-1',
        SubnetIds: ['subnet-private-a', 'subnet-private-b', 'subnet-private-c'],
      }),
    ]);
    expect(count(AllocateAddressCommand) + count(CreateNatGatewayCommand) + count(CreateVpcEndpointCommand)).toBe(0);
  });

  it('then creates the NAT gateways and endpoints and returns once more, complete: false, with all their ids', async () => {
    let known: ConnectionsProgress | undefined;
    for (let run = 0; run < ZONES.length + 1; run++) known = await ensureConnections(clients, plan, PER_ZONE_NETWORK, known);
    ec2.resetHistory();
    known = await ensureConnections(clients, plan, PER_ZONE_NETWORK, known);
    expect(known).toEqual({
      complete: false,
      natAddressIds: perZone((z) => `eipalloc-${'abc'.indexOf(z) + 1}`),
      natGatewayIds: perZone((z) => `nat-${z}`),
      endpointIds: Object.fromEntries(CLOSED_NETWORK_ENDPOINTS.map((service) => [service, `vpce-${service}`])),
      transitGatewayAttachmentId: 'tgw-attach-1',
    });
    expect(ec2.commandCalls(CreateNatGatewayCommand).map((c) => [c.args[0].input.SubnetId, c.args[0].input.AllocationId])).toEqual([
      ['subnet-public-a', 'eipalloc-1'],
      ['subnet-public-b', 'eipalloc-2'],
      ['subnet-public-c', 'eipalloc-3'],
    ]);
    expect(count(CreateVpcEndpointCommand)).toBe(CLOSED_NETWORK_ENDPOINTS.length);
    expect(routes()).toEqual([]);
  });

  it('once every id is known, waits (ResourceNotReady naming each pending one), creating nothing more and adding no route', async () => {
    const known = await runUntilSettled(plan, PER_ZONE_NETWORK);
    ec2.resetHistory();
    const error = await ensureConnections(clients, plan, PER_ZONE_NETWORK, known).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceNotReady);
    const message = (error as Error).message;
    for (const pending of [
      'NAT gateway nat-a is pending',
      'endpoint ssm (vpce-ssm) is pending',
      'Transit Gateway attachment tgw-attach-1 is pending',
    ])
      expect(message).toContain(pending);
    expect(
      count(AllocateAddressCommand) +
        count(CreateTransitGatewayVpcAttachmentCommand) +
        count(CreateNatGatewayCommand) +
        count(CreateVpcEndpointCommand) +
        count(CreateRouteCommand),
    ).toBe(0);
  });

  describe('an attachment the gateway owner must accept (pendingAcceptance)', () => {
    const ACCEPT = `accept attachment tgw-attach-1 in account ${OWNER}`;
    beforeEach(() => {
      world.autoAccept = false;
      world.install();
    });

    it('asks once for the acceptance (complete: false, awaitingAction naming the attachment and the owner’s account), adding no route', async () => {
      const asked = await runUntilSettled(plan, PER_ZONE_NETWORK);
      expect(asked).toMatchObject({ complete: false, transitGatewayAttachmentId: 'tgw-attach-1' });
      expect(asked.awaitingAction).toBe(
        `${ACCEPT}: Transit Gateway ${TRANSIT_GATEWAY_ID} does not auto-accept shared attachments (pendingAcceptance)`,
      );
      expect(routes()).toEqual([]);
    });

    it('once the workflow announced it, waits for the person: AwaitingAction (polled slowly), its message starting with what to do, before what else is pending', async () => {
      const asked = await runUntilSettled(plan, PER_ZONE_NETWORK);
      const announced = { ...asked, announced: { posted: true } };
      const error = await ensureConnections(clients, plan, PER_ZONE_NETWORK, announced).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AwaitingAction);
      // The NAT gateways are pending too, and were listed before the attachment: acceptance still comes first.
      expect((error as Error).message.startsWith(ACCEPT)).toBe(true);
      expect((error as Error).message).toContain('NAT gateway nat-a is pending');
      expect(routes()).toEqual([]);
    });

    it('once accepted and available, completes, still carrying the announcement (so it is never asked again)', async () => {
      const asked = await runUntilSettled(plan, PER_ZONE_NETWORK);
      world.allAvailable();
      const done = await ensureConnections(clients, plan, PER_ZONE_NETWORK, { ...asked, announced: { posted: true } });
      expect(done).toMatchObject({ complete: true, announced: { posted: true } });
      expect(done).not.toHaveProperty('awaitingAction');
      expect(routes().filter((r) => r.TransitGatewayId)).toHaveLength(4);
    });
  });

  it('with nat-per-az, routes 0.0.0.0/0 in each zone’s private table to that zone’s NAT gateway, the Transit Gateway routes in every table, and completes', async () => {
    const known = await runUntilSettled(plan, PER_ZONE_NETWORK);
    world.allAvailable();
    const done = await ensureConnections(clients, plan, PER_ZONE_NETWORK, known);
    expect(done).toEqual({ ...known, complete: true });
    const byTarget = (key: 'NatGatewayId' | 'TransitGatewayId') =>
      routes()
        .filter((r: CreateRouteCommandInput) => r[key])
        .map((r) => [r.RouteTableId, r.DestinationCidrBlock, r[key]]);
    expect(byTarget('NatGatewayId')).toEqual([
      ['rtb-private-a', '0.0.0.0/0', 'nat-a'],
      ['rtb-private-b', '0.0.0.0/0', 'nat-b'],
      ['rtb-private-c', '0.0.0.0/0', 'nat-c'],
    ]);
    expect(byTarget('TransitGatewayId')).toEqual(
      ['rtb-private-a', 'rtb-private-b', 'rtb-private-c', 'rtb-public'].map((table) => [table, '10.200.0.0/16', TRANSIT_GATEWAY_ID]),
    );
  });

  it('with nat-single, routes 0.0.0.0/0 once, in the one private table every zone shares, to the one NAT gateway', async () => {
    const single = closedNetworkPlan({ egress: 'nat-single' });
    const known = await runUntilSettled(single, SHARED_NETWORK);
    world.allAvailable();
    await expect(ensureConnections(clients, single, SHARED_NETWORK, known)).resolves.toMatchObject({
      complete: true,
      natGatewayIds: { 'ap-northeast-2a': 'nat-a' },
    });
    expect(routes().filter((r) => r.NatGatewayId)).toEqual([
      { RouteTableId: 'rtb-private', DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-a' },
    ]);
    expect(
      routes()
        .filter((r) => r.TransitGatewayId)
        .map((r) => r.RouteTableId),
    ).toEqual(['rtb-private', 'rtb-public']);
  });

  it('answers complete: true with empty records, asking AWS nothing, when the spec has no egress, endpoint or gateway', async () => {
    await expect(ensureConnections(clients, seoulPlan(), PER_ZONE_NETWORK)).resolves.toEqual({
      complete: true,
      natAddressIds: {},
      natGatewayIds: {},
      endpointIds: {},
    });
    expect(ec2.calls()).toHaveLength(0);
  });
});

describe('describeConnectionStates', () => {
  it('asks nothing for a build without connections', async () => {
    await expect(describeConnectionStates(clients, {})).resolves.toEqual({});
    await expect(describeConnectionStates(clients)).resolves.toEqual({});
    expect(ec2.calls()).toHaveLength(0);
  });

  it('reads every connection’s state back from AWS by id, one map for all', async () => {
    ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: [{ NatGatewayId: 'nat-a', State: 'available' }] });
    ec2.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: [
        { VpcEndpointId: 'vpce-ssm', State: 'available' as State },
        { VpcEndpointId: 'vpce-s3', State: 'pending' as State },
      ],
    });
    ec2.on(DescribeTransitGatewayVpcAttachmentsCommand).resolves({
      TransitGatewayVpcAttachments: [
        { TransitGatewayAttachmentId: 'tgw-attach-1', TransitGatewayId: TRANSIT_GATEWAY_ID, State: 'available' },
      ],
    });
    const ids: ConnectionIds = {
      natAddressIds: { 'ap-northeast-2a': 'eipalloc-1' },
      natGatewayIds: { 'ap-northeast-2a': 'nat-a' },
      endpointIds: { ssm: 'vpce-ssm', s3: 'vpce-s3' },
      transitGatewayAttachmentId: 'tgw-attach-1',
    };
    await expect(describeConnectionStates(clients, ids)).resolves.toEqual({
      'nat-a': 'available',
      'vpce-ssm': 'available',
      'vpce-s3': 'pending',
      'tgw-attach-1': 'available',
    });
    expect(ec2.commandCalls(DescribeNatGatewaysCommand)[0].args[0].input).toMatchObject({ NatGatewayIds: ['nat-a'] });
    expect(ec2.commandCalls(DescribeVpcEndpointsCommand)[0].args[0].input).toMatchObject({ VpcEndpointIds: ['vpce-ssm', 'vpce-s3'] });
    expect(ec2.commandCalls(DescribeTransitGatewayVpcAttachmentsCommand)[0].args[0].input).toMatchObject({
      TransitGatewayAttachmentIds: ['tgw-attach-1'],
    });
  });
});

describe('withoutProgress', () => {
  it('keeps the ids for the outputs and drops the loop’s flag and the announcement', () => {
    const ids: ConnectionIds = {
      natAddressIds: { 'ap-northeast-2a': 'eipalloc-1' },
      natGatewayIds: { 'ap-northeast-2a': 'nat-a' },
      endpointIds: { ssm: 'vpce-ssm' },
      transitGatewayAttachmentId: 'tgw-attach-1',
    };
    expect(withoutProgress({ ...ids, complete: true, announced: { posted: true } })).toStrictEqual(ids);
    const withoutGateway: ConnectionIds = { natAddressIds: {}, natGatewayIds: {}, endpointIds: {} };
    expect(withoutProgress({ ...withoutGateway, complete: true })).toStrictEqual(withoutGateway);
  });
});

describe('deleteConnections', () => {
  const plan = closedNetworkPlan();
  const tableTags = (role: string) => toTagList({ [TAG.buildId]: BUILD_ID, [TAG.managedBy]: MANAGED_BY, [TAG.role]: role });
  const attachment = (State: TransitGatewayAttachmentState): TransitGatewayVpcAttachment => ({
    TransitGatewayAttachmentId: 'tgw-attach-1',
    TransitGatewayId: TRANSIT_GATEWAY_ID,
    VpcId: 'vpc-1',
    State,
    Tags: toTagList(plan.transitGateway?.attachment.tags ?? {}),
  });
  const endpoint = (State: string): VpcEndpoint => ({
    VpcEndpointId: 'vpce-ssm',
    VpcId: 'vpc-1',
    State: State as State,
    Tags: toTagList(plan.endpoints[0].tags),
  });
  const gateway = (State: NatGatewayState): NatGateway => ({ NatGatewayId: 'nat-a', State, Tags: toTagList(plan.natGateways[0].tags) });
  const arrange = (states: { attachment: TransitGatewayAttachmentState; endpoint: string; gateway: NatGatewayState }) => {
    ec2.on(DescribeRouteTablesCommand).resolves({
      RouteTables: [
        { RouteTableId: 'rtb-private-a', Tags: tableTags('private-route-table') },
        { RouteTableId: 'rtb-public', Tags: tableTags('public-route-table') },
        // Tagged for the build but not a route table of ours by role, and one of another build: left alone.
        { RouteTableId: 'rtb-other-role', Tags: tableTags('vpc') },
        {
          RouteTableId: 'rtb-stranger',
          Tags: toTagList({ [TAG.buildId]: 'someone-else', [TAG.managedBy]: MANAGED_BY, [TAG.role]: 'private-route-table' }),
        },
      ],
    });
    ec2.on(DescribeTransitGatewayVpcAttachmentsCommand).resolves({ TransitGatewayVpcAttachments: [attachment(states.attachment)] });
    ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [endpoint(states.endpoint)] });
    ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: [gateway(states.gateway)] });
    ec2
      .on(DescribeAddressesCommand)
      .resolves({ Addresses: [{ AllocationId: 'eipalloc-1', Tags: toTagList(plan.natGateways[0].addressTags) }] });
    ec2.on(DeleteRouteCommand).resolves({});
    ec2.on(DeleteTransitGatewayVpcAttachmentCommand).resolves({});
    ec2.on(DeleteVpcEndpointsCommand).resolves({ Unsuccessful: [] });
    ec2.on(DeleteNatGatewayCommand).resolves({});
    ec2.on(ReleaseAddressCommand).resolves({});
  };

  it('removes the Transit Gateway routes from the build’s tables (by tag, and those the state names) and no one else’s', async () => {
    arrange({ attachment: 'deleted', endpoint: 'deleted', gateway: 'deleted' });
    await deleteConnections(clients, plan, { privateRouteTableIds: { 'ap-northeast-2b': 'rtb-private-b' } });
    expect(ec2.commandCalls(DeleteRouteCommand).map((c) => c.args[0].input)).toEqual(
      ['rtb-private-a', 'rtb-public', 'rtb-private-b'].map((RouteTableId) => ({ RouteTableId, DestinationCidrBlock: '10.200.0.0/16' })),
    );
  });

  it('touches no route table when the build has no Transit Gateway', async () => {
    arrange({ attachment: 'deleted', endpoint: 'deleted', gateway: 'deleted' });
    await deleteConnections(clients, seoulPlan({ egress: 'nat-per-az', endpoints: CLOSED_NETWORK_ENDPOINTS }), PER_ZONE_NETWORK);
    expect(ec2.commandCalls(DescribeRouteTablesCommand)).toHaveLength(0);
    expect(ec2.commandCalls(DeleteRouteCommand)).toHaveLength(0);
  });

  it('leaves the Transit Gateway routes alone without routes (DeleteNetwork: DeleteLoadBalancer removed them)', async () => {
    arrange({ attachment: 'deleted', endpoint: 'deleted', gateway: 'deleted' });
    await expect(deleteConnectionsWithoutRoutes(clients, plan)).resolves.toEqual({
      deleted: ['tgw-attach-1', 'vpce-ssm', 'nat-a', 'eipalloc-1'],
      pending: [],
    });
    expect(ec2.commandCalls(DescribeRouteTablesCommand)).toHaveLength(0);
    expect(ec2.commandCalls(DeleteRouteCommand)).toHaveLength(0);
  });

  it('sends every delete at once and answers what is on its way to deleted as pending, releasing no address', async () => {
    arrange({ attachment: 'available', endpoint: 'available', gateway: 'available' });
    const teardown = await deleteConnections(clients, plan, PER_ZONE_NETWORK);
    expect(teardown).toEqual({ deleted: [], pending: ['tgw-attach-1', 'vpce-ssm', 'nat-a'] });
    // What DeleteNetwork makes of it: a wait naming each.
    expect(() => requireConnectionsGone(teardown)).toThrow(ResourceNotReady);
    expect(() => requireConnectionsGone(teardown)).toThrow('waiting for tgw-attach-1, vpce-ssm, nat-a to be deleted');
    expect(ec2.commandCalls(DeleteTransitGatewayVpcAttachmentCommand)).toHaveLength(1);
    expect(ec2.commandCalls(DeleteVpcEndpointsCommand)).toHaveLength(1);
    expect(ec2.commandCalls(DeleteNatGatewayCommand)).toHaveLength(1);
    expect(ec2.commandCalls(ReleaseAddressCommand)).toHaveLength(0);
  });

  it('answers the deleted ids, NAT addresses released, once everything is gone', async () => {
    arrange({ attachment: 'deleted', endpoint: 'deleted', gateway: 'deleted' });
    const teardown = await deleteConnections(clients, plan, PER_ZONE_NETWORK);
    expect(teardown).toEqual({ deleted: ['tgw-attach-1', 'vpce-ssm', 'nat-a', 'eipalloc-1'], pending: [] });
    expect(requireConnectionsGone(teardown)).toEqual(teardown.deleted);
    expect(ec2.commandCalls(ReleaseAddressCommand).map((c) => c.args[0].input)).toEqual([{ AllocationId: 'eipalloc-1' }]);
  });

  it('deletes the ids a rollback carries before a Describe by tag shows them', async () => {
    arrange({ attachment: 'deleted', endpoint: 'deleted', gateway: 'deleted' });
    ec2.on(DescribeTransitGatewayVpcAttachmentsCommand).resolves({ TransitGatewayVpcAttachments: [] });
    ec2.on(DescribeTransitGatewayVpcAttachmentsCommand, { TransitGatewayAttachmentIds: ['tgw-attach-9'] }).resolves({
      TransitGatewayVpcAttachments: [{ ...attachment('available'), TransitGatewayAttachmentId: 'tgw-attach-9' }],
    });
    await expect(deleteConnections(clients, plan, {}, { transitGatewayAttachmentId: 'tgw-attach-9' })).resolves.toMatchObject({
      pending: ['tgw-attach-9'],
    });
    expect(ec2.commandCalls(DeleteTransitGatewayVpcAttachmentCommand).map((c) => c.args[0].input)).toEqual([
      { TransitGatewayAttachmentId: 'tgw-attach-9' },
    ]);
  });
});
