import {
  DescribeInstancesCommand,
  TerminateInstancesCommand,
  type Instance,
  type TerminateInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import { NotYetVisible, PermissionDenied } from '../../../functions/core/errors';
import type { NodePlan } from '../../../functions/core/plan';
import { TAG, toTagList } from '../../../functions/core/tags';
import { terminateInstances } from '../../../functions/resources/termination';
import { awsError, mockAws } from '../../fixtures/aws';
import { BUILD_ID, seoulPlan } from '../../fixtures/build';

const { ec2, clients } = mockAws();
const plan = seoulPlan();
const described = (node: NodePlan, id: string, state = 'running', extra: Partial<Instance> = {}): Instance => ({
  InstanceId: id,
  State: { Name: state as never },
  Placement: { AvailabilityZone: node.az },
  Tags: toTagList(node.tags),
  ...extra,
});
const reservation = (...instances: Instance[]) => ({ Reservations: [{ Instances: instances }] });
const terminated = () => ec2.commandCalls(TerminateInstancesCommand).map((call) => call.args[0].input.InstanceIds);
type Answer = ReturnType<typeof reservation> | Error;
/** DescribeInstances: `listed` for a Describe by tag, `byId[id]` for one by instance id. */
function describes(listed: Answer, byId: Record<string, Answer> = {}) {
  ec2.on(DescribeInstancesCommand).callsFake((input: { InstanceIds?: string[] }) => {
    const answer = input.InstanceIds ? byId[input.InstanceIds.join(',')] : listed;
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  });
}
const byTag = (answer: ReturnType<typeof reservation>) => describes(answer);

beforeEach(() => ec2.on(TerminateInstancesCommand).resolves({}));

describe('terminateInstances, by tag', () => {
  it.each([
    [
      'running and stopped instances',
      [described(plan.nodes[0], 'i-1'), described(plan.nodes[3], 'i-2', 'stopped')],
      ['i-1', 'i-2'],
      ['i-1', 'i-2'],
    ],
    [
      'an instance already shutting down',
      [described(plan.nodes[0], 'i-1'), described(plan.nodes[3], 'i-2', 'shutting-down')],
      ['i-1'],
      ['i-1', 'i-2'],
    ],
    ['nothing left', [], [], []],
    ['instances already terminated', [described(plan.nodes[0], 'i-1', 'terminated')], [], []],
  ])('terminates what is live among %s and reports what is not gone yet', async (_case, instances, terminating, remaining) => {
    byTag(reservation(...instances));
    await expect(terminateInstances(clients, BUILD_ID)).resolves.toEqual({ terminating, remaining });
    expect(terminated()).toEqual(terminating.length ? [terminating] : []);
  });

  it('looks for nodes and the bastion of this build by default', async () => {
    byTag(reservation());
    await terminateInstances(clients, BUILD_ID);
    expect(ec2.commandCalls(DescribeInstancesCommand)[0].args[0].input.Filters).toContainEqual({
      Name: `tag:${TAG.role}`,
      Values: ['control-plane', 'worker', 'bastion'],
    });
  });

  it('sends at most 100 ids per TerminateInstances (AWS recommends small batches)', async () => {
    const many = seoulPlan({ workers: { count: 100 }, controlPlane: { count: 7 } }).nodes.map((node, i) => described(node, `i-${i}`));
    byTag(reservation(...many));
    await terminateInstances(clients, BUILD_ID);
    expect(terminated().map((ids) => ids?.length)).toEqual([100, 7]);
  });

  it('treats an instance that is already gone as terminated, and still terminates the others', async () => {
    byTag(reservation(described(plan.nodes[0], 'i-1'), described(plan.nodes[1], 'i-gone')));
    ec2
      .on(TerminateInstancesCommand)
      .callsFake(({ InstanceIds }: TerminateInstancesCommandInput) =>
        InstanceIds?.includes('i-gone') ? Promise.reject(awsError('InvalidInstanceID.NotFound')) : Promise.resolve({}),
      );
    await expect(terminateInstances(clients, BUILD_ID)).resolves.toMatchObject({ terminating: ['i-1', 'i-gone'] });
    expect(terminated()).toEqual([['i-1', 'i-gone'], ['i-1'], ['i-gone']]);
  });

  it.each([
    ['DescribeInstances', () => ec2.on(DescribeInstancesCommand).rejects(awsError('UnauthorizedOperation'))],
    [
      'TerminateInstances',
      () => {
        byTag(reservation(described(plan.nodes[0], 'i-1')));
        ec2.on(TerminateInstancesCommand).rejects(awsError('UnauthorizedOperation'));
      },
    ],
  ])('classifies a failed %s', async (_op, arrange) => {
    arrange();
    await expect(terminateInstances(clients, BUILD_ID)).rejects.toBeInstanceOf(PermissionDenied);
  });
});

describe('terminateInstances, with the ids the state carries', () => {
  it('terminates a carried instance that a Describe by tag does not list yet, after checking by id that it is ours', async () => {
    describes(reservation(described(plan.nodes[0], 'i-listed')), { 'i-new': reservation(described(plan.nodes[1], 'i-new', 'pending')) });
    await expect(terminateInstances(clients, BUILD_ID, ['i-listed', 'i-new'])).resolves.toEqual({
      terminating: ['i-listed', 'i-new'],
      remaining: ['i-listed', 'i-new'],
    });
    expect(terminated()).toEqual([['i-listed', 'i-new']]);
  });

  it('does not describe by id a carried instance the Describe by tag lists terminated (a later run of the teardown loop)', async () => {
    describes(reservation(described(plan.nodes[0], 'i-1', 'terminated'), described(plan.nodes[1], 'i-2', 'shutting-down')));
    await expect(terminateInstances(clients, BUILD_ID, ['i-1', 'i-2'])).resolves.toEqual({ terminating: [], remaining: ['i-2'] });
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
    expect(ec2.commandCalls(DescribeInstancesCommand)[0].args[0].input.Filters).toContainEqual({
      Name: 'instance-state-name',
      Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated'],
    });
  });

  it.each([
    [
      'tagged for another build',
      {
        Tags: [
          { Key: TAG.buildId, Value: 'another-build' },
          { Key: TAG.managedBy, Value: 'k8s-ec2-builder' },
          { Key: TAG.role, Value: 'worker' },
        ],
      },
      [],
    ],
    ['already terminated', { State: { Name: 'terminated' as never } }, []],
  ])('leaves a carried instance alone, and does not wait for it, when it is %s', async (_case, extra, remaining) => {
    describes(reservation(), { 'i-x': reservation(described(plan.nodes[1], 'i-x', 'running', extra)) });
    await expect(terminateInstances(clients, BUILD_ID, ['i-x'])).resolves.toEqual({ terminating: [], remaining });
    expect(terminated()).toEqual([]);
  });

  it('reads InvalidInstanceID.NotFound for a carried id right after launch as "not visible yet" (retried), never as gone', async () => {
    describes(reservation(), { 'i-new': awsError('InvalidInstanceID.NotFound') });
    await expect(terminateInstances(clients, BUILD_ID, ['i-new'])).rejects.toBeInstanceOf(NotYetVisible);
    expect(terminated()).toEqual([]);
  });

  it('terminates what it can see before waiting for a carried id AWS does not show yet', async () => {
    describes(reservation(described(plan.nodes[0], 'i-listed')), {
      'i-new,i-unseen': awsError('InvalidInstanceID.NotFound'),
      'i-new': reservation(described(plan.nodes[1], 'i-new', 'pending')),
      'i-unseen': awsError('InvalidInstanceID.NotFound'),
    });
    await expect(terminateInstances(clients, BUILD_ID, ['i-listed', 'i-new', 'i-unseen'])).rejects.toThrow(/i-unseen/);
    expect(terminated()).toEqual([['i-listed', 'i-new']]);
  });
});
