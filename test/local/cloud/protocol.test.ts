/** The wire contract: real SDK clients parse our XML/JSON, and errors arrive with AWS's codes and statuses. */
import * as E from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import { BUILD_TAG, network, tagSpec } from './fixtures';
import { Harness, rejection, startHarness, stopHarness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => stopHarness(h));
afterEach(() => h.cloud.reset());

describe('embedded cloud protocol', () => {
  it('listens on loopback only', () => {
    expect(h.cloud.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('returns created resources with realistic ids and their tags immediately', async () => {
    const { vpcId, subnetId, groupId } = await network(h.ec2);
    expect(vpcId).toMatch(/^vpc-[0-9a-f]{17}$/);
    expect(subnetId).toMatch(/^subnet-[0-9a-f]{17}$/);
    expect(groupId).toMatch(/^sg-[0-9a-f]{17}$/);
    const { Vpcs } = await h.ec2.send(new E.DescribeVpcsCommand({ VpcIds: [vpcId] }));
    expect(Vpcs?.[0]).toMatchObject({
      VpcId: vpcId,
      CidrBlock: '10.0.0.0/16',
      State: 'available',
      Tags: [{ Key: BUILD_TAG, Value: 'b-1' }],
    });
  });

  it.each([
    ['tag:<key> with a wildcard', [{ Name: `tag:${BUILD_TAG}`, Values: ['b-*'] }], 1],
    ['tag-key', [{ Name: 'tag-key', Values: [BUILD_TAG] }], 1],
    ['a non-matching tag value', [{ Name: `tag:${BUILD_TAG}`, Values: ['other'] }], 0],
    [
      'two filters ANDed',
      [
        { Name: 'cidr-block', Values: ['10.0.0.0/16'] },
        { Name: `tag:${BUILD_TAG}`, Values: ['nope'] },
      ],
      0,
    ],
  ])('filters VPCs by %s', async (_name, Filters, expected) => {
    await network(h.ec2);
    const { Vpcs } = await h.ec2.send(new E.DescribeVpcsCommand({ Filters }));
    expect(Vpcs).toHaveLength(expected);
  });

  it('rejects an unknown filter name instead of matching everything', async () => {
    const err = await rejection(h.ec2.send(new E.DescribeVpcsCommand({ Filters: [{ Name: 'tagg:Name', Values: ['x'] }] })));
    expect(err.name).toBe('InvalidParameterValue');
    expect(err.$metadata.httpStatusCode).toBe(400);
  });

  it('paginates with MaxResults and NextToken', async () => {
    const { vpcId } = await network(h.ec2);
    for (let n = 2; n <= 8; n++) {
      await h.ec2.send(new E.CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.0.${n}.0/24`, AvailabilityZone: 'ap-northeast-2b' }));
    }
    const first = await h.ec2.send(new E.DescribeSubnetsCommand({ MaxResults: 5 }));
    expect(first.Subnets).toHaveLength(5);
    expect(first.NextToken).toBeDefined();
    const second = await h.ec2.send(new E.DescribeSubnetsCommand({ MaxResults: 5, NextToken: first.NextToken }));
    expect(second.Subnets).toHaveLength(3);
    expect(second.NextToken).toBeUndefined();
    const ids = new Set([...first.Subnets!, ...second.Subnets!].map((s) => s.SubnetId));
    expect(ids.size).toBe(8);
    const all: string[] = [];
    for await (const page of E.paginateDescribeSubnets({ client: h.ec2, pageSize: 5 }, {}))
      all.push(...page.Subnets!.map((s) => s.SubnetId!));
    expect(all).toHaveLength(8);
  });

  it.each([
    ['InvalidVpcID.NotFound', () => new E.DeleteVpcCommand({ VpcId: 'vpc-0123456789abcdef0' })],
    ['InvalidSubnetID.NotFound', () => new E.DescribeSubnetsCommand({ SubnetIds: ['subnet-0123456789abcdef0'] })],
    ['InvalidGroup.NotFound', () => new E.DeleteSecurityGroupCommand({ GroupId: 'sg-0123456789abcdef0' })],
    ['InvalidInstanceID.NotFound', () => new E.DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] })],
    ['InvalidAllocationID.NotFound', () => new E.ReleaseAddressCommand({ AllocationId: 'eipalloc-0123456789abcdef0' })],
    ['InvalidRouteTableID.NotFound', () => new E.DeleteRouteTableCommand({ RouteTableId: 'rtb-0123456789abcdef0' })],
    ['InvalidInternetGatewayID.NotFound', () => new E.DeleteInternetGatewayCommand({ InternetGatewayId: 'igw-0123456789abcdef0' })],
    ['InvalidKeyPair.NotFound', () => new E.DescribeKeyPairsCommand({ KeyNames: ['no-such-key'] })],
    ['InvalidParameterValue', () => new E.CreateVpcCommand({ CidrBlock: '10.0.0.300/16' })],
  ] as Array<[string, () => unknown]>)('answers %s as the SDK error name with HTTP 400', async (code, command) => {
    const err = await rejection(h.ec2.send(command() as never));
    expect(err.name).toBe(code);
    expect(err.$metadata.httpStatusCode).toBe(400);
  });

  it('finds the seeded key pair and the RHEL 8 images by owner and name', async () => {
    const { KeyPairs } = await h.ec2.send(new E.DescribeKeyPairsCommand({ KeyNames: ['fin-k8s-key'] }));
    expect(KeyPairs?.[0].KeyName).toBe('fin-k8s-key');
    const { Images } = await h.ec2.send(
      new E.DescribeImagesCommand({
        Owners: ['309956199498'],
        Filters: [
          { Name: 'name', Values: ['RHEL-8*'] },
          { Name: 'architecture', Values: ['x86_64'] },
        ],
      }),
    );
    const names = Images!.map((i) => i.Name!);
    expect(names).toContain('RHEL-8.10.0_HVM-20240904-x86_64-0-Hourly2-GP3');
    expect(names.every((n) => n.startsWith('RHEL-8') && n.includes('x86_64'))).toBe(true);
  });

  it('offers common types in every AZ but m6i.metal only in some', async () => {
    const offered = async (type: string) => {
      const out = await h.ec2.send(
        new E.DescribeInstanceTypeOfferingsCommand({
          LocationType: 'availability-zone',
          Filters: [{ Name: 'instance-type', Values: [type] }],
        }),
      );
      return out.InstanceTypeOfferings!.map((o) => o.Location).sort();
    };
    expect(await offered('m6i.large')).toEqual(['ap-northeast-2a', 'ap-northeast-2b', 'ap-northeast-2c', 'ap-northeast-2d']);
    expect(await offered('m6i.metal')).not.toContain('ap-northeast-2b');
    const { AvailabilityZones } = await h.ec2.send(new E.DescribeAvailabilityZonesCommand({}));
    expect(AvailabilityZones!.map((z) => z.ZoneName)).toEqual(['ap-northeast-2a', 'ap-northeast-2b', 'ap-northeast-2c', 'ap-northeast-2d']);
  });

  it('serves Service Quotas over AWS JSON 1.1 with overridable values', async () => {
    const { Quota } = await h.quotas.send(new GetServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode: 'L-0263D0A3' }));
    expect(Quota?.Value).toBe(5);
    h.cloud.quotas.set('L-1216C47A', 8);
    const vcpu = await h.quotas.send(new GetServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode: 'L-1216C47A' }));
    expect(vcpu.Quota?.Value).toBe(8);
    const err = await rejection(h.quotas.send(new GetServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode: 'L-00000000' })));
    expect(err.name).toBe('NoSuchResourceException');
  });

  it('routes ELBv2 requests by API version to the ELBv2 module', async () => {
    const out = await h.elbv2.send(new DescribeLoadBalancersCommand({}));
    expect(out.LoadBalancers ?? []).toEqual([]);
    expect(h.cloud.stats().calls['elbv2:DescribeLoadBalancers']).toBe(1);
  });

  it('exposes resources, stats and reset on the control interface', async () => {
    await network(h.ec2, 'b-ctl');
    await h.ec2.send(new E.CreateVpcCommand({ CidrBlock: '10.1.0.0/16', TagSpecifications: [tagSpec('vpc', { [BUILD_TAG]: 'other' })] }));
    const resources = (await (await fetch(`${h.cloud.url}/_cloud/resources?buildId=b-ctl`)).json()) as Array<{ type: string }>;
    expect(resources.map((r) => r.type).sort()).toEqual(['security-group', 'subnet', 'vpc']);
    const stats = (await (await fetch(`${h.cloud.url}/_cloud/stats`)).json()) as { calls: Record<string, number> };
    expect(stats.calls['ec2:CreateVpc']).toBe(2);
    expect((await fetch(`${h.cloud.url}/_cloud/reset`, { method: 'POST' })).status).toBe(204);
    expect(h.cloud.resources('b-ctl')).toEqual([]);
  });
});
