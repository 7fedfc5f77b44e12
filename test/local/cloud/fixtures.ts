import * as E from '@aws-sdk/client-ec2';

export const RHEL_8_10 = 'ami-0a1b2c3d4e5f60810';
export const BUILD_TAG = 'k8s-ec2:build-id';

export const tagSpec = (type: E.ResourceType, tags: Record<string, string>): E.TagSpecification => ({
  ResourceType: type,
  Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
});

/** A VPC with one subnet and one security group, the minimum an instance needs. */
/** A bare VPC (no tags), for tests that only need somewhere to put a group or a target group. */
export async function newVpc(ec2: E.EC2Client, cidr = '10.0.0.0/16'): Promise<string> {
  return (await ec2.send(new E.CreateVpcCommand({ CidrBlock: cidr }))).Vpc!.VpcId!;
}

export async function network(ec2: E.EC2Client, buildId = 'b-1', az = 'ap-northeast-2a') {
  const vpc = await ec2.send(
    new E.CreateVpcCommand({ CidrBlock: '10.0.0.0/16', TagSpecifications: [tagSpec('vpc', { [BUILD_TAG]: buildId })] }),
  );
  const vpcId = vpc.Vpc!.VpcId!;
  const subnet = await ec2.send(
    new E.CreateSubnetCommand({
      VpcId: vpcId,
      CidrBlock: '10.0.1.0/24',
      AvailabilityZone: az,
      TagSpecifications: [tagSpec('subnet', { [BUILD_TAG]: buildId })],
    }),
  );
  const sg = await ec2.send(
    new E.CreateSecurityGroupCommand({
      VpcId: vpcId,
      GroupName: `nodes-${buildId}`,
      Description: 'nodes',
      TagSpecifications: [tagSpec('security-group', { [BUILD_TAG]: buildId })],
    }),
  );
  return { vpcId, subnetId: subnet.Subnet!.SubnetId!, groupId: sg.GroupId! };
}

export function runInput(subnetId: string, groupId: string, extra: Partial<E.RunInstancesCommandInput> = {}): E.RunInstancesCommandInput {
  return {
    ImageId: RHEL_8_10,
    InstanceType: 't3.micro',
    MinCount: 1,
    MaxCount: 1,
    KeyName: 'fin-k8s-key',
    NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: subnetId, Groups: [groupId] }],
    ...extra,
  };
}
