/** Network drift: VPC, DNS, subnets, the Internet Gateway, routes, NAT gateways, endpoints, the Transit Gateway attachment. */
import { findDrift } from '../../../functions/ops/drift';
import { mockAws } from '../../fixtures/aws';
import { closedNetworkPlan, seoulPlan, TRANSIT_GATEWAY_ID } from '../../fixtures/build';
import { DriftWorld } from './drift-world';

const aws = mockAws();
const seoul = seoulPlan();
const closed = closedNetworkPlan();

function world(plan = seoul): DriftWorld {
  return new DriftWorld(plan).install(aws.ec2, aws.elbv2);
}

const networkDrift = async (w: DriftWorld) =>
  (await findDrift(aws.clients, w.plan, w.outputs)).filter(
    (d) => !/^(security-group|instance|load-balancer|target-group) /.test(d.resource),
  );

describe('network drift', () => {
  it('reports a deleted VPC once: nothing inside it can be left', async () => {
    const w = world();
    w.vpcIds = [];
    w.subnetIds = [];
    expect(await networkDrift(w)).toEqual([
      { resource: 'vpc fin-k8s-dev-vpc (vpc-0build)', field: 'exists', expected: true, actual: false },
    ]);
  });

  it('reports DNS support turned off', async () => {
    const w = world();
    w.dns.support = false;
    expect(await networkDrift(w)).toEqual([
      { resource: 'vpc fin-k8s-dev-vpc (vpc-0build)', field: 'enableDnsSupport', expected: true, actual: false },
    ]);
  });

  it('reports a deleted subnet as gone, not as missing routes', async () => {
    const w = world();
    w.subnetIds = w.subnetIds.filter((id) => id !== 'subnet-private-c');
    expect(await networkDrift(w)).toEqual([
      { resource: 'subnet fin-k8s-dev-private-c (subnet-private-c)', field: 'exists', expected: true, actual: false },
    ]);
  });

  it('reports a private subnet given a default route straight to the Internet Gateway, once per subnet of that table', async () => {
    const w = world();
    w.routeTable('fin-k8s-dev-private-rt').Routes!.push({ DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-0build' });
    expect(await networkDrift(w)).toEqual(
      ['a', 'b', 'c'].map((zone) => ({
        resource: `subnet fin-k8s-dev-private-${zone} (subnet-private-${zone})`,
        field: 'routes',
        expected: null,
        actual: '0.0.0.0/0→igw-0build',
      })),
    );
  });

  it('reports a subnet disassociated from its table as every one of its routes missing', async () => {
    const w = world();
    w.routeTable('public').Associations = [];
    expect(await networkDrift(w)).toEqual([
      { resource: 'subnet fin-k8s-dev-public-a (subnet-public-a)', field: 'routes', expected: '10.0.0.0/16→local', actual: null },
      { resource: 'subnet fin-k8s-dev-public-a (subnet-public-a)', field: 'routes', expected: '0.0.0.0/0→igw-0build', actual: null },
    ]);
  });

  it('reports the Internet Gateway detached, and deleted', async () => {
    const w = world();
    w.internetGateways[0].Attachments = [];
    expect(await networkDrift(w)).toEqual([
      { resource: 'internet-gateway fin-k8s-dev-igw (igw-0build)', field: 'attachment', expected: 'vpc-0build', actual: null },
    ]);
    w.internetGateways = [];
    expect(await networkDrift(w)).toEqual([
      { resource: 'internet-gateway fin-k8s-dev-igw', field: 'exists', expected: true, actual: false },
      { resource: 'subnet fin-k8s-dev-public-a (subnet-public-a)', field: 'routes', expected: '0.0.0.0/0→fin-k8s-dev-igw', actual: null },
      { resource: 'subnet fin-k8s-dev-public-a (subnet-public-a)', field: 'routes', expected: null, actual: '0.0.0.0/0→igw-0build' },
    ]);
  });

  it('reports a zone re-routed through another zone’s NAT gateway, and a Transit Gateway route removed', async () => {
    const w = world(closed);
    const zoneB = w.routeTable('fin-k8s-dev-private-rt-b').Routes!;
    zoneB.find((r) => r.DestinationCidrBlock === '0.0.0.0/0')!.NatGatewayId = 'nat-a';
    w.routeTable('fin-k8s-dev-private-rt-c').Routes = w
      .routeTable('fin-k8s-dev-private-rt-c')
      .Routes!.filter((r) => r.TransitGatewayId !== TRANSIT_GATEWAY_ID);
    expect(await networkDrift(w)).toEqual([
      { resource: 'subnet fin-k8s-dev-private-b (subnet-private-b)', field: 'routes', expected: '0.0.0.0/0→nat-b', actual: null },
      { resource: 'subnet fin-k8s-dev-private-b (subnet-private-b)', field: 'routes', expected: null, actual: '0.0.0.0/0→nat-a' },
      {
        resource: 'subnet fin-k8s-dev-private-c (subnet-private-c)',
        field: 'routes',
        expected: `10.200.0.0/16→${TRANSIT_GATEWAY_ID}`,
        actual: null,
      },
    ]);
  });

  it('reports the S3 gateway endpoint’s route gone from a private table, whatever its prefix list id', async () => {
    const w = world(closed);
    const table = w.routeTable('fin-k8s-dev-private-rt-a');
    table.Routes = table.Routes!.filter((r) => !r.DestinationPrefixListId);
    expect(await networkDrift(w)).toEqual([
      { resource: 'subnet fin-k8s-dev-private-a (subnet-private-a)', field: 'routes', expected: 'prefix-list→vpce-s3', actual: null },
    ]);
  });

  it('reports a NAT gateway deleted (listed as deleted, then not at all), an endpoint deleting and the attachment gone', async () => {
    const w = world(closed);
    w.natGateways.find((n) => n.NatGatewayId === 'nat-a')!.State = 'deleted';
    w.natGateways = w.natGateways.filter((n) => n.NatGatewayId !== 'nat-c');
    w.endpoints.find((e) => e.VpcEndpointId === 'vpce-ssm')!.State = 'Deleting';
    w.attachments = [];
    expect(await networkDrift(w)).toEqual([
      { resource: 'nat-gateway fin-k8s-dev-nat-a (nat-a)', field: 'state', expected: 'available', actual: 'deleted' },
      { resource: 'nat-gateway fin-k8s-dev-nat-c (nat-c)', field: 'exists', expected: true, actual: false },
      { resource: 'vpc-endpoint fin-k8s-dev-vpce-ssm (vpce-ssm)', field: 'state', expected: 'available', actual: 'deleting' },
      {
        resource: 'transit-gateway-attachment fin-k8s-dev-tgw-attachment (tgw-attach-0build)',
        field: 'exists',
        expected: true,
        actual: false,
      },
    ]);
  });

  it('reads the one public subnet of a build made before issue 9 (outputs without publicByZone or connections)', async () => {
    const w = world();
    delete (w.outputs as { connections?: unknown }).connections;
    delete w.outputs.subnetIds.publicByZone;
    w.routeTable('public').Routes!.push({ DestinationCidrBlock: '192.168.0.0/16', GatewayId: 'vgw-0onprem' });
    expect(await networkDrift(w)).toEqual([
      { resource: 'subnet fin-k8s-dev-public-a (subnet-public-a)', field: 'routes', expected: null, actual: '192.168.0.0/16→vgw-0onprem' },
    ]);
  });
});
