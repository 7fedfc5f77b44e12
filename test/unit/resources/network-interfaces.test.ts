import { DescribeNetworkInterfacesCommand, type NetworkInterface } from '@aws-sdk/client-ec2';
import { AwsThrottled, PermissionDenied, ResourceNotReady } from '../../../functions/core/errors';
import { assertInterfacesGone, interfacesIn } from '../../../functions/resources/network-interfaces';
import { awsError, mockAws } from '../../fixtures/aws';

const { ec2, clients } = mockAws();
const VPC_ID = 'vpc-0123456789abcdef0';
const NLB_TYPED: NetworkInterface = {
  NetworkInterfaceId: 'eni-nlb-a',
  SubnetId: 'subnet-a',
  InterfaceType: 'network_load_balancer',
  Description: 'ELB net/fin-k8s-dev-nlb/50dc6c495c0c9188',
  Status: 'in-use',
};
const NLB_DESCRIBED: NetworkInterface = {
  NetworkInterfaceId: 'eni-nlb-b',
  SubnetId: 'subnet-b',
  InterfaceType: 'interface',
  Description: 'ELB net/fin-k8s-dev-nlb/50dc6c495c0c9188',
  Status: 'in-use',
};
const OTHER_NLB: NetworkInterface = {
  NetworkInterfaceId: 'eni-nlb-x',
  SubnetId: 'subnet-a',
  InterfaceType: 'network_load_balancer',
  Description: 'ELB net/other-nlb/1111',
  Status: 'in-use',
};
const NODE: NetworkInterface = {
  NetworkInterfaceId: 'eni-node',
  SubnetId: 'subnet-a',
  InterfaceType: 'interface',
  Description: 'Primary network interface',
  Status: 'in-use',
};
const CLASSIC: NetworkInterface = {
  NetworkInterfaceId: 'eni-classic',
  InterfaceType: 'interface',
  Description: 'ELB app/some-alb/1234',
  Status: 'in-use',
};

const NAT: NetworkInterface = {
  NetworkInterfaceId: 'eni-nat',
  SubnetId: 'subnet-pub',
  InterfaceType: 'natGateway',
  Description: 'Interface for NAT Gateway nat-1',
  Status: 'in-use',
};

describe('interfacesIn', () => {
  it('lists every interface in the VPCs with what holds it, in one filtered Describe', async () => {
    const instance = { ...NODE, Attachment: { InstanceId: 'i-cp1' } };
    ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [instance, NLB_TYPED, NLB_DESCRIBED, OTHER_NLB, NAT, CLASSIC] });
    const found = await interfacesIn(clients, [VPC_ID, 'vpc-2']);
    expect(found.map((eni) => [eni.networkInterfaceId, eni.holder])).toEqual([
      ['eni-node', 'instance i-cp1'],
      ['eni-nlb-a', 'load balancer fin-k8s-dev-nlb'],
      ['eni-nlb-b', 'load balancer fin-k8s-dev-nlb'],
      ['eni-nlb-x', 'load balancer other-nlb'],
      ['eni-nat', 'natGateway'],
      ['eni-classic', 'ELB app/some-alb/1234'],
    ]);
    expect(ec2.commandCalls(DescribeNetworkInterfacesCommand).map((c) => c.args[0].input)).toEqual([
      { Filters: [{ Name: 'vpc-id', Values: [VPC_ID, 'vpc-2'] }] },
    ]);
  });

  it('asks nothing without a VPC', async () => {
    await expect(interfacesIn(clients, [])).resolves.toEqual([]);
    expect(ec2.calls()).toHaveLength(0);
  });

  it('reads every page of the answer', async () => {
    ec2
      .on(DescribeNetworkInterfacesCommand)
      .resolvesOnce({ NetworkInterfaces: [NLB_TYPED], NextToken: 'page-2' })
      .resolvesOnce({ NetworkInterfaces: [NLB_DESCRIBED] });
    await expect(interfacesIn(clients, [VPC_ID])).resolves.toHaveLength(2);
    expect(ec2.commandCalls(DescribeNetworkInterfacesCommand)[1].args[0].input.NextToken).toBe('page-2');
  });

  it.each([
    ['RequestLimitExceeded', AwsThrottled],
    ['UnauthorizedOperation', PermissionDenied],
  ])('classifies DescribeNetworkInterfaces failing with %s', async (code, expected) => {
    ec2.on(DescribeNetworkInterfacesCommand).rejects(awsError(code));
    await expect(interfacesIn(clients, [VPC_ID])).rejects.toBeInstanceOf(expected);
  });
});

describe('assertInterfacesGone', () => {
  it('passes once no interface is left in the VPC', async () => {
    ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
    await expect(assertInterfacesGone(clients, [VPC_ID])).resolves.toBeUndefined();
  });

  it('waits (ResourceNotReady) naming each interface and its holder while any is left', async () => {
    ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [NLB_TYPED, { ...NODE, Attachment: { InstanceId: 'i-cp1' } }] });
    const error = await assertInterfacesGone(clients, [VPC_ID]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceNotReady);
    expect((error as Error).message).toContain('eni-nlb-a (load balancer fin-k8s-dev-nlb), eni-node (instance i-cp1)');
    expect((error as ResourceNotReady).details).toEqual({ vpcIds: [VPC_ID], networkInterfaceIds: ['eni-nlb-a', 'eni-node'] });
  });
});
