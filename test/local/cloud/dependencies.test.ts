/** Out-of-order deletes fail with DependencyViolation exactly where AWS raises it, and succeed once the dependency is gone. */
import * as E from '@aws-sdk/client-ec2';
import * as elb from '@aws-sdk/client-elastic-load-balancing-v2';
import { network, runInput } from './fixtures';
import { Harness, rejection, startHarness, stopHarness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ latency: { instancePendingToRunning: 15, instanceShuttingDownToTerminated: 45, nlbEniLingerAfterDelete: 60 } });
});
afterAll(() => stopHarness(h));
afterEach(() => h.cloud.reset());

const expectDependencyViolation = async (promise: Promise<unknown>) => {
  const err = await rejection(promise);
  expect(err.name).toBe('DependencyViolation');
  expect(err.$metadata.httpStatusCode).toBe(400);
};

describe('dependency rules', () => {
  it('refuses DeleteVpc while a subnet exists', async () => {
    const { vpcId, subnetId, groupId } = await network(h.ec2);
    await expectDependencyViolation(h.ec2.send(new E.DeleteVpcCommand({ VpcId: vpcId })));
    await h.ec2.send(new E.DeleteSubnetCommand({ SubnetId: subnetId }));
    await expectDependencyViolation(h.ec2.send(new E.DeleteVpcCommand({ VpcId: vpcId }))); // the non-default group
    await h.ec2.send(new E.DeleteSecurityGroupCommand({ GroupId: groupId }));
    await h.ec2.send(new E.DeleteVpcCommand({ VpcId: vpcId }));
    const { Vpcs } = await h.ec2.send(new E.DescribeVpcsCommand({}));
    expect(Vpcs).toEqual([]);
  });

  it('refuses DeleteVpc while an internet gateway is attached or a non-main route table exists', async () => {
    const { VpcId } = (await h.ec2.send(new E.CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!;
    const igw = (await h.ec2.send(new E.CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
    await h.ec2.send(new E.AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId }));
    await expectDependencyViolation(h.ec2.send(new E.DeleteVpcCommand({ VpcId })));
    await expectDependencyViolation(h.ec2.send(new E.DeleteInternetGatewayCommand({ InternetGatewayId: igw })));
    await h.ec2.send(new E.DetachInternetGatewayCommand({ InternetGatewayId: igw, VpcId }));
    await h.ec2.send(new E.DeleteInternetGatewayCommand({ InternetGatewayId: igw }));
    const rtb = (await h.ec2.send(new E.CreateRouteTableCommand({ VpcId }))).RouteTable!.RouteTableId!;
    await expectDependencyViolation(h.ec2.send(new E.DeleteVpcCommand({ VpcId })));
    await h.ec2.send(new E.DeleteRouteTableCommand({ RouteTableId: rtb }));
    await h.ec2.send(new E.DeleteVpcCommand({ VpcId }));
  });

  it('refuses DeleteRouteTable while a subnet is associated', async () => {
    const { vpcId, subnetId } = await network(h.ec2);
    const rtb = (await h.ec2.send(new E.CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!.RouteTableId!;
    const { AssociationId } = await h.ec2.send(new E.AssociateRouteTableCommand({ RouteTableId: rtb, SubnetId: subnetId }));
    expect(AssociationId).toMatch(/^rtbassoc-[0-9a-f]{17}$/);
    const again = await rejection(h.ec2.send(new E.AssociateRouteTableCommand({ RouteTableId: rtb, SubnetId: subnetId })));
    expect(again.name).toBe('Resource.AlreadyAssociated');
    await expectDependencyViolation(h.ec2.send(new E.DeleteRouteTableCommand({ RouteTableId: rtb })));
    const { RouteTables } = await h.ec2.send(
      new E.DescribeRouteTablesCommand({ Filters: [{ Name: 'association.subnet-id', Values: [subnetId] }] }),
    );
    expect(RouteTables?.map((t) => t.RouteTableId)).toEqual([rtb]);
    await h.ec2.send(new E.DisassociateRouteTableCommand({ AssociationId }));
    await h.ec2.send(new E.DeleteRouteTableCommand({ RouteTableId: rtb }));
  });

  it('refuses DeleteSubnet while an instance is not yet terminated', async () => {
    const { subnetId, groupId } = await network(h.ec2);
    const id = (await h.ec2.send(new E.RunInstancesCommand(runInput(subnetId, groupId)))).Instances![0].InstanceId!;
    await expectDependencyViolation(h.ec2.send(new E.DeleteSubnetCommand({ SubnetId: subnetId })));
    await h.ec2.send(new E.TerminateInstancesCommand({ InstanceIds: [id] }));
    await expectDependencyViolation(h.ec2.send(new E.DeleteSubnetCommand({ SubnetId: subnetId }))); // shutting-down
    h.cloud.clock.advance(44);
    await expectDependencyViolation(h.ec2.send(new E.DeleteSubnetCommand({ SubnetId: subnetId }))); // still shutting-down
    h.cloud.clock.advance(1); // terminated 45 simulated seconds after TerminateInstances
    await h.ec2.send(new E.DeleteSubnetCommand({ SubnetId: subnetId }));
  });

  it('refuses DeleteSecurityGroup while another group references it or an instance uses it', async () => {
    const { vpcId, subnetId, groupId } = await network(h.ec2);
    const bastion = (await h.ec2.send(new E.CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'bastion', Description: 'bastion' })))
      .GroupId!;
    await h.ec2.send(
      new E.AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, UserIdGroupPairs: [{ GroupId: bastion }] }],
      }),
    );
    await expectDependencyViolation(h.ec2.send(new E.DeleteSecurityGroupCommand({ GroupId: bastion })));
    const id = (await h.ec2.send(new E.RunInstancesCommand(runInput(subnetId, bastion)))).Instances![0].InstanceId!;
    await h.ec2.send(
      new E.RevokeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, UserIdGroupPairs: [{ GroupId: bastion }] }],
      }),
    );
    await expectDependencyViolation(h.ec2.send(new E.DeleteSecurityGroupCommand({ GroupId: bastion })));
    await h.ec2.send(new E.TerminateInstancesCommand({ InstanceIds: [id] }));
    await expectDependencyViolation(h.ec2.send(new E.DeleteSecurityGroupCommand({ GroupId: bastion }))); // shutting-down
    h.cloud.clock.advance(45);
    await h.ec2.send(new E.DeleteSecurityGroupCommand({ GroupId: bastion }));
  });

  it('refuses DetachInternetGateway while an EIP in the VPC is associated', async () => {
    const { vpcId, subnetId, groupId } = await network(h.ec2);
    const igw = (await h.ec2.send(new E.CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
    await h.ec2.send(new E.AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
    const instanceId = (await h.ec2.send(new E.RunInstancesCommand(runInput(subnetId, groupId)))).Instances![0].InstanceId!;
    const { AllocationId } = await h.ec2.send(new E.AllocateAddressCommand({ Domain: 'vpc' }));
    const early = await rejection(h.ec2.send(new E.AssociateAddressCommand({ AllocationId, InstanceId: instanceId })));
    expect(early.name).toBe('InvalidInstanceID'); // still pending
    h.cloud.clock.advance(15); // running
    const { AssociationId } = await h.ec2.send(new E.AssociateAddressCommand({ AllocationId, InstanceId: instanceId }));
    expect(AssociationId).toMatch(/^eipassoc-[0-9a-f]{17}$/);
    const err = await rejection(h.ec2.send(new E.DetachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId })));
    expect(err.name).toBe('DependencyViolation');
    expect(err.message).toContain('mapped public address');
    const inUse = await rejection(h.ec2.send(new E.ReleaseAddressCommand({ AllocationId })));
    expect(inUse.name).toBe('InvalidIPAddress.InUse');
    await h.ec2.send(new E.DisassociateAddressCommand({ AssociationId }));
    await h.ec2.send(new E.DetachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
    await h.ec2.send(new E.ReleaseAddressCommand({ AllocationId }));
  });

  it('keeps NLB interfaces blocking subnet and group deletes until they linger out', async () => {
    const { subnetId, groupId } = await network(h.ec2);
    h.cloud.clock.advance(5); // ELBv2 learns of new subnets and groups a few seconds late (eventual consistency)
    // Drives the Ec2View seam through the real NLB API: ELBv2 creates the ENIs and releases them on delete.
    const lb = await h.elbv2.send(
      new elb.CreateLoadBalancerCommand({
        Name: 'nlb-1',
        Type: 'network',
        Scheme: 'internal',
        Subnets: [subnetId],
        SecurityGroups: [groupId],
      }),
    );
    const { NetworkInterfaces } = await h.ec2.send(
      new E.DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'subnet-id', Values: [subnetId] }] }),
    );
    expect(NetworkInterfaces?.map((e) => e.InterfaceType)).toEqual(['network_load_balancer']);
    await h.elbv2.send(new elb.DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancers![0].LoadBalancerArn }));
    await expectDependencyViolation(h.ec2.send(new E.DeleteSubnetCommand({ SubnetId: subnetId })));
    await expectDependencyViolation(h.ec2.send(new E.DeleteSecurityGroupCommand({ GroupId: groupId })));
    h.cloud.clock.advance(59);
    await expectDependencyViolation(h.ec2.send(new E.DeleteSubnetCommand({ SubnetId: subnetId }))); // still lingering
    h.cloud.clock.advance(1); // 60 simulated seconds of lingering
    await h.ec2.send(new E.DeleteSubnetCommand({ SubnetId: subnetId }));
    await h.ec2.send(new E.DeleteSecurityGroupCommand({ GroupId: groupId }));
  });

  it.each([
    [
      'InvalidGroup.Duplicate',
      (vpcId: string) => new E.CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'nodes-b-1', Description: 'again' }),
    ],
    ['InvalidSubnet.Conflict', (vpcId: string) => new E.CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.0.1.0/25' })],
    ['InvalidSubnet.Range', (vpcId: string) => new E.CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.9.0.0/24' })],
    ['MissingParameter', (vpcId: string) => new E.CreateSubnetCommand({ VpcId: vpcId })],
  ])('answers %s for a conflicting create', async (code, command) => {
    const { vpcId } = await network(h.ec2);
    const err = await rejection(h.ec2.send(command(vpcId) as never));
    expect(err.name).toBe(code);
  });

  it('answers InvalidPermission.Duplicate for a rule that already exists', async () => {
    const { groupId } = await network(h.ec2);
    const rule = {
      GroupId: groupId,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 6443, ToPort: 6443, IpRanges: [{ CidrIp: '10.0.0.0/16' }] }],
    };
    const { SecurityGroupRules } = await h.ec2.send(new E.AuthorizeSecurityGroupIngressCommand(rule));
    expect(SecurityGroupRules?.[0].SecurityGroupRuleId).toMatch(/^sgr-[0-9a-f]{17}$/);
    const err = await rejection(h.ec2.send(new E.AuthorizeSecurityGroupIngressCommand(rule)));
    expect(err.name).toBe('InvalidPermission.Duplicate');
    const rules = await h.ec2.send(new E.DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }));
    expect(rules.SecurityGroupRules?.filter((r) => !r.IsEgress).map((r) => [r.FromPort, r.CidrIpv4])).toEqual([[6443, '10.0.0.0/16']]);
  });

  it('limits VPCs and Elastic IPs by their quotas', async () => {
    h.cloud.quotas.set('L-F678F1CE', 1);
    h.cloud.quotas.set('L-0263D0A3', 1);
    await h.ec2.send(new E.CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
    expect((await rejection(h.ec2.send(new E.CreateVpcCommand({ CidrBlock: '10.1.0.0/16' })))).name).toBe('VpcLimitExceeded');
    await h.ec2.send(new E.AllocateAddressCommand({ Domain: 'vpc' }));
    expect((await rejection(h.ec2.send(new E.AllocateAddressCommand({ Domain: 'vpc' })))).name).toBe('AddressLimitExceeded');
  });
});
