import { DescribeNetworkInterfacesCommand, type NetworkInterface } from '@aws-sdk/client-ec2';
import { AwsThrottled, PermissionDenied, ResourceNotReady } from '../../../functions/core/errors';
import { assertLoadBalancerInterfacesGone, findLingeringInterfaces } from '../../../functions/resources/network-interfaces';
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

describe('findLingeringInterfaces', () => {
  it.each([
    { state: 'none left', enis: [], name: undefined, expected: [] },
    { state: 'only node interfaces', enis: [NODE, CLASSIC], name: undefined, expected: [] },
    {
      state: 'NLB interfaces by type or description',
      enis: [NODE, NLB_TYPED, NLB_DESCRIBED],
      name: undefined,
      expected: ['eni-nlb-a', 'eni-nlb-b'],
    },
    {
      state: 'interfaces of two NLBs, asking for one by name',
      enis: [NLB_TYPED, OTHER_NLB],
      name: 'fin-k8s-dev-nlb',
      expected: ['eni-nlb-a'],
    },
  ])('lists the NLB interfaces in the VPC when there are $state', async ({ enis, name, expected }) => {
    ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: enis });
    const found = await findLingeringInterfaces(clients, VPC_ID, name);
    expect(found.map((eni) => eni.networkInterfaceId)).toEqual(expected);
    expect(ec2.commandCalls(DescribeNetworkInterfacesCommand)[0].args[0].input).toEqual({
      Filters: [{ Name: 'vpc-id', Values: [VPC_ID] }],
    });
  });

  it('reads every page of the answer', async () => {
    ec2
      .on(DescribeNetworkInterfacesCommand)
      .resolvesOnce({ NetworkInterfaces: [NLB_TYPED], NextToken: 'page-2' })
      .resolvesOnce({ NetworkInterfaces: [NLB_DESCRIBED] });
    await expect(findLingeringInterfaces(clients, VPC_ID)).resolves.toHaveLength(2);
    expect(ec2.commandCalls(DescribeNetworkInterfacesCommand)[1].args[0].input.NextToken).toBe('page-2');
  });

  it.each([
    ['RequestLimitExceeded', AwsThrottled],
    ['UnauthorizedOperation', PermissionDenied],
  ])('classifies DescribeNetworkInterfaces failing with %s', async (code, expected) => {
    ec2.on(DescribeNetworkInterfacesCommand).rejects(awsError(code));
    await expect(findLingeringInterfaces(clients, VPC_ID)).rejects.toBeInstanceOf(expected);
  });
});

describe('assertLoadBalancerInterfacesGone', () => {
  it('passes once no NLB interface is left in the VPC', async () => {
    ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [NODE] });
    await expect(assertLoadBalancerInterfacesGone(clients, VPC_ID)).resolves.toBeUndefined();
  });

  it('waits (ResourceNotReady) naming the interfaces while they linger', async () => {
    ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [NLB_TYPED, NLB_DESCRIBED] });
    const error = await assertLoadBalancerInterfacesGone(clients, VPC_ID).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceNotReady);
    expect((error as Error).message).toContain('eni-nlb-a, eni-nlb-b');
    expect((error as ResourceNotReady).details).toEqual({ vpcId: VPC_ID, networkInterfaceIds: ['eni-nlb-a', 'eni-nlb-b'] });
  });
});
