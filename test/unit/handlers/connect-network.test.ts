import {
  AllocateAddressCommand,
  CreateNatGatewayCommand,
  DescribeAddressesCommand,
  DescribeNatGatewaysCommand,
  DescribeVpcEndpointsCommand,
} from '@aws-sdk/client-ec2';
import type { ConnectionsProgress } from '../../../functions/core/contracts';
import { toTagList } from '../../../functions/core/tags';
import { handler } from '../../../functions/handlers/connect-network';
import { mockAws } from '../../fixtures/aws';
import { seoulPlan, seoulSpec, seoulState } from '../../fixtures/build';
import { NETWORK } from '../../fixtures/ids';

const { ec2 } = mockAws();
const natSingle = { egress: 'nat-single' } as const;
const state = (connections?: ConnectionsProgress) =>
  seoulState({ spec: seoulSpec(natSingle), network: NETWORK, ...(connections && { connections }) });

describe('connect-network handler', () => {
  it('answers complete at once, asking AWS nothing, for a spec with no NAT gateway, endpoint or Transit Gateway', async () => {
    await expect(handler(seoulState({ network: NETWORK }))).resolves.toEqual({
      complete: true,
      natAddressIds: {},
      natGatewayIds: {},
      endpointIds: {},
    });
    expect(ec2.calls()).toHaveLength(0);
  });

  it('rejects a state without $.network before calling AWS (a broken hand-over, not a spec problem)', async () => {
    await expect(handler(seoulState({ spec: seoulSpec(natSingle) }))).rejects.toMatchObject({ name: 'WorkflowContractError' });
    expect(ec2.calls()).toHaveLength(0);
  });

  it('hands a just-allocated address to the state machine and reads it back from $.connections: no second address, the gateway gets it', async () => {
    // A new address is not visible by tag yet, only by its id.
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    ec2.on(AllocateAddressCommand).resolves({ AllocationId: 'eipalloc-1', PublicIp: '198.51.100.7' });
    const first = await handler(state());
    expect(first).toEqual({ complete: false, natAddressIds: { 'ap-northeast-2a': 'eipalloc-1' }, natGatewayIds: {}, endpointIds: {} });

    ec2.on(DescribeAddressesCommand, { AllocationIds: ['eipalloc-1'] }).resolves({
      Addresses: [{ AllocationId: 'eipalloc-1', Tags: toTagList(seoulPlan(natSingle).natGateways[0].addressTags) }],
    });
    ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: [] });
    ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });
    ec2.on(CreateNatGatewayCommand).resolves({ NatGateway: { NatGatewayId: 'nat-1', State: 'pending' } });
    await expect(handler(state(first))).resolves.toEqual({ ...first, natGatewayIds: { 'ap-northeast-2a': 'nat-1' } });
    expect(ec2.commandCalls(AllocateAddressCommand)).toHaveLength(1);
    expect(ec2.commandCalls(CreateNatGatewayCommand).map((c) => c.args[0].input)).toEqual([
      expect.objectContaining({ SubnetId: NETWORK.publicSubnetIds['ap-northeast-2a'], AllocationId: 'eipalloc-1' }),
    ]);
  });

  it('lets the wait through as ResourceNotReady (the readiness Retry polls) once every id is known', async () => {
    const known: ConnectionsProgress = {
      complete: false,
      natAddressIds: { 'ap-northeast-2a': 'eipalloc-1' },
      natGatewayIds: { 'ap-northeast-2a': 'nat-1' },
      endpointIds: {},
    };
    const gateway = { NatGatewayId: 'nat-1', SubnetId: NETWORK.publicSubnetIds['ap-northeast-2a'], State: 'pending' as const };
    ec2.on(DescribeAddressesCommand).resolves({
      Addresses: [{ AllocationId: 'eipalloc-1', Tags: toTagList(seoulPlan(natSingle).natGateways[0].addressTags) }],
    });
    ec2
      .on(DescribeNatGatewaysCommand)
      .resolves({ NatGateways: [{ ...gateway, Tags: toTagList(seoulPlan(natSingle).natGateways[0].tags) }] });
    await expect(handler(state(known))).rejects.toMatchObject({ name: 'ResourceNotReady', message: 'NAT gateway nat-1 is pending' });
    expect(ec2.commandCalls(CreateNatGatewayCommand)).toHaveLength(0);
  });
});
