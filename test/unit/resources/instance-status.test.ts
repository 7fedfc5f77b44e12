import { DescribeInstanceStatusCommand } from '@aws-sdk/client-ec2';
import { AwsThrottled, NotYetVisible } from '../../../functions/core/errors';
import { describeStatusChecks, statusChecksPassed, type StatusChecks } from '../../../functions/resources/instance-status';
import { awsError, mockAws } from '../../fixtures/aws';

const { ec2, clients } = mockAws();
const status = (id: string, state: string, system: string, instance: string) => ({
  InstanceId: id,
  InstanceState: { Name: state as 'running', Code: 16 },
  SystemStatus: { Status: system as 'ok' },
  InstanceStatus: { Status: instance as 'ok' },
});

describe('describeStatusChecks', () => {
  it('makes no call for no instances', async () => {
    await expect(describeStatusChecks(clients, [])).resolves.toEqual(new Map());
    expect(ec2.calls()).toHaveLength(0);
  });

  it('asks for all instances, pending ones included, and maps both checks by instance id', async () => {
    ec2.on(DescribeInstanceStatusCommand).resolves({
      InstanceStatuses: [status('i-1', 'running', 'ok', 'ok'), status('i-2', 'pending', 'not-applicable', 'not-applicable')],
    });
    const checks = await describeStatusChecks(clients, ['i-1', 'i-2']);
    expect(ec2.commandCalls(DescribeInstanceStatusCommand)[0].args[0].input).toEqual({
      InstanceIds: ['i-1', 'i-2'],
      IncludeAllInstances: true,
    });
    expect(checks.get('i-1')).toEqual({ instanceId: 'i-1', state: 'running', system: 'ok', instance: 'ok' });
    expect(checks.get('i-2')).toEqual({ instanceId: 'i-2', state: 'pending', system: 'not-applicable', instance: 'not-applicable' });
  });

  it('follows NextToken through every page', async () => {
    ec2
      .on(DescribeInstanceStatusCommand)
      .resolvesOnce({ InstanceStatuses: [status('i-1', 'running', 'ok', 'ok')], NextToken: 'page-2' })
      .resolvesOnce({ InstanceStatuses: [status('i-2', 'running', 'initializing', 'ok')] });
    const checks = await describeStatusChecks(clients, ['i-1', 'i-2']);
    expect([...checks.keys()]).toEqual(['i-1', 'i-2']);
    expect(ec2.commandCalls(DescribeInstanceStatusCommand)[1].args[0].input).toMatchObject({ NextToken: 'page-2' });
  });

  it('reports missing fields as unknown and skips entries without an instance id', async () => {
    ec2.on(DescribeInstanceStatusCommand).resolves({ InstanceStatuses: [{ InstanceId: 'i-1' }, { SystemStatus: { Status: 'ok' } }] });
    const checks = await describeStatusChecks(clients, ['i-1']);
    expect([...checks.values()]).toEqual([{ instanceId: 'i-1', state: 'unknown', system: 'unknown', instance: 'unknown' }]);
  });

  it.each([
    ['RequestLimitExceeded', 'AwsThrottled', AwsThrottled],
    ['InvalidInstanceID.NotFound', 'NotYetVisible', NotYetVisible],
  ])('translates %s into %s', async (code, _name, errorClass) => {
    ec2.on(DescribeInstanceStatusCommand).rejects(awsError(code));
    const error = await describeStatusChecks(clients, ['i-1']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errorClass);
    expect((error as Error).message).toContain(`ec2:DescribeInstanceStatus: ${code}`);
  });
});

describe('statusChecksPassed', () => {
  const checks = (state: string, system: string, instance: string): StatusChecks => ({ instanceId: 'i-1', state, system, instance });
  it.each<[boolean, string, StatusChecks | undefined]>([
    [true, 'running with both checks ok', checks('running', 'ok', 'ok')],
    [false, 'there is no status yet', undefined],
    [false, 'pending', checks('pending', 'not-applicable', 'not-applicable')],
    [false, 'the system check is initializing', checks('running', 'initializing', 'ok')],
    [false, 'the instance check is initializing', checks('running', 'ok', 'initializing')],
    [false, 'the instance check is impaired', checks('running', 'ok', 'impaired')],
    [false, 'stopped with stale ok checks', checks('stopped', 'ok', 'ok')],
  ])('is %p when %s', (expected, _what, value) => {
    expect(statusChecksPassed(value)).toBe(expected);
  });
});

describe('describeStatusChecks with more instances than one call takes', () => {
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `i-${String(i).padStart(17, '0')}`);

  it.each<[string, number, number[]]>([
    ['exactly the limit', 100, [100]],
    ['the largest build (7 control planes, 100 workers, the bastion)', 108, [100, 8]],
    ['more than two calls worth', 250, [100, 100, 50]],
  ])('asks at most 100 IDs per call for %s', async (_what, count, sizes) => {
    ec2.on(DescribeInstanceStatusCommand).callsFake((input: { InstanceIds: string[] }) => ({
      InstanceStatuses: input.InstanceIds.map((id) => status(id, 'running', 'ok', 'ok')),
    }));
    const checks = await describeStatusChecks(clients, ids(count));
    expect(ec2.commandCalls(DescribeInstanceStatusCommand).map((c) => c.args[0].input.InstanceIds?.length)).toEqual(sizes);
    expect([...checks.keys()]).toEqual(ids(count));
  });
});
