import {
  AllocateAddressCommand,
  CreateInternetGatewayCommand,
  CreateVpcCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeVpcsCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { AwsThrottled, AwsUnavailable } from '../../../functions/core/errors';
import { ensureBastion } from '../../../functions/resources/bastion';
import { ensureInternetGateway } from '../../../functions/resources/gateways';
import { ensureVpc } from '../../../functions/resources/vpc';
import { awsError, mockAws } from '../../fixtures/aws';
import { seoulPlan } from '../../fixtures/build';
import { NETWORK } from '../../fixtures/ids';

/**
 * The three creates that take no ClientToken go through `clients.ec2Once` (resends only throttles), so that an
 * answer lost after EC2 did the work is never resent by the SDK (a second VPC, gateway or address); it
 * surfaces classified, and the state machine reruns the step, which finds the resource by tag first.
 */
const { ec2, clients } = mockAws();
const plan = seoulPlan();

beforeEach(() => {
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
  ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: [] });
  ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
  ec2
    .on(DescribeInstancesCommand)
    .resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-bastion', State: { Name: 'pending' }, Tags: [] }] }] });
  ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-bastion', State: { Name: 'pending' } }] });
  ec2.on(CreateVpcCommand).resolves({ Vpc: { VpcId: 'vpc-1' } });
  ec2.on(CreateInternetGatewayCommand).resolves({ InternetGateway: { InternetGatewayId: 'igw-1' } });
  ec2.on(AllocateAddressCommand).resolves({ AllocationId: 'eipalloc-1', PublicIp: '198.51.100.7' });
});

const creates = [
  { operation: 'CreateVpc', command: CreateVpcCommand, ensure: () => ensureVpc(clients, plan) },
  {
    operation: 'CreateInternetGateway',
    command: CreateInternetGatewayCommand,
    ensure: () => ensureInternetGateway(clients, plan, 'vpc-1'),
  },
  {
    operation: 'AllocateAddress',
    command: AllocateAddressCommand,
    ensure: () => ensureBastion(clients, plan, { imageId: 'ami-1', network: NETWORK }),
  },
] as const;

describe.each(creates)('$operation (no ClientToken)', ({ operation, command, ensure }) => {
  const calls = () => ec2.commandCalls(command);

  it('is sent once, through the EC2 client that never resends a request EC2 may have carried out', async () => {
    await ensure();
    expect(calls()).toHaveLength(1);
    const client: unknown = calls()[0].thisValue;
    // Named rather than compared as objects: a failure then reads "ec2" instead of two client dumps.
    expect(client === clients.ec2Once ? 'ec2Once' : client === clients.ec2 ? 'ec2' : 'another client').toBe('ec2Once');
  });

  it.each([
    ['a 500 whose answer was lost', awsError('InternalError', 500), AwsUnavailable],
    ['a 503 throttle', awsError('RequestLimitExceeded', 503), AwsThrottled],
  ])('surfaces %s as a retryable step error naming the operation, without calling again itself', async (_case, error, errorClass) => {
    ec2.on(command).rejects(error);
    const thrown = await ensure().catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(errorClass);
    expect((thrown as Error).message).toContain(operation);
    expect(calls()).toHaveLength(1);
  });
});
