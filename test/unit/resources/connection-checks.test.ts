import {
  DescribeTransitGatewaysCommand,
  DescribeVpcEndpointServicesCommand,
  type ServiceDetail,
  type TransitGatewayState,
} from '@aws-sdk/client-ec2';
import { PermissionDenied } from '../../../functions/core/errors';
import { endpointServiceName } from '../../../functions/core/plan';
import { checkEndpointServices, checkTransitGateway } from '../../../functions/resources/connection-checks';
import { awsError, mockAws, REGION } from '../../fixtures/aws';
import { CLOSED_NETWORK_ENDPOINTS, closedNetworkPlan, seoulPlan, TRANSIT_GATEWAY_ID } from '../../fixtures/build';

const { ec2, clients } = mockAws();
const plan = closedNetworkPlan();
const gateway = (State: TransitGatewayState) => ({
  TransitGateways: [{ TransitGatewayId: TRANSIT_GATEWAY_ID, State, OwnerId: '111122223333' }],
});
/** What DescribeVpcEndpointServices answers for a service: s3 is offered both ways, every other service as Interface. */
const detail = (service: string, types: string[] = service === 's3' ? ['Gateway', 'Interface'] : ['Interface']): ServiceDetail => ({
  ServiceName: endpointServiceName(REGION, service),
  ServiceType: types.map((ServiceType) => ({ ServiceType: ServiceType as 'Interface' })),
});
const asked = () => ec2.commandCalls(DescribeVpcEndpointServicesCommand).map((c) => c.args[0].input.ServiceNames);

describe('checkTransitGateway', () => {
  it('passes an available gateway the account sees', async () => {
    ec2.on(DescribeTransitGatewaysCommand).resolves(gateway('available'));
    await expect(checkTransitGateway(clients, plan)).resolves.toEqual([]);
    expect(ec2.commandCalls(DescribeTransitGatewaysCommand)[0].args[0].input).toMatchObject({ TransitGatewayIds: [TRANSIT_GATEWAY_ID] });
  });

  it.each([
    ['AWS does not know it', () => ec2.on(DescribeTransitGatewaysCommand).rejects(awsError('InvalidTransitGatewayID.NotFound'))],
    ['it is not shared with the account (an empty answer)', () => ec2.on(DescribeTransitGatewaysCommand).resolves({ TransitGateways: [] })],
  ])('names transitGateway.id when %s', async (_case, answer) => {
    answer();
    const problems = await checkTransitGateway(clients, plan);
    expect(problems).toEqual([
      { check: 'transit-gateway', field: 'transitGateway.id', message: expect.stringContaining(TRANSIT_GATEWAY_ID) as unknown },
    ]);
    expect(problems[0].message).toMatch(/does not exist in ap-northeast-2 or is not shared with this account/);
  });

  it.each(['pending', 'modifying', 'deleting', 'deleted'] as const)('names transitGateway.id when the gateway is %s', async (state) => {
    ec2.on(DescribeTransitGatewaysCommand).resolves(gateway(state));
    await expect(checkTransitGateway(clients, plan)).resolves.toEqual([
      {
        check: 'transit-gateway',
        field: 'transitGateway.id',
        message: `${TRANSIT_GATEWAY_ID} is ${state}; a VPC can be attached only to an available gateway`,
      },
    ]);
  });

  it('asks nothing when the spec has no Transit Gateway', async () => {
    await expect(checkTransitGateway(clients, seoulPlan())).resolves.toEqual([]);
    expect(ec2.calls()).toHaveLength(0);
  });

  it('throws a denied DescribeTransitGateways as PermissionDenied rather than calling the gateway missing', async () => {
    ec2.on(DescribeTransitGatewaysCommand).rejects(awsError('UnauthorizedOperation'));
    await expect(checkTransitGateway(clients, plan)).rejects.toBeInstanceOf(PermissionDenied);
  });
});

describe('checkEndpointServices', () => {
  it('passes when every service exists with the endpoint type we ask for, asking once for all of them', async () => {
    ec2.on(DescribeVpcEndpointServicesCommand).resolves({ ServiceDetails: CLOSED_NETWORK_ENDPOINTS.map((service) => detail(service)) });
    await expect(checkEndpointServices(clients, plan)).resolves.toEqual([]);
    expect(asked()).toEqual([CLOSED_NETWORK_ENDPOINTS.map((service) => endpointServiceName(REGION, service))]);
  });

  it('asks nothing when the spec has no endpoints', async () => {
    await expect(checkEndpointServices(clients, seoulPlan())).resolves.toEqual([]);
    expect(ec2.calls()).toHaveLength(0);
  });

  it('when AWS refuses the names together (InvalidServiceName), asks one by one and names each unknown one by its index', async () => {
    const endpoints = ['ssm', 'nosuchservice', 's3', 'ecr.nope'];
    const asPlanned = closedNetworkPlan({ endpoints });
    ec2.on(DescribeVpcEndpointServicesCommand).rejects(awsError('InvalidServiceName'));
    for (const known of ['ssm', 's3']) {
      ec2
        .on(DescribeVpcEndpointServicesCommand, { ServiceNames: [endpointServiceName(REGION, known)] })
        .resolves({ ServiceDetails: [detail(known)] });
    }
    const problems = await checkEndpointServices(clients, asPlanned);
    expect(problems.map((p) => [p.check, p.field])).toEqual([
      ['endpoint-services', 'endpoints[1]'],
      ['endpoint-services', 'endpoints[3]'],
    ]);
    expect(problems[0].message).toBe(
      'com.amazonaws.ap-northeast-2.nosuchservice is not an endpoint service in ap-northeast-2; check the name (e.g. ssm, ecr.dkr, s3)',
    );
    expect(asked()).toEqual([
      endpoints.map((service) => endpointServiceName(REGION, service)),
      ...endpoints.map((service) => [endpointServiceName(REGION, service)]),
    ]);
  });

  it('names a service that does not offer the endpoint type we would create', async () => {
    const asPlanned = closedNetworkPlan({ endpoints: ['ssm', 's3'] });
    ec2.on(DescribeVpcEndpointServicesCommand).resolves({ ServiceDetails: [detail('ssm', ['Gateway']), detail('s3', ['Interface'])] });
    await expect(checkEndpointServices(clients, asPlanned)).resolves.toEqual([
      {
        check: 'endpoint-services',
        field: 'endpoints[0]',
        message: 'com.amazonaws.ap-northeast-2.ssm offers Gateway endpoints, not Interface; only s3 is built as a Gateway endpoint',
      },
      {
        check: 'endpoint-services',
        field: 'endpoints[1]',
        message: 'com.amazonaws.ap-northeast-2.s3 offers Interface endpoints, not Gateway; only s3 is built as a Gateway endpoint',
      },
    ]);
  });

  it('names a service AWS leaves out of an answer that refused nothing', async () => {
    const asPlanned = closedNetworkPlan({ endpoints: ['ssm', 'logs'] });
    ec2.on(DescribeVpcEndpointServicesCommand).resolves({ ServiceDetails: [detail('ssm')] });
    const problems = await checkEndpointServices(clients, asPlanned);
    expect(problems.map((p) => p.field)).toEqual(['endpoints[1]']);
    expect(asked()).toHaveLength(1);
  });

  it('throws a denied DescribeVpcEndpointServices as PermissionDenied rather than calling every service unknown', async () => {
    ec2.on(DescribeVpcEndpointServicesCommand).rejects(awsError('UnauthorizedOperation'));
    await expect(checkEndpointServices(clients, plan)).rejects.toBeInstanceOf(PermissionDenied);
  });
});
