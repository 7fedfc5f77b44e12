import {
  CreateVpcEndpointCommand,
  DeleteVpcEndpointsCommand,
  DescribeVpcEndpointsCommand,
  type State,
  type VpcEndpoint,
} from '@aws-sdk/client-ec2';
import { NotYetVisible, ResourceConflict, ResourceNotReady, WorkflowContractError } from '../../../functions/core/errors';
import type { EndpointPlan } from '../../../functions/core/plan';
import { ownedFilters, toTagList } from '../../../functions/core/tags';
import { deleteEndpoints, endpointStates, ensureEndpoints } from '../../../functions/resources/vpc-endpoints';
import { awsError, mockAws, ownedTagSpecifications } from '../../fixtures/aws';
import { BUILD_ID, closedNetworkPlan, seoulPlan } from '../../fixtures/build';
import { ZONES } from '../../fixtures/ids';

const { ec2, clients } = mockAws();
const plan = closedNetworkPlan();
const perZone = <T>(value: (zone: string) => T) => Object.fromEntries(ZONES.map((zone) => [zone, value(zone)]));
const targets = {
  vpcId: 'vpc-1',
  privateSubnetIds: perZone((zone) => `subnet-${zone.slice(-1)}`),
  privateRouteTableIds: perZone((zone) => `rtb-private-${zone.slice(-1)}`),
  endpointGroupId: 'sg-endpoints',
};
const planned = (service: string) => plan.endpoints.find((e) => e.service === service) as EndpointPlan;
// EC2 answers `available`, `pendingAcceptance`… (the SDK's State type spells them with a capital).
const endpoint = (service: string, state: string, extra: Partial<VpcEndpoint> = {}): VpcEndpoint => ({
  VpcEndpointId: `vpce-${service}`,
  VpcId: 'vpc-1',
  ServiceName: planned(service).serviceName,
  State: state as State,
  Tags: toTagList(planned(service).tags),
  ...extra,
});
const creates = () => ec2.commandCalls(CreateVpcEndpointCommand).map((c) => c.args[0].input);

beforeEach(() => {
  ec2.on(CreateVpcEndpointCommand).callsFake((input: { ServiceName: string }) => ({
    VpcEndpoint: { VpcEndpointId: `vpce-${input.ServiceName.split('.').slice(3).join('.')}`, State: 'pending' },
  }));
  ec2.on(DeleteVpcEndpointsCommand).resolves({ Unsuccessful: [] });
});

describe('ensureEndpoints', () => {
  it('asks nothing when the spec has no endpoints', async () => {
    await expect(ensureEndpoints(clients, seoulPlan(), targets)).resolves.toEqual({});
    expect(ec2.calls()).toHaveLength(0);
  });

  it('creates every planned endpoint and answers service → endpoint id', async () => {
    ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });
    const ids = await ensureEndpoints(clients, plan, targets);
    expect(ids).toEqual(Object.fromEntries(plan.endpoints.map((e) => [e.service, `vpce-${e.service}`])));
    expect(ec2.commandCalls(DescribeVpcEndpointsCommand)[0].args[0].input).toMatchObject({
      Filters: ownedFilters(BUILD_ID, 'vpc-endpoint'),
    });
  });

  it('puts an interface endpoint in every private subnet, behind the endpoint group, with private DNS', async () => {
    ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });
    await ensureEndpoints(clients, plan, targets);
    expect(creates().find((c) => c.ServiceName === 'com.amazonaws.ap-northeast-2.ssm')).toEqual({
      VpcId: 'vpc-1',
      ServiceName: 'com.amazonaws.ap-northeast-2.ssm',
      VpcEndpointType: 'Interface',
      SubnetIds: ['subnet-a', 'subnet-b', 'subnet-c'],
      SecurityGroupIds: ['sg-endpoints'],
      PrivateDnsEnabled: true,
      ClientToken: expect.stringMatching(/^vpc-endpoint-[0-9a-f]{40}$/) as unknown,
      TagSpecifications: ownedTagSpecifications('vpc-endpoint', 'fin-k8s-dev-vpce-ssm', 'vpc-endpoint'),
    });
  });

  it.each([
    { egress: 'nat-per-az', tables: ['rtb-private-a', 'rtb-private-b', 'rtb-private-c'] },
    { egress: 'nat-single', tables: ['rtb-private'] },
  ] as const)('puts the S3 gateway endpoint in each distinct private route table ($egress)', async ({ egress, tables }) => {
    ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });
    const shared = egress === 'nat-single' ? { privateRouteTableIds: perZone(() => 'rtb-private') } : {};
    await ensureEndpoints(clients, closedNetworkPlan({ egress }), { ...targets, ...shared });
    const s3 = creates().find((c) => c.ServiceName === 'com.amazonaws.ap-northeast-2.s3');
    expect(s3).toMatchObject({ VpcEndpointType: 'Gateway', RouteTableIds: tables });
    expect(s3).not.toHaveProperty('SubnetIds');
    expect(s3).not.toHaveProperty('PrivateDnsEnabled');
  });

  it('sends the same ClientToken for a service on every attempt, a different one for each service', async () => {
    ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });
    await ensureEndpoints(clients, plan, targets);
    await ensureEndpoints(clients, plan, targets);
    const tokens = creates().map((c) => c.ClientToken);
    expect(tokens.slice(8)).toEqual(tokens.slice(0, 8));
    expect(new Set(tokens).size).toBe(8);
    expect(ec2.commandCalls(CreateVpcEndpointCommand)[0].thisValue === clients.ec2 ? 'ec2' : 'ec2Once').toBe('ec2');
  });

  it.each([
    { state: 'available', creates: 7 },
    { state: 'Available', creates: 7 },
    { state: 'pending', creates: 7 },
    { state: 'pendingAcceptance', creates: 7 },
    { state: 'deleting', creates: 8 },
    { state: 'deleted', creates: 8 },
    { state: 'failed', creates: 8 },
    { state: 'rejected', creates: 8 },
  ])('reuses an endpoint its tags find $state only while it can still serve ($creates creates)', async ({ state, creates: count }) => {
    ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [endpoint('ssm', state, { VpcEndpointId: 'vpce-found' })] });
    const ids = await ensureEndpoints(clients, plan, targets);
    expect(creates()).toHaveLength(count);
    expect(ids.ssm).toBe(count === 7 ? 'vpce-found' : 'vpce-ssm');
  });

  it('raises ResourceConflict naming both when its tags find two endpoints for one service', async () => {
    ec2.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: [endpoint('ssm', 'available'), endpoint('ssm', 'available', { VpcEndpointId: 'vpce-ssm-2' })],
    });
    await expect(ensureEndpoints(clients, plan, targets)).rejects.toThrow(/vpce-ssm, vpce-ssm-2/);
    expect(creates()).toHaveLength(0);
  });

  it('refuses to create interface endpoints without the endpoint security group', async () => {
    ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });
    await expect(ensureEndpoints(clients, plan, { ...targets, endpointGroupId: undefined })).rejects.toBeInstanceOf(WorkflowContractError);
  });

  it('classifies a create repeated with other parameters under the same ClientToken as a conflict', async () => {
    ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });
    ec2.on(CreateVpcEndpointCommand).rejects(awsError('IdempotentParameterMismatch'));
    await expect(ensureEndpoints(clients, plan, targets)).rejects.toBeInstanceOf(ResourceConflict);
  });
});

describe('endpointStates', () => {
  it('asks nothing for no endpoints', async () => {
    await expect(endpointStates(clients, [])).resolves.toEqual({});
    expect(ec2.calls()).toHaveLength(0);
  });

  it('answers each endpoint’s state as EC2 spells it, whichever spelling arrives', async () => {
    ec2.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: [endpoint('ssm', 'available'), endpoint('sts', 'PendingAcceptance'), endpoint('s3', 'Available')],
    });
    await expect(endpointStates(clients, ['vpce-ssm', 'vpce-sts', 'vpce-s3'])).resolves.toEqual({
      'vpce-ssm': 'available',
      'vpce-sts': 'pendingAcceptance',
      'vpce-s3': 'available',
    });
    expect(ec2.commandCalls(DescribeVpcEndpointsCommand)[0].args[0].input).toMatchObject({
      VpcEndpointIds: ['vpce-ssm', 'vpce-sts', 'vpce-s3'],
    });
  });

  it.each(['failed', 'Failed', 'rejected'])('throws a terminal error naming the service when an endpoint is %s', async (state) => {
    ec2.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: [endpoint('ecr.dkr', state, { LastError: { Code: 'InternalError', Message: 'endpoint creation failed' } })],
    });
    const error = await endpointStates(clients, ['vpce-ecr.dkr']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceConflict);
    expect((error as Error).message).toContain('com.amazonaws.ap-northeast-2.ecr.dkr');
    expect((error as Error).message).toContain('InternalError: endpoint creation failed');
  });

  it('reads InvalidVpcEndpointId.NotFound for an id it holds as not visible yet', async () => {
    ec2.on(DescribeVpcEndpointsCommand).rejects(awsError('InvalidVpcEndpointId.NotFound'));
    await expect(endpointStates(clients, ['vpce-ssm'])).rejects.toBeInstanceOf(NotYetVisible);
  });
});

describe('deleteEndpoints', () => {
  const deletes = () => ec2.commandCalls(DeleteVpcEndpointsCommand).map((c) => c.args[0].input.VpcEndpointIds);

  it.each([
    { state: 'available', deleted: [], pending: ['vpce-ssm'], deletes: [['vpce-ssm']] },
    { state: 'failed', deleted: [], pending: ['vpce-ssm'], deletes: [['vpce-ssm']] },
    { state: 'deleting', deleted: [], pending: ['vpce-ssm'], deletes: [] },
    { state: 'deleted', deleted: ['vpce-ssm'], pending: [], deletes: [] },
  ])(
    'deletes a $state endpoint only when it needs to, and waits until it is deleted',
    async ({ state, deleted, pending, deletes: sent }) => {
      ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [endpoint('ssm', state)] });
      await expect(deleteEndpoints(clients, BUILD_ID)).resolves.toEqual({ deleted, pending });
      expect(deletes()).toEqual(sent);
    },
  );

  it('reads a NotFound in Unsuccessful as already gone, and raises any other entry classified', async () => {
    ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [endpoint('ssm', 'available'), endpoint('sts', 'available')] });
    ec2.on(DeleteVpcEndpointsCommand).resolves({
      Unsuccessful: [{ ResourceId: 'vpce-ssm', Error: { Code: 'InvalidVpcEndpoint.NotFound', Message: 'does not exist' } }],
    });
    await expect(deleteEndpoints(clients, BUILD_ID)).resolves.toEqual({ deleted: ['vpce-ssm'], pending: ['vpce-sts'] });

    ec2.on(DeleteVpcEndpointsCommand).resolves({
      Unsuccessful: [{ ResourceId: 'vpce-sts', Error: { Code: 'DependencyViolation', Message: 'in use' } }],
    });
    await expect(deleteEndpoints(clients, BUILD_ID)).rejects.toBeInstanceOf(ResourceNotReady);
  });

  it('raises an Unsuccessful entry the error table does not know as the AWS error it names', async () => {
    ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [endpoint('ssm', 'available')] });
    ec2
      .on(DeleteVpcEndpointsCommand)
      .resolves({ Unsuccessful: [{ ResourceId: 'vpce-ssm', Error: { Code: 'Client.Weird', Message: 'no' } }] });
    await expect(deleteEndpoints(clients, BUILD_ID)).rejects.toMatchObject({ name: 'Client.Weird' });
  });

  it('deletes the endpoints the state carries before a Describe by tag shows them, gone ones included', async () => {
    ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });
    ec2.on(DescribeVpcEndpointsCommand, { VpcEndpointIds: ['vpce-ssm'] }).resolves({ VpcEndpoints: [endpoint('ssm', 'available')] });
    ec2.on(DescribeVpcEndpointsCommand, { VpcEndpointIds: ['vpce-gone'] }).rejects(awsError('InvalidVpcEndpointId.NotFound'));
    ec2.on(DeleteVpcEndpointsCommand).resolves({
      Unsuccessful: [{ ResourceId: 'vpce-gone', Error: { Code: 'InvalidVpcEndpoint.NotFound', Message: 'does not exist' } }],
    });
    await expect(deleteEndpoints(clients, BUILD_ID, ['vpce-ssm', 'vpce-gone'])).resolves.toEqual({
      deleted: ['vpce-gone'],
      pending: ['vpce-ssm'],
    });
    expect(deletes()).toEqual([['vpce-ssm', 'vpce-gone']]);
  });

  it('sends at most 25 ids per DeleteVpcEndpoints', async () => {
    const many = Array.from({ length: 30 }, (_, i) => endpoint('ssm', 'available', { VpcEndpointId: `vpce-${i}` }));
    ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: many });
    const { pending } = await deleteEndpoints(clients, BUILD_ID);
    expect(pending).toHaveLength(30);
    expect(deletes().map((ids) => ids?.length)).toEqual([25, 5]);
  });
});
