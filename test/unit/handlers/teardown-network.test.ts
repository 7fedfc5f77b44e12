import {
  DeleteNatGatewayCommand,
  DeleteRouteCommand,
  DeleteSubnetCommand,
  DeleteTransitGatewayVpcAttachmentCommand,
  DeleteVpcCommand,
  DescribeAddressesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeTransitGatewayVpcAttachmentsCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import {
  DeleteInstanceProfileCommand,
  DeleteRoleCommand,
  DetachRolePolicyCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  RemoveRoleFromInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import type { InstanceProfilePlan } from '../../../functions/core/plan';
import { toTagList } from '../../../functions/core/tags';
import { handler } from '../../../functions/handlers/teardown-network';
import { awsError, mockAws } from '../../fixtures/aws';
import { closedNetworkSpecInput, seoulPlan, seoulSpec, seoulState, TRANSIT_GATEWAY_ID } from '../../fixtures/build';
import { match } from '../../fixtures/matchers';

const { ec2, iam } = mockAws();
const plan = seoulPlan();
const VPC = { VpcId: 'vpc-1', CidrBlock: '10.0.0.0/16', Tags: toTagList(plan.vpc.tags) };
const SUBNET = { SubnetId: 'subnet-1', VpcId: 'vpc-1', Tags: toTagList(plan.privateSubnets[0].tags) };
const NLB_ENI = {
  NetworkInterfaceId: 'eni-nlb-1',
  InterfaceType: 'network_load_balancer' as const,
  Description: 'ELB net/fin-k8s-dev-nlb/abc',
};
const deletes = () =>
  ec2
    .calls()
    .map((c) => c.args[0].constructor.name)
    .filter((n) => !n.startsWith('Describe'));

beforeEach(() => {
  for (const command of [
    DescribeInternetGatewaysCommand,
    DescribeRouteTablesCommand,
    DescribeSecurityGroupsCommand,
    DescribeTransitGatewayVpcAttachmentsCommand,
    DescribeVpcEndpointsCommand,
    DescribeNatGatewaysCommand,
    DescribeAddressesCommand,
  ]) {
    ec2.on(command).resolves({});
  }
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [VPC] });
  ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [SUBNET] });
  ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
  ec2.on(DeleteSubnetCommand).resolves({});
  ec2.on(DeleteVpcCommand).resolves({});
});

describe('teardown-network handler', () => {
  it('deletes what is left of the network and reports it', async () => {
    await expect(handler(seoulState())).resolves.toEqual({ step: 'teardown-network', deleted: ['subnet-1', 'vpc-1'] });
    expect(deletes()).toEqual(['DeleteSubnetCommand', 'DeleteVpcCommand']);
  });

  it('in a rollback, also deletes the ids the state carries (CreateNetwork had returned only the VPC)', async () => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [] });
    await expect(handler(seoulState({ network: { complete: false, vpcId: 'vpc-1' } as never }))).resolves.toEqual({
      step: 'teardown-network',
      deleted: ['vpc-1'],
    });
    expect(ec2.commandCalls(DeleteVpcCommand).map((c) => c.args[0].input)).toEqual([{ VpcId: 'vpc-1' }]);
  });

  it('succeeds without deleting anything when the VPC is already gone, asking only for the VPC and a gateway', async () => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [] });
    await expect(handler(seoulState())).resolves.toEqual({ step: 'teardown-network', deleted: [] });
    expect(deletes()).toEqual([]);
    // Subnets, route tables and security groups live in a VPC: without one there is nothing to look for.
    expect(ec2.calls().map((c) => c.args[0].constructor.name)).toEqual(['DescribeVpcsCommand', 'DescribeInternetGatewaysCommand']);
  });

  it.each([
    ['the NLB interfaces linger', NLB_ENI, 'eni-nlb-1 (load balancer fin-k8s-dev-nlb)'],
    [
      'an instance is still shutting down',
      { NetworkInterfaceId: 'eni-node', Attachment: { InstanceId: 'i-cp1' } },
      'eni-node (instance i-cp1)',
    ],
  ])('throws ResourceNotReady, deleting nothing, while %s', async (_case, eni, named) => {
    ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [eni] });
    await expect(handler(seoulState())).rejects.toMatchObject({ name: 'ResourceNotReady', message: match.stringContaining(named) });
    expect(deletes()).toEqual([]);
    // A poll costs two reads: the VPC and its interfaces.
    expect(ec2.calls()).toHaveLength(2);
  });

  it('throws ResourceNotReady on DependencyViolation, and a repeat finishes the job', async () => {
    ec2.on(DeleteVpcCommand).rejectsOnce(awsError('DependencyViolation')).resolves({});
    await expect(handler(seoulState())).rejects.toMatchObject({ name: 'ResourceNotReady' });
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [] });
    await expect(handler(seoulState())).resolves.toEqual({ step: 'teardown-network', deleted: ['vpc-1'] });
  });

  it('deletes the NAT gateway first and waits (ResourceNotReady), touching no subnet, until it is deleted', async () => {
    const natPlan = seoulPlan({ egress: 'nat-single' });
    const state = seoulState({ spec: seoulSpec({ egress: 'nat-single' }) });
    const gateway = { NatGatewayId: 'nat-1', SubnetId: 'subnet-pub', Tags: toTagList(natPlan.natGateways[0].tags) };
    ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: [{ ...gateway, State: 'available' }] });
    ec2.on(DeleteNatGatewayCommand).resolves({});
    await expect(handler(state)).rejects.toMatchObject({ name: 'ResourceNotReady', message: match.stringContaining('nat-1') });
    expect(deletes()).toEqual(['DeleteNatGatewayCommand']);
    ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: [{ ...gateway, State: 'deleted' }] });
    await expect(handler(state)).resolves.toEqual({ step: 'teardown-network', deleted: ['nat-1', 'subnet-1', 'vpc-1'] });
    expect(ec2.commandCalls(DeleteNatGatewayCommand)).toHaveLength(1);
  });

  describe('a closed network without a bastion (Transit Gateway, endpoints, the nodes’ instance profile)', () => {
    const spec = seoulSpec(closedNetworkSpecInput({ bastion: { enabled: false }, egress: 'none' }));
    const closedPlan = seoulPlan(closedNetworkSpecInput({ bastion: { enabled: false }, egress: 'none' }));
    const profile = closedPlan.instanceProfile as InstanceProfilePlan;
    const attachment = (State: 'available' | 'deleted') => ({
      TransitGatewayVpcAttachments: [
        {
          TransitGatewayAttachmentId: 'tgw-attach-1',
          TransitGatewayId: TRANSIT_GATEWAY_ID,
          VpcId: 'vpc-1',
          State,
          Tags: toTagList(closedPlan.transitGateway?.attachment.tags ?? {}),
        },
      ],
    });
    const made = {
      Path: '/k8s-ec2-builder/',
      CreateDate: new Date(0),
      Tags: Object.entries(profile.tags).map(([Key, Value]) => ({ Key, Value })),
    };
    const ROLE_ARN = `arn:aws:iam::123456789012:role/k8s-ec2-builder/${profile.name}`;
    const PROFILE_ARN = `arn:aws:iam::123456789012:instance-profile/k8s-ec2-builder/${profile.name}`;
    const role = { ...made, RoleName: profile.name, RoleId: 'AROAEXAMPLE', Arn: ROLE_ARN };
    /** Every change, EC2's and IAM's, in the order it was sent. */
    let changes: string[];
    const logged = (name: string) => () => {
      changes.push(name);
      return {};
    };

    beforeEach(() => {
      changes = [];
      ec2.on(DeleteTransitGatewayVpcAttachmentCommand).callsFake(logged('DeleteTransitGatewayVpcAttachment'));
      ec2.on(DeleteSubnetCommand).callsFake(logged('DeleteSubnet'));
      ec2.on(DeleteVpcCommand).callsFake(logged('DeleteVpc'));
      iam.on(GetRoleCommand).resolves({ Role: role });
      iam.on(GetInstanceProfileCommand).resolves({
        InstanceProfile: { ...made, InstanceProfileName: profile.name, InstanceProfileId: 'AIPAEXAMPLE', Arn: PROFILE_ARN, Roles: [role] },
      });
      iam.on(RemoveRoleFromInstanceProfileCommand).callsFake(logged('RemoveRoleFromInstanceProfile'));
      iam.on(DeleteInstanceProfileCommand).callsFake(logged('DeleteInstanceProfile'));
      iam.on(DetachRolePolicyCommand).callsFake(logged('DetachRolePolicy'));
      iam.on(DeleteRoleCommand).callsFake(logged('DeleteRole'));
    });

    it('deletes the attachment first and waits for it, touching no subnet and not the instance profile meanwhile', async () => {
      ec2.on(DescribeTransitGatewayVpcAttachmentsCommand).resolves(attachment('available'));
      await expect(handler(seoulState({ spec }))).rejects.toMatchObject({
        name: 'ResourceNotReady',
        message: match.stringContaining('tgw-attach-1'),
      });
      expect(changes).toEqual(['DeleteTransitGatewayVpcAttachment']);
      expect(iam.calls()).toHaveLength(0);
    });

    it('once the connections are gone, deletes the network, then the nodes’ instance profile and role last', async () => {
      ec2.on(DescribeTransitGatewayVpcAttachmentsCommand).resolves(attachment('deleted'));
      await expect(handler(seoulState({ spec }))).resolves.toEqual({
        step: 'teardown-network',
        deleted: ['tgw-attach-1', 'subnet-1', 'vpc-1', PROFILE_ARN, ROLE_ARN],
      });
      expect(changes).toEqual([
        'DeleteSubnet',
        'DeleteVpc',
        'RemoveRoleFromInstanceProfile',
        'DeleteInstanceProfile',
        'DetachRolePolicy',
        'DeleteRole',
      ]);
      // DeleteLoadBalancer removed the Transit Gateway routes; the route tables take any left with them.
      expect(ec2.commandCalls(DeleteRouteCommand)).toHaveLength(0);
    });

    it('asks IAM nothing for a build with a bastion (it made no instance profile)', async () => {
      await handler(seoulState());
      expect(iam.calls()).toHaveLength(0);
    });
  });

  it('throws a denied DescribeVpcs as PermissionDenied (terminal)', async () => {
    ec2.on(DescribeVpcsCommand).rejects(awsError('UnauthorizedOperation'));
    await expect(handler(seoulState())).rejects.toMatchObject({ name: 'PermissionDenied' });
  });
});
