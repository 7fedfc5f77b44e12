/**
 * VPC endpoints and endpoint services in the embedded cloud: the service catalogue, interface endpoints (their
 * interfaces, private DNS rules, lifecycle, what they block) and gateway endpoints (their prefix-list routes),
 * DeleteVpcEndpoints' per-id answer, ClientToken idempotency.
 */
import * as E from '@aws-sdk/client-ec2';
import { interfacesIn, twoZoneNetwork } from './connectivity-fixtures';
import { BUILD_TAG, tagSpec } from './fixtures';
import { Harness, rejection, startHarness, stopHarness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ throttling: false, latency: { vpcEndpointPendingToAvailable: 90, vpcEndpointDeletingToDeleted: 60 } });
});
afterAll(() => stopHarness(h));
afterEach(() => h.cloud.reset());

const SSM = 'com.amazonaws.ap-northeast-2.ssm';
const S3 = 'com.amazonaws.ap-northeast-2.s3';

const interfaceEndpoint = (vpcId: string, subnetIds: string[], extra: Partial<E.CreateVpcEndpointCommandInput> = {}) =>
  h.ec2.send(
    new E.CreateVpcEndpointCommand({
      VpcEndpointType: 'Interface',
      VpcId: vpcId,
      ServiceName: SSM,
      SubnetIds: subnetIds,
      TagSpecifications: [tagSpec('vpc-endpoint', { [BUILD_TAG]: 'b-1' })],
      ...extra,
    }),
  );

const state = async (id: string) => (await h.ec2.send(new E.DescribeVpcEndpointsCommand({ VpcEndpointIds: [id] }))).VpcEndpoints![0].State;

describe('DescribeVpcEndpointServices', () => {
  it('lists the region’s services, S3 as both a gateway and an interface service', async () => {
    const { ServiceDetails, ServiceNames } = await h.ec2.send(new E.DescribeVpcEndpointServicesCommand({ ServiceNames: [S3, SSM] }));
    expect(ServiceNames).toEqual([SSM, S3]);
    expect(ServiceDetails!.map((d) => [d.ServiceName, d.ServiceType![0].ServiceType])).toEqual([
      [SSM, 'Interface'],
      [S3, 'Interface'],
      [S3, 'Gateway'],
    ]);
    expect(ServiceDetails![0]).toMatchObject({
      Owner: 'amazon',
      PrivateDnsName: 'ssm.ap-northeast-2.amazonaws.com',
      AcceptanceRequired: false,
    });
    const all = await h.ec2.send(new E.DescribeVpcEndpointServicesCommand({}));
    for (const svc of [
      'ssmmessages',
      'ec2messages',
      'ec2',
      'ecr.api',
      'ecr.dkr',
      'sts',
      'logs',
      'kms',
      'elasticloadbalancing',
      'autoscaling',
    ]) {
      expect(all.ServiceNames).toContain(`com.amazonaws.ap-northeast-2.${svc}`);
    }
  });

  it('answers InvalidServiceName for a name it does not offer', async () => {
    const err = await rejection(
      h.ec2.send(new E.DescribeVpcEndpointServicesCommand({ ServiceNames: ['com.amazonaws.ap-northeast-2.nope'] })),
    );
    expect([err.name, err.message]).toEqual([
      'InvalidServiceName',
      "The Vpc Endpoint Service 'com.amazonaws.ap-northeast-2.nope' does not exist",
    ]);
  });
});

describe('interface endpoints', () => {
  it('put one vpc_endpoint interface in each subnet, with the VPC’s default group unless told, and go pending → available', async () => {
    const net = await twoZoneNetwork(h.ec2, { dns: true });
    const created = (await interfaceEndpoint(net.vpcId, net.subnetIds)).VpcEndpoint!;
    expect(created.VpcEndpointId).toMatch(/^vpce-[0-9a-f]{17}$/);
    expect(created).toMatchObject({ State: 'pending', VpcEndpointType: 'Interface', PrivateDnsEnabled: true, SubnetIds: net.subnetIds });
    const { SecurityGroups } = await h.ec2.send(
      new E.DescribeSecurityGroupsCommand({
        Filters: [
          { Name: 'vpc-id', Values: [net.vpcId] },
          { Name: 'group-name', Values: ['default'] },
        ],
      }),
    );
    expect(created.Groups!.map((g) => g.GroupId)).toEqual([SecurityGroups![0].GroupId]);
    for (const subnetId of net.subnetIds) {
      const enis = await interfacesIn(h.ec2, subnetId);
      expect(enis.map((e) => [e.InterfaceType, e.RequesterManaged, e.Description])).toEqual([
        ['vpc_endpoint', true, `VPC Endpoint Interface ${created.VpcEndpointId}`],
      ]);
    }
    expect(created.NetworkInterfaceIds).toHaveLength(2);
    expect(created.DnsEntries!.map((d) => d.DnsName)).toContain('ssm.ap-northeast-2.amazonaws.com');
    h.cloud.clock.advance(89);
    expect(await state(created.VpcEndpointId!)).toBe('pending');
    h.cloud.clock.advance(1);
    const found = await h.ec2.send(
      new E.DescribeVpcEndpointsCommand({
        Filters: [
          { Name: 'vpc-id', Values: [net.vpcId] },
          { Name: 'service-name', Values: [SSM] },
          { Name: 'vpc-endpoint-state', Values: ['available'] },
          { Name: 'vpc-endpoint-type', Values: ['Interface'] },
          { Name: `tag:${BUILD_TAG}`, Values: ['b-1'] },
        ],
      }),
    );
    expect(found.VpcEndpoints!.map((e) => e.VpcEndpointId)).toEqual([created.VpcEndpointId]);
  });

  it('with private DNS (the default) need the VPC’s DNS support and DNS hostnames', async () => {
    const net = await twoZoneNetwork(h.ec2); // DNS hostnames off, as CreateVpc leaves them
    const err = await rejection(interfaceEndpoint(net.vpcId, [net.subnetIds[0]]));
    expect([err.name, err.message]).toEqual([
      'InvalidParameter',
      `Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for ${net.vpcId}`,
    ]);
    expect(await interfacesIn(h.ec2, net.subnetIds[0])).toEqual([]);
    const withoutDns = (await interfaceEndpoint(net.vpcId, [net.subnetIds[0]], { PrivateDnsEnabled: false })).VpcEndpoint!;
    expect(withoutDns.PrivateDnsEnabled).toBe(false);
  });

  it('allow one private-DNS endpoint per service and VPC, and at most one subnet per zone', async () => {
    const net = await twoZoneNetwork(h.ec2, { dns: true });
    await interfaceEndpoint(net.vpcId, [net.subnetIds[0]]);
    const conflict = await rejection(interfaceEndpoint(net.vpcId, [net.subnetIds[1]]));
    expect([conflict.name, conflict.message]).toEqual([
      'InvalidParameter',
      `private-dns-enabled cannot be set because there is already a conflicting DNS domain for ssm.ap-northeast-2.amazonaws.com in the VPC ${net.vpcId}`,
    ]);
    const third = (
      await h.ec2.send(new E.CreateSubnetCommand({ VpcId: net.vpcId, CidrBlock: '10.0.3.0/24', AvailabilityZone: 'ap-northeast-2a' }))
    ).Subnet!.SubnetId!;
    const sameZone = await rejection(
      interfaceEndpoint(net.vpcId, [net.subnetIds[0], third], { ServiceName: 'com.amazonaws.ap-northeast-2.ssmmessages' }),
    );
    expect(sameZone.name).toBe('DuplicateSubnetsInSameZone');
  });

  it('hold their subnets and security group until deleted', async () => {
    const net = await twoZoneNetwork(h.ec2, { dns: true });
    const id = (await interfaceEndpoint(net.vpcId, [net.subnetIds[0]], { SecurityGroupIds: [net.groupId] })).VpcEndpoint!.VpcEndpointId!;
    h.cloud.clock.advance(90);
    const blocked = async () => {
      expect((await rejection(h.ec2.send(new E.DeleteSubnetCommand({ SubnetId: net.subnetIds[0] })))).name).toBe('DependencyViolation');
      expect((await rejection(h.ec2.send(new E.DeleteSecurityGroupCommand({ GroupId: net.groupId })))).name).toBe('DependencyViolation');
    };
    await blocked();
    expect(await h.ec2.send(new E.DeleteVpcEndpointsCommand({ VpcEndpointIds: [id] }))).toMatchObject({ Unsuccessful: [] });
    expect(await state(id)).toBe('deleting');
    h.cloud.clock.advance(59);
    await blocked();
    h.cloud.clock.advance(1);
    expect(await state(id)).toBe('deleted');
    await h.ec2.send(new E.DeleteSubnetCommand({ SubnetId: net.subnetIds[0] }));
    await h.ec2.send(new E.DeleteSecurityGroupCommand({ GroupId: net.groupId }));
  });

  it('refuse a service offered only as the other type', async () => {
    const net = await twoZoneNetwork(h.ec2);
    const err = await rejection(
      h.ec2.send(new E.CreateVpcEndpointCommand({ VpcId: net.vpcId, ServiceName: SSM, RouteTableIds: [net.routeTableId] })),
    );
    expect([err.name, err.message]).toEqual(['InvalidParameter', 'Endpoint type (Gateway) does not match service type (Interface).']);
  });
});

describe('gateway endpoints (S3)', () => {
  const routesTo = async (vpceId: string) => {
    const { RouteTables } = await h.ec2.send(
      new E.DescribeRouteTablesCommand({ Filters: [{ Name: 'route.gateway-id', Values: [vpceId] }] }),
    );
    return (RouteTables ?? []).flatMap((t) =>
      (t.Routes ?? []).filter((r) => r.GatewayId === vpceId).map((r) => ({ table: t.RouteTableId, ...r })),
    );
  };

  it('are available at once and add a prefix-list route to each route table; deleting them removes the routes', async () => {
    const net = await twoZoneNetwork(h.ec2);
    const { VpcEndpoint } = await h.ec2.send(
      new E.CreateVpcEndpointCommand({ VpcEndpointType: 'Gateway', VpcId: net.vpcId, ServiceName: S3, RouteTableIds: [net.routeTableId] }),
    );
    expect(VpcEndpoint).toMatchObject({ State: 'available', VpcEndpointType: 'Gateway', RouteTableIds: [net.routeTableId] });
    expect(await routesTo(VpcEndpoint!.VpcEndpointId!)).toEqual([
      expect.objectContaining({ table: net.routeTableId, DestinationPrefixListId: 'pl-78a54011', State: 'active', Origin: 'CreateRoute' }),
    ]);
    expect(await interfacesIn(h.ec2, net.subnetIds[0])).toEqual([]);
    const second = await rejection(
      h.ec2.send(
        new E.CreateVpcEndpointCommand({
          VpcEndpointType: 'Gateway',
          VpcId: net.vpcId,
          ServiceName: S3,
          RouteTableIds: [net.routeTableId],
        }),
      ),
    );
    expect(second.name).toBe('RouteAlreadyExists');
    const withSubnets = await rejection(
      h.ec2.send(
        new E.CreateVpcEndpointCommand({ VpcEndpointType: 'Gateway', VpcId: net.vpcId, ServiceName: S3, SubnetIds: [net.subnetIds[0]] }),
      ),
    );
    expect(withSubnets.message).toBe('Subnet IDs are only supported for Interface and GatewayLoadBalancer type VPC Endpoints.');
    await h.ec2.send(new E.DeleteVpcEndpointsCommand({ VpcEndpointIds: [VpcEndpoint!.VpcEndpointId!] }));
    expect(await routesTo(VpcEndpoint!.VpcEndpointId!)).toEqual([]);
  });

  it('block DeleteVpc until deleted, though they have no interface', async () => {
    const net = await twoZoneNetwork(h.ec2);
    for (const subnetId of net.subnetIds) await h.ec2.send(new E.DeleteSubnetCommand({ SubnetId: subnetId }));
    await h.ec2.send(new E.DeleteSecurityGroupCommand({ GroupId: net.groupId }));
    await h.ec2.send(new E.DeleteRouteTableCommand({ RouteTableId: net.routeTableId }));
    const { VpcEndpoint } = await h.ec2.send(
      new E.CreateVpcEndpointCommand({ VpcEndpointType: 'Gateway', VpcId: net.vpcId, ServiceName: S3 }),
    );
    expect((await rejection(h.ec2.send(new E.DeleteVpcCommand({ VpcId: net.vpcId })))).name).toBe('DependencyViolation');
    await h.ec2.send(new E.DeleteVpcEndpointsCommand({ VpcEndpointIds: [VpcEndpoint!.VpcEndpointId!] }));
    h.cloud.clock.advance(60);
    await h.ec2.send(new E.DeleteVpcCommand({ VpcId: net.vpcId }));
  });

  it('must exist before an S3 interface endpoint with private DNS', async () => {
    const net = await twoZoneNetwork(h.ec2, { dns: true });
    const err = await rejection(interfaceEndpoint(net.vpcId, [net.subnetIds[0]], { ServiceName: S3 }));
    expect(err.message).toBe(
      `To set PrivateDnsOnlyForInboundResolverEndpoint to true, the VPC ${net.vpcId} must have a Gateway endpoint for the service.`,
    );
    await h.ec2.send(
      new E.CreateVpcEndpointCommand({ VpcEndpointType: 'Gateway', VpcId: net.vpcId, ServiceName: S3, RouteTableIds: [net.routeTableId] }),
    );
    expect((await interfaceEndpoint(net.vpcId, [net.subnetIds[0]], { ServiceName: S3 })).VpcEndpoint!.State).toBe('pending');
  });
});

describe('DeleteVpcEndpoints', () => {
  it('answers per id: unknown ids come back in Unsuccessful, the others are deleted', async () => {
    const net = await twoZoneNetwork(h.ec2, { dns: true });
    const id = (await interfaceEndpoint(net.vpcId, [net.subnetIds[0]])).VpcEndpoint!.VpcEndpointId!;
    const answer = await h.ec2.send(new E.DeleteVpcEndpointsCommand({ VpcEndpointIds: [id, 'vpce-00000000000000000'] }));
    expect(answer.Unsuccessful).toEqual([
      {
        ResourceId: 'vpce-00000000000000000',
        Error: { Code: 'InvalidVpcEndpoint.NotFound', Message: "The VPC endpoint 'vpce-00000000000000000' does not exist" },
      },
    ]);
    expect(await state(id)).toBe('deleting');
  });
});

describe('CreateVpcEndpoint with a ClientToken', () => {
  it('answers a repeat with the first endpoint, and IdempotentParameterMismatch when the parameters changed', async () => {
    const net = await twoZoneNetwork(h.ec2, { dns: true });
    const first = await interfaceEndpoint(net.vpcId, net.subnetIds, { ClientToken: 'build-1-ssm' });
    expect(first.ClientToken).toBe('build-1-ssm');
    const repeat = await interfaceEndpoint(net.vpcId, net.subnetIds, { ClientToken: 'build-1-ssm' });
    expect(repeat.VpcEndpoint!.VpcEndpointId).toBe(first.VpcEndpoint!.VpcEndpointId);
    const changed = await rejection(interfaceEndpoint(net.vpcId, [net.subnetIds[0]], { ClientToken: 'build-1-ssm' }));
    expect(changed.name).toBe('IdempotentParameterMismatch');
    expect((await h.ec2.send(new E.DescribeVpcEndpointsCommand({}))).VpcEndpoints).toHaveLength(1);
    // Without a token (the SDK sends none for this action), a retry is a second request: private DNS refuses it.
    expect((await rejection(interfaceEndpoint(net.vpcId, net.subnetIds))).name).toBe('InvalidParameter');
  });
});
