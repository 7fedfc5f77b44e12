/**
 * NAT gateways in the embedded cloud: pending → available (or failed) on the simulated clock, the interface and
 * Elastic IP they hold and what that blocks until the gateway is deleted, routes to them, ClientToken idempotency.
 */
import * as E from '@aws-sdk/client-ec2';
import { interfacesIn, twoZoneNetwork } from './connectivity-fixtures';
import { BUILD_TAG, tagSpec } from './fixtures';
import { Harness, rejection, startHarness, stopHarness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ throttling: false, latency: { natGatewayPendingToAvailable: 90, natGatewayDeletingToDeleted: 60 } });
});
afterAll(() => stopHarness(h));
afterEach(() => h.cloud.reset());

const allocate = async () => (await h.ec2.send(new E.AllocateAddressCommand({ Domain: 'vpc' }))).AllocationId!;

const createNat = (subnetId: string, allocationId: string | undefined, extra: Partial<E.CreateNatGatewayCommandInput> = {}) =>
  h.ec2.send(
    new E.CreateNatGatewayCommand({
      SubnetId: subnetId,
      AllocationId: allocationId,
      TagSpecifications: [tagSpec('natgateway', { [BUILD_TAG]: 'b-1' })],
      ...extra,
    }),
  );

const describe1 = async (id: string) => (await h.ec2.send(new E.DescribeNatGatewaysCommand({ NatGatewayIds: [id] }))).NatGateways![0];

describe('NAT gateways', () => {
  it('go pending → available after 90 s, with their interface and Elastic IP, found by tag', async () => {
    const net = await twoZoneNetwork(h.ec2, { igw: true });
    const allocationId = await allocate();
    const created = (await createNat(net.subnetIds[0], allocationId)).NatGateway!;
    expect(created.NatGatewayId).toMatch(/^nat-[0-9a-f]{17}$/);
    expect(created).toMatchObject({ State: 'pending', SubnetId: net.subnetIds[0], VpcId: net.vpcId, ConnectivityType: 'public' });
    const [eni] = await interfacesIn(h.ec2, net.subnetIds[0]);
    expect(eni).toMatchObject({
      InterfaceType: 'nat_gateway',
      RequesterManaged: true,
      Description: `Interface for NAT Gateway ${created.NatGatewayId}`,
    });
    h.cloud.clock.advance(89);
    expect((await describe1(created.NatGatewayId!)).State).toBe('pending');
    h.cloud.clock.advance(1);
    const { NatGateways } = await h.ec2.send(new E.DescribeNatGatewaysCommand({ Filter: [{ Name: `tag:${BUILD_TAG}`, Values: ['b-1'] }] }));
    expect(NatGateways).toHaveLength(1);
    const address = (await h.ec2.send(new E.DescribeAddressesCommand({ AllocationIds: [allocationId] }))).Addresses![0];
    expect(NatGateways![0]).toMatchObject({ State: 'available' });
    expect(NatGateways![0].NatGatewayAddresses).toEqual([
      expect.objectContaining({
        AllocationId: allocationId,
        PublicIp: address.PublicIp,
        NetworkInterfaceId: eni.NetworkInterfaceId,
        PrivateIp: eni.PrivateIpAddress,
      }),
    ]);
    expect(address.NetworkInterfaceId).toBe(eni.NetworkInterfaceId);
    expect(address.AssociationId).toMatch(/^eipassoc-[0-9a-f]{17}$/);
  });

  it('hold their subnet, Elastic IP and internet gateway until deleted, and release them all once deleted', async () => {
    const net = await twoZoneNetwork(h.ec2, { igw: true });
    const allocationId = await allocate();
    const id = (await createNat(net.subnetIds[0], allocationId)).NatGateway!.NatGatewayId!;
    h.cloud.clock.advance(90);
    const blocked = async () => {
      expect((await rejection(h.ec2.send(new E.DeleteSubnetCommand({ SubnetId: net.subnetIds[0] })))).name).toBe('DependencyViolation');
      const detach = await rejection(h.ec2.send(new E.DetachInternetGatewayCommand({ InternetGatewayId: net.igwId, VpcId: net.vpcId })));
      expect([detach.name, detach.message]).toEqual(['DependencyViolation', expect.stringContaining('mapped public address')]);
      // The address is the NAT gateway's to unmap: AWS answers AuthFailure.
      expect((await rejection(h.ec2.send(new E.ReleaseAddressCommand({ AllocationId: allocationId })))).name).toBe('AuthFailure');
      const { AssociationId } = (await h.ec2.send(new E.DescribeAddressesCommand({ AllocationIds: [allocationId] }))).Addresses![0];
      expect((await rejection(h.ec2.send(new E.DisassociateAddressCommand({ AssociationId })))).name).toBe('AuthFailure');
    };
    await blocked();
    expect(await h.ec2.send(new E.DeleteNatGatewayCommand({ NatGatewayId: id }))).toMatchObject({ NatGatewayId: id });
    expect((await describe1(id)).State).toBe('deleting');
    h.cloud.clock.advance(59);
    await blocked();
    h.cloud.clock.advance(1);
    const deleted = await describe1(id);
    expect(deleted.State).toBe('deleted');
    expect(deleted.DeleteTime).toBeInstanceOf(Date);
    expect(h.cloud.resources('b-1').some((r) => r.id === id)).toBe(false);
    await h.ec2.send(new E.ReleaseAddressCommand({ AllocationId: allocationId }));
    await h.ec2.send(new E.DetachInternetGatewayCommand({ InternetGatewayId: net.igwId, VpcId: net.vpcId }));
    await h.ec2.send(new E.DeleteSubnetCommand({ SubnetId: net.subnetIds[0] }));
    // Listed as deleted for about an hour, then gone.
    h.cloud.clock.advance(3600);
    expect((await rejection(h.ec2.send(new E.DescribeNatGatewaysCommand({ NatGatewayIds: [id] })))).name).toBe('NatGatewayNotFound');
  });

  it('block their VPC until deleted; then the VPC can go once the rest is removed', async () => {
    const net = await twoZoneNetwork(h.ec2, { igw: true });
    const id = (await createNat(net.subnetIds[0], await allocate())).NatGateway!.NatGatewayId!;
    expect((await rejection(h.ec2.send(new E.DeleteVpcCommand({ VpcId: net.vpcId })))).name).toBe('DependencyViolation');
    await h.ec2.send(new E.DeleteNatGatewayCommand({ NatGatewayId: id }));
    h.cloud.clock.advance(60);
    await h.ec2.send(new E.DeleteSubnetCommand({ SubnetId: net.subnetIds[0] }));
    await h.ec2.send(new E.DeleteSubnetCommand({ SubnetId: net.subnetIds[1] }));
    await h.ec2.send(new E.DetachInternetGatewayCommand({ InternetGatewayId: net.igwId, VpcId: net.vpcId }));
    await h.ec2.send(new E.DeleteInternetGatewayCommand({ InternetGatewayId: net.igwId }));
    await h.ec2.send(new E.DeleteSecurityGroupCommand({ GroupId: net.groupId }));
    await h.ec2.send(new E.DeleteRouteTableCommand({ RouteTableId: net.routeTableId }));
    await h.ec2.send(new E.DeleteVpcCommand({ VpcId: net.vpcId }));
  });

  it('in a VPC without an internet gateway: created, then failed with Gateway.NotAttached, leaving the address free', async () => {
    const net = await twoZoneNetwork(h.ec2);
    const allocationId = await allocate();
    const created = (await createNat(net.subnetIds[0], allocationId)).NatGateway!;
    expect(created.State).toBe('pending');
    h.cloud.clock.advance(90);
    expect(await describe1(created.NatGatewayId!)).toMatchObject({
      State: 'failed',
      FailureCode: 'Gateway.NotAttached',
      FailureMessage: `Network ${net.vpcId} has no Internet gateway attached`,
    });
    expect(await interfacesIn(h.ec2, net.subnetIds[0])).toEqual([]);
    await h.ec2.send(new E.ReleaseAddressCommand({ AllocationId: allocationId }));
  });

  it('with an Elastic IP another NAT gateway holds: failed with Resource.AlreadyAssociated', async () => {
    const net = await twoZoneNetwork(h.ec2, { igw: true });
    const allocationId = await allocate();
    await createNat(net.subnetIds[0], allocationId);
    const second = (await createNat(net.subnetIds[1], allocationId)).NatGateway!;
    h.cloud.clock.advance(90);
    expect(await describe1(second.NatGatewayId!)).toMatchObject({ State: 'failed', FailureCode: 'Resource.AlreadyAssociated' });
  });

  it('answer a request with an unknown subnet or Elastic IP at once', async () => {
    const net = await twoZoneNetwork(h.ec2, { igw: true });
    expect((await rejection(createNat(net.subnetIds[0], 'eipalloc-00000000000000000'))).name).toBe('InvalidAllocationID.NotFound');
    expect((await rejection(createNat('subnet-00000000000000000', await allocate()))).name).toBe('InvalidSubnetID.NotFound');
  });

  it('are route targets: active while available, blackhole once deleted (the route stays)', async () => {
    const net = await twoZoneNetwork(h.ec2, { igw: true });
    const id = (await createNat(net.subnetIds[0], await allocate())).NatGateway!.NatGatewayId!;
    h.cloud.clock.advance(90);
    await h.ec2.send(new E.CreateRouteCommand({ RouteTableId: net.routeTableId, DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: id }));
    const route = async () => {
      const { RouteTables } = await h.ec2.send(
        new E.DescribeRouteTablesCommand({ Filters: [{ Name: 'route.nat-gateway-id', Values: [id] }] }),
      );
      return RouteTables![0].Routes!.find((r) => r.NatGatewayId === id);
    };
    expect(await route()).toMatchObject({ DestinationCidrBlock: '0.0.0.0/0', State: 'active', Origin: 'CreateRoute' });
    await h.ec2.send(new E.DeleteNatGatewayCommand({ NatGatewayId: id }));
    h.cloud.clock.advance(60);
    expect((await route())!.State).toBe('blackhole');
    const missing = await rejection(
      h.ec2.send(new E.CreateRouteCommand({ RouteTableId: net.routeTableId, DestinationCidrBlock: '10.9.0.0/16', NatGatewayId: id })),
    );
    expect(missing.name).toBe('InvalidNatGatewayID.NotFound');
  });
});

describe('CreateNatGateway with a ClientToken', () => {
  it('answers a repeat with the first gateway, and IdempotentParameterMismatch when the parameters changed', async () => {
    const net = await twoZoneNetwork(h.ec2, { igw: true });
    const allocationId = await allocate();
    const first = await createNat(net.subnetIds[0], allocationId, { ClientToken: 'build-1-nat-a' });
    h.cloud.clock.advance(90);
    const repeat = await createNat(net.subnetIds[0], allocationId, { ClientToken: 'build-1-nat-a' });
    expect(repeat.NatGateway).toMatchObject({ NatGatewayId: first.NatGateway!.NatGatewayId, State: 'available' });
    expect(repeat.ClientToken).toBe('build-1-nat-a');
    const changed = await rejection(createNat(net.subnetIds[1], allocationId, { ClientToken: 'build-1-nat-a' }));
    expect([changed.name, changed.$metadata.httpStatusCode]).toEqual(['IdempotentParameterMismatch', 400]);
    expect((await h.ec2.send(new E.DescribeNatGatewaysCommand({}))).NatGateways).toHaveLength(1);
  });
});
