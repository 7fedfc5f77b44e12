import { CreateRouteCommand, DeleteRouteCommand, DescribeRouteTablesCommand, type Route } from '@aws-sdk/client-ec2';
import {
  AwsThrottled,
  NotYetVisible,
  PermissionDenied,
  QuotaExceeded,
  ResourceConflict,
  ResourceNotReady,
} from '../../../functions/core/errors';
import { deleteRoutes, ensureRoutes } from '../../../functions/resources/routes';
import { awsError, mockAws } from '../../fixtures/aws';
import { TRANSIT_GATEWAY_ID } from '../../fixtures/build';

const { ec2, clients } = mockAws();
const TABLES = ['rtb-private-a', 'rtb-public'];
const ROUTES = ['10.200.0.0/16', '192.168.0.0/16'];
const TO_GATEWAY = { TransitGatewayId: TRANSIT_GATEWAY_ID };
const describeTable = (routes: Route[]) =>
  ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [{ RouteTableId: 'rtb-private-a', Routes: routes }] });

beforeEach(() => {
  ec2.on(CreateRouteCommand).resolves({ Return: true });
  ec2.on(DeleteRouteCommand).resolves({});
});

describe('ensureRoutes', () => {
  it('adds every destination to every table, to the target', async () => {
    await ensureRoutes(clients, TABLES, ROUTES, TO_GATEWAY);
    expect(ec2.commandCalls(CreateRouteCommand).map((c) => c.args[0].input)).toEqual(
      TABLES.flatMap((RouteTableId) => ROUTES.map((DestinationCidrBlock) => ({ RouteTableId, DestinationCidrBlock, ...TO_GATEWAY }))),
    );
  });

  it('routes the internet to a NAT gateway the same way', async () => {
    await ensureRoutes(clients, ['rtb-private-a'], ['0.0.0.0/0'], { NatGatewayId: 'nat-a' });
    expect(ec2.commandCalls(CreateRouteCommand)[0].args[0].input).toEqual({
      RouteTableId: 'rtb-private-a',
      DestinationCidrBlock: '0.0.0.0/0',
      NatGatewayId: 'nat-a',
    });
  });

  it.each([
    {
      holder: 'the same gateway (an earlier attempt added it)',
      route: { DestinationCidrBlock: ROUTES[0], ...TO_GATEWAY },
      outcome: 'resolves',
    },
    {
      holder: 'another gateway',
      route: { DestinationCidrBlock: ROUTES[0], TransitGatewayId: 'tgw-0fffffffffffffff0' },
      outcome: ResourceConflict,
    },
    { holder: 'a NAT gateway', route: { DestinationCidrBlock: ROUTES[0], NatGatewayId: 'nat-a' }, outcome: ResourceConflict },
    { holder: 'nothing visible yet', route: { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local' }, outcome: NotYetVisible },
  ] as const)('on RouteAlreadyExists, with the route going to $holder', async ({ route, outcome }) => {
    ec2.on(CreateRouteCommand).rejects(awsError('RouteAlreadyExists'));
    describeTable([route]);
    const result = ensureRoutes(clients, ['rtb-private-a'], [ROUTES[0]], TO_GATEWAY);
    if (outcome === 'resolves') await expect(result).resolves.toBeUndefined();
    else await expect(result).rejects.toBeInstanceOf(outcome);
    expect(ec2.commandCalls(DescribeRouteTablesCommand)[0].args[0].input).toEqual({ RouteTableIds: ['rtb-private-a'] });
  });

  it('names the route’s other target in the conflict', async () => {
    ec2.on(CreateRouteCommand).rejects(awsError('RouteAlreadyExists'));
    describeTable([{ DestinationCidrBlock: ROUTES[0], NatGatewayId: 'nat-someone' }]);
    await expect(ensureRoutes(clients, ['rtb-private-a'], [ROUTES[0]], TO_GATEWAY)).rejects.toThrow(
      `route table rtb-private-a sends ${ROUTES[0]} to nat-someone, not to ${TRANSIT_GATEWAY_ID}`,
    );
  });

  it.each([
    ['InvalidNatGatewayID.NotFound', NotYetVisible],
    ['InvalidTransitGatewayID.NotFound', NotYetVisible],
    ['InvalidRouteTableID.NotFound', NotYetVisible],
    ['RequestLimitExceeded', AwsThrottled],
    ['UnauthorizedOperation', PermissionDenied],
  ])('classifies CreateRoute failing with %s (targets it is handed are known to exist)', async (code, expected) => {
    ec2.on(CreateRouteCommand).rejects(awsError(code));
    await expect(ensureRoutes(clients, ['rtb-private-a'], ['0.0.0.0/0'], { NatGatewayId: 'nat-a' })).rejects.toBeInstanceOf(expected);
  });

  it('rethrows an error the table does not know unchanged', async () => {
    ec2.on(CreateRouteCommand).rejects(awsError('SomethingNew'));
    await expect(ensureRoutes(clients, ['rtb-private-a'], ROUTES, TO_GATEWAY)).rejects.toMatchObject({ name: 'SomethingNew' });
  });

  it('a full route table is a quota, not a retry (RouteLimitExceeded)', async () => {
    ec2.on(CreateRouteCommand).rejects(awsError('RouteLimitExceeded'));
    await expect(ensureRoutes(clients, ['rtb-private-a'], ROUTES, TO_GATEWAY)).rejects.toBeInstanceOf(QuotaExceeded);
  });
});

describe('deleteRoutes', () => {
  it('removes every destination from every table', async () => {
    await deleteRoutes(clients, TABLES, ROUTES);
    expect(ec2.commandCalls(DeleteRouteCommand).map((c) => c.args[0].input)).toEqual(
      TABLES.flatMap((RouteTableId) => ROUTES.map((DestinationCidrBlock) => ({ RouteTableId, DestinationCidrBlock }))),
    );
  });

  it.each(['InvalidRoute.NotFound', 'InvalidRouteTableID.NotFound'])('treats %s as already gone', async (code) => {
    ec2.on(DeleteRouteCommand).rejects(awsError(code));
    await expect(deleteRoutes(clients, TABLES, ROUTES)).resolves.toBeUndefined();
    expect(ec2.commandCalls(DeleteRouteCommand)).toHaveLength(4);
  });

  it.each([
    ['UnauthorizedOperation', PermissionDenied],
    ['DependencyViolation', ResourceNotReady],
  ])('classifies a delete refused with %s', async (code, expected) => {
    ec2.on(DeleteRouteCommand).rejects(awsError(code));
    await expect(deleteRoutes(clients, TABLES, ROUTES)).rejects.toBeInstanceOf(expected);
  });
});
