import { DescribeTagsCommand } from '@aws-sdk/client-ec2';
import type { Execution } from '../../../functions/api/executions';
import type { OrphanGroup } from '../../../functions/ops/contracts';
import { recheckLateEnders, stoppedSince } from '../../../functions/ops/orphans-recheck';
import { mockAws } from '../../fixtures/aws';
import { ours, TaggedWorld } from './tagged-world';

/**
 * A rollback or teardown that ends between the orphan listing's inventory and its reading of the executions: the
 * build is judged ended while the inventory still holds what it was deleting.
 */
const aws = mockAws();
const STARTED = Date.parse('2026-11-25T10:00:00Z');
const ROLLED_BACK = 'dev-20261125-090000-ab12';
const DESTROYED = 'dev-20261124-090000-cd34';
const OLD = 'old-20260801-090000-ef56';

const ended = (status: string, stoppedAt?: number) =>
  ({ status, ...(stoppedAt !== undefined && { stopDate: new Date(stoppedAt) }) }) as Execution;

/** What the inventory found for each build when it started. */
function groups(): Record<string, OrphanGroup> {
  return {
    [ROLLED_BACK]: {
      buildId: ROLLED_BACK,
      clusterName: 'dev',
      reason: 'build ROLLED_BACK but resources remain',
      ageSeconds: 600,
      resources: [
        { type: 'instance', id: 'i-cp', name: 'dev-cp-1', role: 'control-plane', ageSeconds: 600 },
        { type: 'natgateway', id: 'nat-a', name: 'dev-nat-a', role: 'nat-gateway', ageSeconds: 500 },
        { type: 'vpc', id: 'vpc-1', name: 'dev-vpc', role: 'vpc' },
      ],
    },
    [DESTROYED]: {
      buildId: DESTROYED,
      reason: 'destroyed but resources remain',
      resources: [{ type: 'subnet', id: 'subnet-2', name: 'dev-private-a', role: 'private-subnet' }],
    },
    [OLD]: {
      buildId: OLD,
      reason: 'no execution found (history deleted or its state machine replaced)',
      resources: [{ type: 'vpc', id: 'vpc-old', name: 'old-vpc', role: 'vpc' }],
    },
  };
}

it('asks again only for builds whose execution stopped once the inventory had started', () => {
  expect(stoppedSince({ build: ended('FAILED', STARTED - 1) }, STARTED)).toBe(false);
  expect(stoppedSince({ build: ended('FAILED', STARTED) }, STARTED)).toBe(true);
  expect(stoppedSince({ build: ended('SUCCEEDED', STARTED - 60_000), teardown: ended('SUCCEEDED', STARTED + 1) }, STARTED)).toBe(true);
  expect(stoppedSince({}, STARTED)).toBe(false);
});

it('drops a build whose teardown ended during the listing and left nothing, and keeps what a rollback left', async () => {
  const world = new TaggedWorld();
  // The rollback deleted its instance (now terminated) and NAT gateway before it ended; the VPC is left.
  world.ec2 = [
    { type: 'vpc', id: 'vpc-1', tags: ours(ROLLED_BACK, 'dev', 'vpc', 'dev-vpc') },
    { type: 'instance', id: 'i-cp', tags: ours(ROLLED_BACK, 'dev', 'control-plane', 'dev-cp-1'), state: 'terminated' },
    { type: 'vpc', id: 'vpc-old', tags: ours(OLD, 'old', 'vpc', 'old-vpc') },
  ];
  world.install(aws);
  const found = groups();

  const rechecked = await recheckLateEnders(
    aws.clients,
    [
      { group: found[ROLLED_BACK], build: ended('FAILED', STARTED + 2_000) },
      { group: found[DESTROYED], build: ended('SUCCEEDED', STARTED - 3_600_000), teardown: ended('SUCCEEDED', STARTED + 5_000) },
      { group: found[OLD] },
    ],
    STARTED,
  );

  expect(rechecked).toEqual([
    {
      buildId: ROLLED_BACK,
      clusterName: 'dev',
      reason: 'build ROLLED_BACK but resources remain',
      resources: [{ type: 'vpc', id: 'vpc-1', name: 'dev-vpc', role: 'vpc' }],
    },
    found[OLD],
  ]);
  // Inventoried again by build id, and only the two that ended late.
  const askedFor = aws.ec2
    .commandCalls(DescribeTagsCommand)
    .map((call) => call.args[0].input.Filters?.find((f) => f.Name === 'value')?.Values?.[0])
    .filter(Boolean);
  expect(askedFor.sort()).toEqual([DESTROYED, ROLLED_BACK].sort());
});

it('keeps every group as it was, asking AWS nothing, when no execution stopped during the listing', async () => {
  new TaggedWorld().install(aws);
  const found = groups();
  const judged = [
    { group: found[ROLLED_BACK], build: ended('FAILED', STARTED - 1) },
    { group: found[DESTROYED], teardown: ended('SUCCEEDED', STARTED - 1) },
  ];
  expect(await recheckLateEnders(aws.clients, judged, STARTED)).toEqual([found[ROLLED_BACK], found[DESTROYED]]);
  expect(aws.ec2.commandCalls(DescribeTagsCommand)).toHaveLength(0);
});
