import {
  DescribeAddressesCommand,
  DescribeAvailabilityZonesCommand,
  DescribeImagesCommand,
  DescribeInstanceTypeOfferingsCommand,
  DescribeInstanceTypesCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeVpcsCommand,
  GetEbsDefaultKmsKeyIdCommand,
  GetEbsEncryptionByDefaultCommand,
  type _InstanceType,
  type DescribeInstanceTypesCommandInput,
} from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand, type DescribeLoadBalancersCommandInput } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import { PreflightFailed, WorkflowContractError } from '../../../functions/core/errors';
import { handler } from '../../../functions/handlers/preflight';
import { awsError, mockAws } from '../../fixtures/aws';
import { seoulState } from '../../fixtures/build';

const { ec2, elbv2, quotas } = mockAws();
const zones = ['ap-northeast-2a', 'ap-northeast-2b', 'ap-northeast-2c'];

function arrangeHealthyAccount() {
  ec2.on(DescribeAvailabilityZonesCommand).resolves({ AvailabilityZones: zones.map((ZoneName) => ({ ZoneName, State: 'available' })) });
  ec2.on(DescribeInstanceTypeOfferingsCommand).resolves({
    InstanceTypeOfferings: ['m6i.large', 'm6i.xlarge', 'm5.xlarge', 't3.micro'].flatMap((InstanceType) =>
      zones.map((Location) => ({ InstanceType: InstanceType as _InstanceType, Location })),
    ),
  });
  ec2.on(DescribeImagesCommand).resolves({
    Images: [
      {
        ImageId: 'ami-0old',
        Name: 'RHEL-8.8.0_HVM-20230503-x86_64-0-Hourly2-GP2',
        CreationDate: '2023-05-03T00:00:00.000Z',
        State: 'available',
        Architecture: 'x86_64',
        RootDeviceType: 'ebs',
        VirtualizationType: 'hvm',
        RootDeviceName: '/dev/sda1',
      },
      {
        ImageId: 'ami-0new',
        Name: 'RHEL-8.10.0_HVM-20240904-x86_64-0-Hourly2-GP3',
        CreationDate: '2024-09-04T00:00:00.000Z',
        State: 'available',
        Architecture: 'x86_64',
        RootDeviceType: 'ebs',
        VirtualizationType: 'hvm',
        RootDeviceName: '/dev/sda1',
      },
    ],
  });
  ec2.on(DescribeKeyPairsCommand).resolves({ KeyPairs: [{ KeyName: 'fin-k8s-key' }] });
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
  ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  ec2.on(DescribeInstanceTypesCommand).callsFake((input: DescribeInstanceTypesCommandInput) => ({
    InstanceTypes: (input.InstanceTypes as string[]).map((InstanceType) => ({ InstanceType, VCpuInfo: { DefaultVCpus: 2 } })),
  }));
  elbv2.on(DescribeLoadBalancersCommand).callsFake((input: DescribeLoadBalancersCommandInput) => {
    if (input.Names) throw awsError('LoadBalancerNotFound');
    return { LoadBalancers: [] };
  });
  quotas.on(GetServiceQuotaCommand).resolves({ Quota: { Value: 64 } });
  ec2.on(GetEbsEncryptionByDefaultCommand).resolves({ EbsEncryptionByDefault: false });
}

describe('preflight', () => {
  it('passes on a healthy account and carries the newest RHEL 8 image forward', async () => {
    arrangeHealthyAccount();
    const result = await handler(seoulState());
    expect(result).toMatchObject({ imageId: 'ami-0new', imageName: 'RHEL-8.10.0_HVM-20240904-x86_64-0-Hourly2-GP3' });
    expect(result.checks.length).toBeGreaterThan(5);
    expect(result.notes).toEqual([]);
  });

  it('lists the VPCs and the load balancers once each, for the cluster-name check and the quotas together', async () => {
    arrangeHealthyAccount();
    await handler(seoulState());
    expect(ec2.commandCalls(DescribeVpcsCommand).map((c) => c.args[0].input)).toEqual([{}]);
    expect(elbv2.commandCalls(DescribeLoadBalancersCommand).map((c) => c.args[0].input)).toEqual([{}]);
    const sent = [...ec2.calls(), ...elbv2.calls(), ...quotas.calls()];
    // Image, zones, offerings, key pair, VPCs, load balancers, EBS default, 4 quotas, addresses, instances, instance types.
    expect(sent).toHaveLength(14);
  });

  it('passes with notes when Service Quotas cannot answer and the default EBS key is customer managed', async () => {
    arrangeHealthyAccount();
    quotas.on(GetServiceQuotaCommand).rejects(awsError('AccessDeniedException'));
    ec2.on(GetEbsEncryptionByDefaultCommand).resolves({ EbsEncryptionByDefault: true });
    ec2.on(GetEbsDefaultKmsKeyIdCommand).resolves({ KmsKeyId: 'arn:aws:kms:ap-northeast-2:123456789012:key/abcd' });
    const { notes } = await handler(seoulState());
    expect(notes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /vCPUs quota L-1216C47A not checked: Service Quotas did not answer \(the endpoint answered AccessDeniedException\); AWS enforces it at RunInstances/,
        ),
        expect.stringMatching(
          /^EBS encryption by default with customer-managed key arn:aws:kms:ap-northeast-2:123456789012:key\/abcd; the launch roles need kms:CreateGrant/,
        ),
      ]),
    );
  });

  it('reports every problem together and creates nothing', async () => {
    arrangeHealthyAccount();
    ec2.on(DescribeKeyPairsCommand).rejects(awsError('InvalidKeyPair.NotFound'));
    ec2.on(DescribeAvailabilityZonesCommand).resolves({ AvailabilityZones: [{ ZoneName: 'ap-northeast-2a', State: 'available' }] });
    ec2.on(DescribeImagesCommand).resolves({ Images: [] });
    const error: PreflightFailed = await handler(seoulState()).then(
      () => {
        throw new Error('expected failure');
      },
      (e: unknown) => e as PreflightFailed,
    );
    expect(error).toBeInstanceOf(PreflightFailed);
    const fields = (error.details?.problems as Array<{ field: string }>).map((p) => p.field);
    expect(fields).toEqual(expect.arrayContaining(['keyName', 'availabilityZones[1]', 'availabilityZones[2]', 'image']));
    const sent = [...ec2.calls(), ...elbv2.calls(), ...quotas.calls()].map((c) => c.args[0].constructor.name);
    expect(sent.every((name) => /^(Describe|GetServiceQuota|GetEbs)/.test(name))).toBe(true);
  });

  it('rejects a stored spec the API could not have written (not normalised) before calling AWS', async () => {
    await expect(handler(seoulState({ spec: { name: 'Bad Name' } as never }))).rejects.toBeInstanceOf(WorkflowContractError);
    expect(ec2.calls()).toHaveLength(0);
  });

  it('rejects a missing build id', async () => {
    await expect(handler({ ...seoulState(), buildId: '' })).rejects.toThrow(/buildId/);
  });
});
