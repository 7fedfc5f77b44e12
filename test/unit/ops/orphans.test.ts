import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import type { Execution } from '../../../functions/api/executions';
import { parseStateMachineArn } from '../../../functions/api/ids';
import { TAG } from '../../../functions/core/tags';
import { findOrphans, orphanReason, UNKNOWN_STACK_NOTE } from '../../../functions/ops/orphans';
import { awsError, mockAws } from '../../fixtures/aws';
import { ACCOUNT, ours, TaggedWorld } from './tagged-world';

const aws = mockAws();
const sfn = mockClient(SFNClient);
afterEach(() => sfn.reset());

const REGION = 'ap-northeast-2';
const machine = (name: string) => parseStateMachineArn(`arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`)!;
const DEPLOYMENT = 'k8s-ec2-dev';
const MACHINES = { build: machine('k8s-ec2-build'), teardown: machine('k8s-ec2-teardown'), deployment: DEPLOYMENT };
/** Our tags as a build of this deployment writes them (TAG.deployment). */
const mine = (buildId: string, cluster: string, role: string, name: string) => ({
  ...ours(buildId, cluster, role, name),
  [TAG.deployment]: DEPLOYMENT,
});
const arnOf = (machineName: string, name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:execution:${machineName}:${name}`;
const NOW = Date.parse('2026-11-25T10:00:00Z');

const execution = (status: string, error?: string) => ({ status, error }) as Execution;

describe('orphanReason', () => {
  it.each([
    { label: 'a running build', build: execution('RUNNING'), teardown: undefined },
    { label: 'a build waiting for a redrive', build: execution('PENDING_REDRIVE'), teardown: undefined },
    { label: 'a build being destroyed', build: execution('FAILED', 'RollbackFailed'), teardown: execution('RUNNING') },
    { label: 'a sweep running for a build without history', build: undefined, teardown: execution('RUNNING') },
    { label: 'a build that stands', build: execution('SUCCEEDED'), teardown: undefined },
    { label: 'a build that stands after a failed DELETE', build: execution('SUCCEEDED'), teardown: execution('FAILED') },
  ])('is not an orphan: $label (someone is, or can be, in charge of it)', ({ build, teardown }) => {
    expect(orphanReason(build, teardown)).toBeUndefined();
  });

  it.each([
    { build: undefined, teardown: undefined, reason: 'no execution found (history deleted or its state machine replaced)' },
    {
      build: undefined,
      teardown: execution('FAILED'),
      reason: 'no execution found (history deleted or its state machine replaced); last teardown FAILED',
    },
    { build: execution('FAILED', 'RollbackFailed'), teardown: undefined, reason: 'build ROLLBACK_FAILED' },
    {
      build: execution('FAILED', 'RollbackFailed'),
      teardown: execution('TIMED_OUT'),
      reason: 'build ROLLBACK_FAILED; last teardown TIMED_OUT',
    },
    { build: execution('FAILED', 'BuildRolledBack'), teardown: undefined, reason: 'build ROLLED_BACK but resources remain' },
    { build: execution('TIMED_OUT'), teardown: undefined, reason: 'build TIMED_OUT without rolling back' },
    { build: execution('ABORTED'), teardown: undefined, reason: 'build ABORTED without rolling back' },
    { build: execution('FAILED', 'PreflightFailed'), teardown: undefined, reason: 'build FAILED in preflight but resources remain' },
    { build: execution('SUCCEEDED'), teardown: execution('SUCCEEDED'), reason: 'destroyed but resources remain' },
    { build: undefined, teardown: execution('SUCCEEDED'), reason: 'destroyed but resources remain' },
  ])('says "$reason"', ({ build, teardown, reason }) => {
    expect(orphanReason(build, teardown)).toBe(reason);
  });
});

describe('findOrphans', () => {
  /** Build ids and what Step Functions holds for each (a build execution and teardowns by number). */
  const HISTORY: Record<string, { build?: { status: string; error?: string }; teardowns?: string[] }> = {
    'live-20261125-090000-aaaa': { build: { status: 'RUNNING' } },
    'stands-20261101-090000-bbbb': { build: { status: 'SUCCEEDED' } },
    'broken-20261110-090000-cccc': { build: { status: 'FAILED', error: 'RollbackFailed' }, teardowns: ['FAILED'] },
    'forgotten-20260801-090000-dddd': {},
    'leaky-20261120-090000-eeee': { build: { status: 'SUCCEEDED' }, teardowns: ['FAILED', 'SUCCEEDED'] },
  };

  beforeEach(() => {
    const world = new TaggedWorld();
    const launched = { 'live-20261125-090000-aaaa': 1, 'stands-20261101-090000-bbbb': 600, 'broken-20261110-090000-cccc': 360 };
    world.ec2 = Object.keys(HISTORY).flatMap((buildId) => {
      const cluster = buildId.split('-')[0];
      const hours = launched[buildId as keyof typeof launched];
      return [
        { type: 'vpc', id: `vpc-${cluster}`, tags: mine(buildId, cluster, 'vpc', `${cluster}-vpc`) },
        ...(hours
          ? [
              {
                type: 'instance',
                id: `i-${cluster}`,
                tags: mine(buildId, cluster, 'worker', `${cluster}-worker-1`),
                state: 'running',
                createdAt: new Date(NOW - hours * 3600_000),
              },
            ]
          : []),
      ];
    });
    world.install(aws);
    sfn.on(DescribeExecutionCommand).callsFake(({ executionArn }: { executionArn: string }) => {
      const name = executionArn.split(':').pop()!;
      const [buildId, sequence] = name.split('--destroy-');
      const history = HISTORY[buildId];
      const status = sequence ? history?.teardowns?.[Number(sequence) - 1] : history?.build?.status;
      if (!status) throw awsError('ExecutionDoesNotExist');
      return { executionArn, name, status, error: sequence ? undefined : history.build?.error, startDate: new Date(NOW) };
    });
  });

  it('groups the tagged resources of builds nobody will remove by build id, with the reason, oldest first', async () => {
    const groups = await findOrphans(aws.clients, sfn as unknown as SFNClient, MACHINES, NOW);
    expect(groups.map((g) => [g.buildId, g.clusterName, g.reason, g.ageSeconds, g.resources.map((r) => `${r.type} ${r.id}`)])).toEqual([
      [
        'broken-20261110-090000-cccc',
        'broken',
        'build ROLLBACK_FAILED; last teardown FAILED',
        360 * 3600,
        ['instance i-broken', 'vpc vpc-broken'],
      ],
      // No age AWS would tell (a VPC has no creation time): after those with one.
      [
        'forgotten-20260801-090000-dddd',
        'forgotten',
        'no execution found (history deleted or its state machine replaced)',
        undefined,
        ['vpc vpc-forgotten'],
      ],
      ['leaky-20261120-090000-eeee', 'leaky', 'destroyed but resources remain', undefined, ['vpc vpc-leaky']],
    ]);
    expect(groups[0].resources[0]).toEqual({
      type: 'instance',
      id: 'i-broken',
      name: 'broken-worker-1',
      role: 'worker',
      ageSeconds: 360 * 3600,
    });
  });

  it('reads each build by name (DescribeExecution), never by listing the account’s executions', async () => {
    await findOrphans(aws.clients, sfn as unknown as SFNClient, MACHINES, NOW);
    expect(sfn.commandCalls(ListExecutionsCommand)).toHaveLength(0);
    const asked = sfn.commandCalls(DescribeExecutionCommand).map((c) => c.args[0].input.executionArn);
    expect(asked).toContain(arnOf('k8s-ec2-build', 'leaky-20261120-090000-eeee'));
    expect(asked).toContain(arnOf('k8s-ec2-teardown', 'leaky-20261120-090000-eeee--destroy-3'));
  });

  it('leaves another deployment’s builds and another region’s IAM alone; says when a build names no deployment', async () => {
    const world = new TaggedWorld();
    const otherStack = 'prod-20260101-090000-ffff';
    const legacy = 'old-20250101-090000-gggg';
    const elsewhere = 'seoul-20260101-090000-hhhh';
    world.ec2 = [
      { type: 'vpc', id: 'vpc-prod', tags: { ...ours(otherStack, 'prod', 'vpc', 'prod-vpc'), [TAG.deployment]: 'k8s-ec2-prod' } },
      { type: 'vpc', id: 'vpc-old', tags: ours(legacy, 'old', 'vpc', 'old-vpc') },
    ];
    const profile = (buildId: string, region: string) => ({
      name: `${buildId}-ssm`,
      path: '/k8s-ec2-builder/',
      tags: { ...mine(buildId, 'seoul', 'node-instance-profile', `${buildId}-ssm`), [TAG.region]: region },
      createdAt: new Date(NOW),
    });
    world.profiles = [profile(elsewhere, 'eu-west-1')];
    world.install(aws);
    const groups = await findOrphans(aws.clients, sfn as unknown as SFNClient, MACHINES, NOW);
    expect(groups.map((g) => [g.buildId, g.reason])).toEqual([
      [legacy, `no execution found (history deleted or its state machine replaced); ${UNKNOWN_STACK_NOTE}`],
    ]);
  });

  it('fails when Step Functions cannot be read, rather than call a live build an orphan', async () => {
    sfn.on(DescribeExecutionCommand).rejects(awsError('AccessDeniedException', 403));
    await expect(findOrphans(aws.clients, sfn as unknown as SFNClient, MACHINES, NOW)).rejects.toThrow(/AccessDenied/);
  });
});
