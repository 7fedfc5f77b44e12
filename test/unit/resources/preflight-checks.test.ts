import {
  DescribeAddressesCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInstanceTypeOfferingsCommand,
  DescribeInstanceTypesCommand,
  type DescribeInstanceTypesCommandInput,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeVpcsCommand,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand, DescribeTagsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetServiceQuotaCommand, type GetServiceQuotaCommandInput } from '@aws-sdk/client-service-quotas';
import { AwsThrottled, PermissionDenied } from '../../../functions/core/errors';
import {
  checkAvailabilityZones,
  checkClusterNameFree,
  checkInstanceTypeOfferings,
  checkKeyPair,
} from '../../../functions/resources/account';
import { accountListings } from '../../../functions/resources/account-listings';
import { checkQuotas, quotaLimit, QUOTAS } from '../../../functions/resources/quotas';
import { ON_DEMAND_VCPU_QUOTAS } from '../../../functions/resources/vcpu-quotas';
import { awsError, mockAws } from '../../fixtures/aws';
import { seoulPlan } from '../../fixtures/build';

const { ec2, elbv2, quotas, clients } = mockAws();
const plan = seoulPlan();
const zones = ['ap-northeast-2a', 'ap-northeast-2b', 'ap-northeast-2c', 'ap-northeast-2d'];

describe('checkAvailabilityZones', () => {
  it('passes when every zone is available', async () => {
    ec2.on(DescribeAvailabilityZonesCommand).resolves({ AvailabilityZones: zones.map((ZoneName) => ({ ZoneName, State: 'available' })) });
    await expect(checkAvailabilityZones(clients, plan)).resolves.toEqual([]);
  });

  it('names the zone that is missing', async () => {
    ec2.on(DescribeAvailabilityZonesCommand).resolves({ AvailabilityZones: [{ ZoneName: 'ap-northeast-2a', State: 'available' }] });
    const problems = await checkAvailabilityZones(clients, plan);
    expect(problems.map((p) => p.field)).toEqual(['availabilityZones[1]', 'availabilityZones[2]']);
  });

  it('classifies a throttled describe', async () => {
    ec2.on(DescribeAvailabilityZonesCommand).rejects(awsError('RequestLimitExceeded', 503));
    await expect(checkAvailabilityZones(clients, plan)).rejects.toBeInstanceOf(AwsThrottled);
  });
});

describe('checkInstanceTypeOfferings', () => {
  const offer = (types: string[], locations = zones) => ({
    InstanceTypeOfferings: types.flatMap((InstanceType) =>
      locations.map((Location) => ({ InstanceType: InstanceType as _InstanceType, Location, LocationType: 'availability-zone' as const })),
    ),
  });

  it('passes when every type is offered in every zone it is used in', async () => {
    ec2.on(DescribeInstanceTypeOfferingsCommand).resolves(offer(['m6i.large', 'm6i.xlarge', 'm5.xlarge', 't3.micro']));
    await expect(checkInstanceTypeOfferings(clients, plan)).resolves.toEqual([]);
  });

  it('names the type and the zones where it is not offered', async () => {
    ec2.on(DescribeInstanceTypeOfferingsCommand).resolves({
      InstanceTypeOfferings: [
        ...offer(['m6i.large', 'm6i.xlarge', 't3.micro']).InstanceTypeOfferings,
        ...offer(['m5.xlarge'], ['ap-northeast-2a']).InstanceTypeOfferings,
      ],
    });
    const problems = await checkInstanceTypeOfferings(clients, plan);
    expect(problems).toHaveLength(1);
    expect(problems[0].field).toBe('workers.instanceTypes');
    expect(problems[0].message).toContain('m5.xlarge is not offered in ap-northeast-2b, ap-northeast-2c');
  });

  it('classifies a denied describe', async () => {
    ec2.on(DescribeInstanceTypeOfferingsCommand).rejects(awsError('UnauthorizedOperation'));
    await expect(checkInstanceTypeOfferings(clients, plan)).rejects.toBeInstanceOf(PermissionDenied);
  });
});

describe('checkKeyPair', () => {
  it.each([
    ['exists', () => ec2.on(DescribeKeyPairsCommand).resolves({ KeyPairs: [{ KeyName: 'fin-k8s-key' }] }), 0],
    ['is missing', () => ec2.on(DescribeKeyPairsCommand).rejects(awsError('InvalidKeyPair.NotFound')), 1],
  ])('reports a key pair that %s', async (_what, arrange, count) => {
    arrange();
    const problems = await checkKeyPair(clients, plan);
    expect(problems).toHaveLength(count);
    if (count) expect(problems[0]).toMatchObject({ field: 'keyName' });
  });

  it('classifies other errors', async () => {
    ec2.on(DescribeKeyPairsCommand).rejects(awsError('RequestLimitExceeded', 503));
    await expect(checkKeyPair(clients, plan)).rejects.toBeInstanceOf(AwsThrottled);
  });
});

describe('checkClusterNameFree', () => {
  const clusterTags = (buildId: string) => [
    { Key: 'k8s-ec2:build-id', Value: buildId },
    { Key: 'k8s-ec2:cluster', Value: plan.spec.name },
    { Key: 'k8s-ec2:managed-by', Value: 'k8s-ec2-builder' },
  ];

  it('passes when no VPC or NLB carries the name', async () => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-default', Tags: [] }] });
    elbv2
      .on(DescribeLoadBalancersCommand)
      .resolves({ LoadBalancers: [{ LoadBalancerName: 'someone-elses-nlb', LoadBalancerArn: 'arn:x' }] });
    await expect(checkClusterNameFree(clients, plan)).resolves.toEqual([]);
    expect(elbv2.commandCalls(DescribeTagsCommand)).toHaveLength(0);
  });

  it('reports a VPC and an NLB of another build with the same name', async () => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-1', Tags: clusterTags('other-build') }] });
    elbv2
      .on(DescribeLoadBalancersCommand)
      .resolves({ LoadBalancers: [{ LoadBalancerName: plan.loadBalancer.name, LoadBalancerArn: 'arn:lb' }] });
    elbv2
      .on(DescribeTagsCommand)
      .resolves({ TagDescriptions: [{ ResourceArn: 'arn:lb', Tags: [{ Key: 'k8s-ec2:build-id', Value: 'other-build' }] }] });
    const problems = await checkClusterNameFree(clients, plan);
    expect(problems).toHaveLength(2);
    expect(problems[0].message).toContain('other-build');
  });

  it('ignores a VPC with the cluster tag that this tool did not make', async () => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-1', Tags: clusterTags('other-build').slice(0, 2) }] });
    elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [] });
    await expect(checkClusterNameFree(clients, plan)).resolves.toEqual([]);
  });

  it('does not object to this build’s own resources (a retried preflight)', async () => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-1', Tags: clusterTags(plan.buildId) }] });
    elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [] });
    await expect(checkClusterNameFree(clients, plan)).resolves.toEqual([]);
  });

  it('reads the VPCs and load balancers once for the name check and the quotas together', async () => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [] });
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2.on(DescribeInstanceTypesCommand).resolves({ InstanceTypes: [] });
    quotas.on(GetServiceQuotaCommand).resolves({ Quota: { Value: 50 } });
    const listings = accountListings(clients);
    await Promise.all([checkClusterNameFree(clients, plan, listings), checkQuotas(clients, plan, listings)]);
    expect(ec2.commandCalls(DescribeVpcsCommand).map((c) => c.args[0].input)).toEqual([{}]);
    expect(elbv2.commandCalls(DescribeLoadBalancersCommand).map((c) => c.args[0].input)).toEqual([{}]);
  });
});

describe('quotas', () => {
  const { standardVcpus } = QUOTAS;
  function arrangeUsage({ vpcs = 1, addresses = 0, vcpuLimit = 64, gpuLimit = 0 } = {}) {
    const limits: Record<string, number> = {
      [standardVcpus.quotaCode]: vcpuLimit,
      [QUOTAS.networkLoadBalancers.quotaCode]: 50,
      [ON_DEMAND_VCPU_QUOTAS.gAndVt.quotaCode]: gpuLimit,
    };
    quotas
      .on(GetServiceQuotaCommand)
      .callsFake((input: GetServiceQuotaCommandInput) => ({ Quota: { Value: limits[input.QuotaCode as string] ?? 5 } }));
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: Array.from({ length: vpcs }, (_, i) => ({ VpcId: `vpc-${i}` })) });
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: Array.from({ length: addresses }, () => ({})) });
    elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [{ Type: 'network' }, { Type: 'application' }] });
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            { InstanceType: 'm5.2xlarge' },
            { InstanceType: 'm5.2xlarge', InstanceLifecycle: 'spot' },
            { InstanceType: 'p4d.24xlarge' },
            { InstanceType: 'inf2.xlarge' },
          ],
        },
      ],
    });
    ec2.on(DescribeInstanceTypesCommand).callsFake((input: DescribeInstanceTypesCommandInput) => ({
      InstanceTypes: (input.InstanceTypes as string[]).map((t) => ({
        InstanceType: t,
        VCpuInfo: {
          DefaultVCpus:
            ({ 'm5.2xlarge': 8, 'm6i.large': 2, 'm6i.xlarge': 4, 't3.micro': 2, 'g5.xlarge': 4 } as Record<string, number>)[t] ?? 96,
        },
      })),
    }));
  }

  it('passes with room and reports the headroom of every quota', async () => {
    arrangeUsage();
    const result = await checkQuotas(clients, plan);
    expect(result.problems).toEqual([]);
    expect(result.notes).toEqual([]);
    // 3 × m6i.large (2) + 3 × m6i.xlarge (4) + t3.micro (2) = 20 needed; 8 in use: the Spot m5, the p4d and the inf2 draw on other quotas.
    expect(result.checks).toContain('Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances vCPUs: 8 used + 20 needed of 64');
  });

  it('reports every quota without room', async () => {
    arrangeUsage({ vpcs: 5, addresses: 5, vcpuLimit: 16 });
    const result = await checkQuotas(clients, plan);
    expect(result.problems.map((p) => p.message.split(' quota')[0])).toEqual([
      'VPCs per Region',
      'EC2-VPC Elastic IPs',
      standardVcpus.label,
    ]);
  });

  it('checks a family with its own quota against that quota', async () => {
    arrangeUsage({ gpuLimit: 4 });
    const gpuPlan = seoulPlan({ workers: { count: 2, instanceTypes: ['g5.xlarge'] } });
    const result = await checkQuotas(clients, gpuPlan);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0].field).toBe('workers.instanceTypes');
    expect(result.problems[0].message).toContain(
      'Running On-Demand G and VT instances vCPUs quota L-DB2E81BA is 4, 0 in use and this build needs 8',
    );
  });

  it.each([
    ['NoSuchResourceException', 400],
    ['AccessDeniedException', 400],
    ['UnknownOperationException', 400],
    ['NotFound', 404],
    ['NotImplemented', 501],
    ['ECONNREFUSED', undefined],
  ])('notes every quota as not checked when Service Quotas answers %s, and refuses nothing', async (code, status) => {
    arrangeUsage({ vpcs: 5, addresses: 5, vcpuLimit: 0 });
    quotas
      .on(GetServiceQuotaCommand)
      .rejects(Object.assign(new Error(code), { name: code, code, $metadata: status ? { httpStatusCode: status } : {} }));
    const result = await checkQuotas(clients, plan);
    expect(result.problems).toEqual([]);
    expect(result.checks).toEqual([]);
    expect(result.notes).toHaveLength(4);
    expect(result.notes).toContainEqual(
      expect.stringMatching(
        /^Running On-Demand Standard \(A, C, D, H, I, M, R, T, Z\) instances vCPUs quota L-1216C47A not checked: Service Quotas did not answer \(.+\); AWS enforces it at RunInstances$/,
      ),
    );
    // Usage is not read for a limit that is not known.
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
  });

  it('leaves a throttled Service Quotas to the step retry', async () => {
    quotas.on(GetServiceQuotaCommand).rejects(awsError('TooManyRequestsException'));
    await expect(quotaLimit(clients, QUOTAS.vpcs)).rejects.toBeInstanceOf(AwsThrottled);
  });
});
