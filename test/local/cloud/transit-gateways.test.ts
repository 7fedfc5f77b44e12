/**
 * Transit gateways and VPC attachments in the embedded cloud: the documented lifecycle on the simulated clock,
 * a gateway another account shares with ours (control interface) with and without auto-accept, the
 * attachment's interfaces and what they block, and routes to the gateway.
 */
import * as E from '@aws-sdk/client-ec2';
import { control, interfacesIn, twoZoneNetwork } from './connectivity-fixtures';
import { BUILD_TAG, tagSpec } from './fixtures';
import { Harness, rejection, startHarness, stopHarness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    throttling: false,
    latency: {
      transitGatewayPendingToAvailable: 180,
      transitGatewayDeletingToDeleted: 120,
      transitGatewayAttachmentPendingToAvailable: 90,
      transitGatewayAttachmentDeletingToDeleted: 60,
    },
  });
});
afterAll(() => stopHarness(h));
afterEach(() => h.cloud.reset());

const attachmentState = async (id: string) =>
  (await h.ec2.send(new E.DescribeTransitGatewayVpcAttachmentsCommand({ TransitGatewayAttachmentIds: [id] })))
    .TransitGatewayVpcAttachments![0].State;

async function sharedGateway(autoAcceptSharedAttachments: boolean): Promise<string> {
  const shared = await control(h, 'POST', '/_cloud/transit-gateways', { autoAcceptSharedAttachments });
  expect(shared.status).toBe(201);
  return (shared.body as { transitGatewayId: string }).transitGatewayId;
}

const attach = (transitGatewayId: string, vpcId: string, subnetIds: string[]) =>
  h.ec2.send(
    new E.CreateTransitGatewayVpcAttachmentCommand({
      TransitGatewayId: transitGatewayId,
      VpcId: vpcId,
      SubnetIds: subnetIds,
      TagSpecifications: [tagSpec('transit-gateway-attachment', { [BUILD_TAG]: 'b-1' })],
    }),
  );

describe('transit gateways', () => {
  it('goes pending → available after the modelled minutes, and refuses attachments until it is available', async () => {
    const net = await twoZoneNetwork(h.ec2);
    const created = await h.ec2.send(new E.CreateTransitGatewayCommand({ Description: 'hub' }));
    const id = created.TransitGateway!.TransitGatewayId!;
    expect(id).toMatch(/^tgw-[0-9a-f]{17}$/);
    expect(created.TransitGateway).toMatchObject({ State: 'pending', OwnerId: '123456789012' });
    expect(created.TransitGateway!.Options?.AutoAcceptSharedAttachments).toBe('disable');
    expect((await rejection(attach(id, net.vpcId, net.subnetIds))).name).toBe('IncorrectState');
    h.cloud.clock.advance(179);
    const { TransitGateways } = await h.ec2.send(new E.DescribeTransitGatewaysCommand({ TransitGatewayIds: [id] }));
    expect(TransitGateways![0].State).toBe('pending');
    h.cloud.clock.advance(1);
    const available = await h.ec2.send(new E.DescribeTransitGatewaysCommand({ Filters: [{ Name: 'state', Values: ['available'] }] }));
    expect(available.TransitGateways!.map((g) => g.TransitGatewayId)).toEqual([id]);
  });

  it('lists a gateway shared by another account at once, with its owner and auto-accept setting, and filters on them', async () => {
    const id = await sharedGateway(true);
    const { TransitGateways } = await h.ec2.send(
      new E.DescribeTransitGatewaysCommand({ Filters: [{ Name: 'options.auto-accept-shared-attachments', Values: ['enable'] }] }),
    );
    expect(TransitGateways).toHaveLength(1);
    expect(TransitGateways![0]).toMatchObject({ TransitGatewayId: id, State: 'available', OwnerId: '111122223333' });
    expect(TransitGateways![0].TransitGatewayArn).toBe(`arn:aws:ec2:ap-northeast-2:111122223333:transit-gateway/${id}`);
    const byOwner = await h.ec2.send(new E.DescribeTransitGatewaysCommand({ Filters: [{ Name: 'owner-id', Values: ['123456789012'] }] }));
    expect(byOwner.TransitGateways).toEqual([]);
    const unknown = await rejection(h.ec2.send(new E.DescribeTransitGatewaysCommand({ TransitGatewayIds: ['tgw-00000000000000000'] })));
    expect(unknown.name).toBe('InvalidTransitGatewayID.NotFound');
  });

  it('refuses DeleteTransitGateway while an attachment lives, and deletes it after the attachment is deleted', async () => {
    const net = await twoZoneNetwork(h.ec2);
    const id = (await h.ec2.send(new E.CreateTransitGatewayCommand({}))).TransitGateway!.TransitGatewayId!;
    h.cloud.clock.advance(180);
    const attachmentId = (await attach(id, net.vpcId, net.subnetIds)).TransitGatewayVpcAttachment!.TransitGatewayAttachmentId!;
    h.cloud.clock.advance(90);
    const refused = await rejection(h.ec2.send(new E.DeleteTransitGatewayCommand({ TransitGatewayId: id })));
    expect(refused.name).toBe('IncorrectState');
    expect(refused.message).toContain(`has non-deleted Transit Gateway Attachments: ${attachmentId}`);
    await h.ec2.send(new E.DeleteTransitGatewayVpcAttachmentCommand({ TransitGatewayAttachmentId: attachmentId }));
    expect((await rejection(h.ec2.send(new E.DeleteTransitGatewayCommand({ TransitGatewayId: id })))).name).toBe('IncorrectState'); // deleting
    h.cloud.clock.advance(60);
    const deleted = await h.ec2.send(new E.DeleteTransitGatewayCommand({ TransitGatewayId: id }));
    expect(deleted.TransitGateway!.State).toBe('deleting');
    h.cloud.clock.advance(120);
    const { TransitGateways } = await h.ec2.send(new E.DescribeTransitGatewaysCommand({ TransitGatewayIds: [id] }));
    expect(TransitGateways![0].State).toBe('deleted');
  });
});

describe('VPC attachments', () => {
  it('to our own gateway: pending, available after 90 s, one transit_gateway interface per subnet, tagged and found by tag', async () => {
    const net = await twoZoneNetwork(h.ec2);
    const id = (await h.ec2.send(new E.CreateTransitGatewayCommand({}))).TransitGateway!.TransitGatewayId!;
    h.cloud.clock.advance(180);
    const created = (await attach(id, net.vpcId, net.subnetIds)).TransitGatewayVpcAttachment!;
    expect(created).toMatchObject({ TransitGatewayId: id, VpcId: net.vpcId, State: 'pending', SubnetIds: net.subnetIds });
    expect(created.TransitGatewayAttachmentId).toMatch(/^tgw-attach-[0-9a-f]{17}$/);
    const eni = (await interfacesIn(h.ec2, net.subnetIds[1]))[0];
    expect(eni).toMatchObject({
      InterfaceType: 'transit_gateway',
      RequesterManaged: true,
      Description: `Network Interface for Transit Gateway Attachment ${created.TransitGatewayAttachmentId}`,
    });
    h.cloud.clock.advance(89);
    expect(await attachmentState(created.TransitGatewayAttachmentId!)).toBe('pending');
    h.cloud.clock.advance(1);
    const byTag = await h.ec2.send(
      new E.DescribeTransitGatewayVpcAttachmentsCommand({
        Filters: [
          { Name: `tag:${BUILD_TAG}`, Values: ['b-1'] },
          { Name: 'state', Values: ['available'] },
        ],
      }),
    );
    expect(byTag.TransitGatewayVpcAttachments!.map((x) => x.TransitGatewayAttachmentId)).toEqual([created.TransitGatewayAttachmentId]);
    expect(h.cloud.resources('b-1')).toContainEqual({
      service: 'ec2',
      type: 'transit-gateway-attachment',
      id: created.TransitGatewayAttachmentId,
      state: 'available',
    });
  });

  it('to a shared gateway with auto-accept off: pendingAcceptance until the owner accepts (control route), then pending → available', async () => {
    const net = await twoZoneNetwork(h.ec2);
    const gateway = await sharedGateway(false);
    const id = (await attach(gateway, net.vpcId, [net.subnetIds[0]])).TransitGatewayVpcAttachment!.TransitGatewayAttachmentId!;
    h.cloud.clock.advance(3600);
    expect(await attachmentState(id)).toBe('pendingAcceptance');
    expect(await interfacesIn(h.ec2, net.subnetIds[0])).toEqual([]); // nothing provisioned yet
    // Our account does not own the gateway: it cannot accept its own request.
    expect((await rejection(h.ec2.send(new E.AcceptTransitGatewayVpcAttachmentCommand({ TransitGatewayAttachmentId: id })))).name).toBe(
      'IncorrectState',
    );
    const accepted = await control(h, 'POST', `/_cloud/transit-gateway-attachments/${id}/accept`);
    expect(accepted).toEqual({ status: 200, body: { transitGatewayAttachmentId: id, state: 'pending' } });
    expect((await interfacesIn(h.ec2, net.subnetIds[0])).map((e) => e.InterfaceType)).toEqual(['transit_gateway']);
    h.cloud.clock.advance(90);
    expect(await attachmentState(id)).toBe('available');
    expect((await control(h, 'POST', `/_cloud/transit-gateway-attachments/${id}/accept`)).status).toBe(409); // no longer awaiting
  });

  it('to a shared gateway with auto-accept on: pending → available without the owner', async () => {
    const net = await twoZoneNetwork(h.ec2);
    const gateway = await sharedGateway(true);
    const created = (await attach(gateway, net.vpcId, net.subnetIds)).TransitGatewayVpcAttachment!;
    expect(created.State).toBe('pending');
    h.cloud.clock.advance(90);
    expect(await attachmentState(created.TransitGatewayAttachmentId!)).toBe('available');
  });

  it('rejected by the owner: rejected, never provisioned, and its subnet and VPC can then be deleted', async () => {
    const net = await twoZoneNetwork(h.ec2);
    const gateway = await sharedGateway(false);
    const id = (await attach(gateway, net.vpcId, [net.subnetIds[0]])).TransitGatewayVpcAttachment!.TransitGatewayAttachmentId!;
    const held = await rejection(h.ec2.send(new E.DeleteSubnetCommand({ SubnetId: net.subnetIds[0] })));
    expect(held.name).toBe('DependencyViolation'); // named by the attachment awaiting acceptance
    expect(await control(h, 'POST', `/_cloud/transit-gateway-attachments/${id}/reject`)).toEqual({
      status: 200,
      body: { transitGatewayAttachmentId: id, state: 'rejected' },
    });
    expect(await attachmentState(id)).toBe('rejected');
    expect((await control(h, 'POST', '/_cloud/transit-gateway-attachments/tgw-attach-00000000000000000/reject')).status).toBe(404);
    for (const subnetId of net.subnetIds) await h.ec2.send(new E.DeleteSubnetCommand({ SubnetId: subnetId }));
    await h.ec2.send(new E.DeleteSecurityGroupCommand({ GroupId: net.groupId }));
    await h.ec2.send(new E.DeleteRouteTableCommand({ RouteTableId: net.routeTableId }));
    await h.ec2.send(new E.DeleteVpcCommand({ VpcId: net.vpcId }));
  });

  it('holds its subnets until it is deleted, then stays listed as deleted for two hours', async () => {
    const net = await twoZoneNetwork(h.ec2);
    const gateway = await sharedGateway(true);
    const id = (await attach(gateway, net.vpcId, net.subnetIds)).TransitGatewayVpcAttachment!.TransitGatewayAttachmentId!;
    const pendingDelete = await rejection(h.ec2.send(new E.DeleteTransitGatewayVpcAttachmentCommand({ TransitGatewayAttachmentId: id })));
    expect(pendingDelete.name).toBe('IncorrectState'); // a pending attachment cannot be deleted yet
    h.cloud.clock.advance(90);
    await expect(rejection(h.ec2.send(new E.DeleteSubnetCommand({ SubnetId: net.subnetIds[0] })))).resolves.toMatchObject({
      name: 'DependencyViolation',
    });
    const deleting = await h.ec2.send(new E.DeleteTransitGatewayVpcAttachmentCommand({ TransitGatewayAttachmentId: id }));
    expect(deleting.TransitGatewayVpcAttachment!.State).toBe('deleting');
    h.cloud.clock.advance(59);
    await expect(rejection(h.ec2.send(new E.DeleteSubnetCommand({ SubnetId: net.subnetIds[0] })))).resolves.toMatchObject({
      name: 'DependencyViolation',
    });
    h.cloud.clock.advance(1);
    expect(await attachmentState(id)).toBe('deleted');
    expect(h.cloud.resources('b-1').some((r) => r.id === id)).toBe(false);
    for (const subnetId of net.subnetIds) await h.ec2.send(new E.DeleteSubnetCommand({ SubnetId: subnetId }));
    const again = await rejection(h.ec2.send(new E.DeleteTransitGatewayVpcAttachmentCommand({ TransitGatewayAttachmentId: id })));
    expect(again.name).toBe('InvalidTransitGatewayAttachmentID.NotFound');
    h.cloud.clock.advance(2 * 3600);
    const gone = await rejection(h.ec2.send(new E.DescribeTransitGatewayVpcAttachmentsCommand({ TransitGatewayAttachmentIds: [id] })));
    expect(gone.name).toBe('InvalidTransitGatewayAttachmentID.NotFound');
  });

  it.each([
    ['two subnets in one zone', 'DuplicateSubnetsInSameZone'],
    ['a second attachment of the same VPC', 'DuplicateTransitGatewayAttachment'],
    ['a subnet that does not exist', 'InvalidSubnetID.NotFound'],
    ['a gateway that does not exist', 'InvalidTransitGatewayID.NotFound'],
  ])('refuses %s with %s', async (what, code) => {
    const net = await twoZoneNetwork(h.ec2);
    const gateway = await sharedGateway(true);
    const third = (
      await h.ec2.send(new E.CreateSubnetCommand({ VpcId: net.vpcId, CidrBlock: '10.0.3.0/24', AvailabilityZone: 'ap-northeast-2a' }))
    ).Subnet!.SubnetId!;
    const requests: Record<string, () => Promise<unknown>> = {
      'two subnets in one zone': () => attach(gateway, net.vpcId, [net.subnetIds[0], third]),
      'a second attachment of the same VPC': async () => {
        await attach(gateway, net.vpcId, [net.subnetIds[0]]);
        return attach(gateway, net.vpcId, [net.subnetIds[1]]);
      },
      'a subnet that does not exist': () => attach(gateway, net.vpcId, ['subnet-00000000000000000']),
      'a gateway that does not exist': () => attach('tgw-00000000000000000', net.vpcId, net.subnetIds),
    };
    expect((await rejection(requests[what]())).name).toBe(code);
  });
});

describe('routes to a transit gateway', () => {
  const route = (routeTableId: string, transitGatewayId: string) =>
    h.ec2.send(
      new E.CreateRouteCommand({ RouteTableId: routeTableId, DestinationCidrBlock: '10.100.0.0/16', TransitGatewayId: transitGatewayId }),
    );
  const routeTo = async (routeTableId: string, transitGatewayId: string) => {
    const { RouteTables } = await h.ec2.send(
      new E.DescribeRouteTablesCommand({ Filters: [{ Name: 'route.transit-gateway-id', Values: [transitGatewayId] }] }),
    );
    expect(RouteTables!.map((t) => t.RouteTableId)).toEqual([routeTableId]);
    return RouteTables![0].Routes!.find((r) => r.TransitGatewayId === transitGatewayId);
  };

  it('are refused until this VPC has an available attachment, then active, and blackhole once the attachment is deleted', async () => {
    const net = await twoZoneNetwork(h.ec2);
    const gateway = await sharedGateway(false);
    const unattached = await rejection(route(net.routeTableId, gateway));
    expect([unattached.name, unattached.message]).toEqual([
      'InvalidTransitGatewayID.NotFound',
      `The transitGateway ID '${gateway}' does not exist.`,
    ]);
    const id = (await attach(gateway, net.vpcId, net.subnetIds)).TransitGatewayVpcAttachment!.TransitGatewayAttachmentId!;
    expect((await rejection(route(net.routeTableId, gateway))).name).toBe('InvalidTransitGatewayID.NotFound'); // pendingAcceptance
    await control(h, 'POST', `/_cloud/transit-gateway-attachments/${id}/accept`);
    h.cloud.clock.advance(90);
    await route(net.routeTableId, gateway);
    expect(await routeTo(net.routeTableId, gateway)).toMatchObject({
      DestinationCidrBlock: '10.100.0.0/16',
      State: 'active',
      Origin: 'CreateRoute',
    });
    await h.ec2.send(new E.DeleteTransitGatewayVpcAttachmentCommand({ TransitGatewayAttachmentId: id }));
    h.cloud.clock.advance(60);
    expect((await routeTo(net.routeTableId, gateway))!.State).toBe('blackhole');
    await h.ec2.send(new E.DeleteRouteCommand({ RouteTableId: net.routeTableId, DestinationCidrBlock: '10.100.0.0/16' }));
  });

  it('take exactly one target', async () => {
    const net = await twoZoneNetwork(h.ec2, { igw: true });
    const gateway = await sharedGateway(true);
    const both = await rejection(
      h.ec2.send(
        new E.CreateRouteCommand({
          RouteTableId: net.routeTableId,
          DestinationCidrBlock: '0.0.0.0/0',
          GatewayId: net.igwId,
          TransitGatewayId: gateway,
        }),
      ),
    );
    expect(both.name).toBe('InvalidParameterCombination');
    expect(
      (await rejection(h.ec2.send(new E.CreateRouteCommand({ RouteTableId: net.routeTableId, DestinationCidrBlock: '0.0.0.0/0' })))).name,
    ).toBe('MissingParameter');
  });
});
