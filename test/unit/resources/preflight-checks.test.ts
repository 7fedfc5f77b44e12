import {
  DescribeAddressesCommand, DescribeAvailabilityZonesCommand, DescribeInstanceTypeOfferingsCommand, DescribeInstanceTypesCommand,
  DescribeInstancesCommand, DescribeKeyPairsCommand, DescribeVpcsCommand, type _InstanceType,
} from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand, DescribeTagsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import { AwsThrottled, PermissionDenied } from '../../../functions/core/errors';
import { checkAvailabilityZones, checkClusterNameFree, checkInstanceTypeOfferings, checkKeyPair } from '../../../functions/resources/account';
import { checkQuotas, quotaLimit, QUOTAS } from '../../../functions/resources/quotas';
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
  const offer = (types: string[], locations = zones) => ({ InstanceTypeOfferings: types.flatMap((InstanceType) => locations.map((Location) => ({ InstanceType: InstanceType as _InstanceType, Location, LocationType: 'availability-zone' as const }))) });

  it('passes when every type is offered in every zone it is used in', async () => {
    ec2.on(DescribeInstanceTypeOfferingsCommand).resolves(offer(['m6i.large', 'm6i.xlarge', 'm5.xlarge', 't3.micro']));
    await expect(checkInstanceTypeOfferings(clients, plan)).resolves.toEqual([]);
  });

  it('names the type and the zones where it is not offered', async () => {
    ec2.on(DescribeInstanceTypeOfferingsCommand).resolves({
      InstanceTypeOfferings: [...offer(['m6i.large', 'm6i.xlarge', 't3.micro']).InstanceTypeOfferings, ...offer(['m5.xlarge'], ['ap-northeast-2a']).InstanceTypeOfferings],
    });
    const problems = await checkInstanceTypeOfferings(clients, plan);
    expect(problems).toEqual([expect.objectContaining({ field: 'workers.instanceTypes', message: expect.stringContaining('m5.xlarge is not offered in ap-northeast-2b, ap-northeast-2c') })]);
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
  it('passes when no VPC or NLB carries the name', async () => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    elbv2.on(DescribeLoadBalancersCommand).rejects(awsError('LoadBalancerNotFound'));
    await expect(checkClusterNameFree(clients, plan)).resolves.toEqual([]);
  });

  it('reports a VPC and an NLB of another build with the same name', async () => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-1', Tags: [{ Key: 'k8s-ec2:build-id', Value: 'other-build' }] }] });
    elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [{ LoadBalancerArn: 'arn:lb' }] });
    elbv2.on(DescribeTagsCommand).resolves({ TagDescriptions: [{ ResourceArn: 'arn:lb', Tags: [{ Key: 'k8s-ec2:build-id', Value: 'other-build' }] }] });
    const problems = await checkClusterNameFree(clients, plan);
    expect(problems).toHaveLength(2);
    expect(problems[0].message).toContain('other-build');
  });

  it('does not object to this build’s own resources (a retried preflight)', async () => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-1', Tags: [{ Key: 'k8s-ec2:build-id', Value: plan.buildId }] }] });
    elbv2.on(DescribeLoadBalancersCommand).rejects(awsError('LoadBalancerNotFound'));
    await expect(checkClusterNameFree(clients, plan)).resolves.toEqual([]);
  });
});

describe('quotas', () => {
  function arrangeUsage({ vpcs = 1, addresses = 0, vcpuLimit = 64 } = {}) {
    quotas.on(GetServiceQuotaCommand).callsFake((input) => ({ Quota: { Value: input.QuotaCode === QUOTAS.standardVcpus.quotaCode ? vcpuLimit : input.QuotaCode === QUOTAS.networkLoadBalancers.quotaCode ? 50 : 5 } }));
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: Array.from({ length: vpcs }, (_, i) => ({ VpcId: `vpc-${i}` })) });
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: Array.from({ length: addresses }, () => ({})) });
    elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [{ Type: 'network' }, { Type: 'application' }] });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceType: 'm5.2xlarge' }, { InstanceType: 'p4d.24xlarge' }] }] });
    ec2.on(DescribeInstanceTypesCommand).callsFake((input) => ({
      InstanceTypes: (input.InstanceTypes as string[]).map((t) => ({ InstanceType: t, VCpuInfo: { DefaultVCpus: ({ 'm5.2xlarge': 8, 'm6i.large': 2, 'm6i.xlarge': 4, 't3.micro': 2 } as Record<string, number>)[t] ?? 1 } })),
    }));
  }

  it('passes with room and notes every quota', async () => {
    arrangeUsage();
    const result = await checkQuotas(clients, plan);
    expect(result.problems).toEqual([]);
    // 3 × m6i.large (2) + 3 × m6i.xlarge (4) + t3.micro (2) = 20 needed; 8 in use (the p4d is not a standard family).
    expect(result.notes).toContain('Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances vCPUs: 8 used + 20 needed of 64');
  });

  it('reports every quota without room', async () => {
    arrangeUsage({ vpcs: 5, addresses: 5, vcpuLimit: 16 });
    const result = await checkQuotas(clients, plan);
    expect(result.problems.map((p) => p.message.split(' quota')[0])).toEqual(['VPCs per Region', 'EC2-VPC Elastic IPs', 'Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances vCPUs']);
  });

  it('falls back to the AWS default when Service Quotas cannot answer', async () => {
    quotas.on(GetServiceQuotaCommand).rejects(awsError('NoSuchResourceException'));
    await expect(quotaLimit(clients, QUOTAS.vpcs)).resolves.toEqual({ value: 5, source: 'aws-default' });
  });

  it('classifies throttling from Service Quotas', async () => {
    quotas.on(GetServiceQuotaCommand).rejects(awsError('TooManyRequestsException'));
    await expect(quotaLimit(clients, QUOTAS.vpcs)).rejects.toBeInstanceOf(AwsThrottled);
  });
});

describe('quotas on endpoints without Service Quotas', () => {
  it.each([
    ['UnknownOperationException', 400],
    ['NotFound', 404],
    ['NotImplemented', 501],
  ])('falls back to the AWS default on %s', async (code, status) => {
    quotas.on(GetServiceQuotaCommand).rejects(Object.assign(new Error(code), { name: code, $metadata: { httpStatusCode: status } }));
    await expect(quotaLimit(clients, QUOTAS.elasticIps)).resolves.toEqual({ value: 5, source: 'aws-default' });
  });
});
