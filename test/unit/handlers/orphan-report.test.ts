import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { currentInvocation, type InvocationScope } from '../../../functions/core/retry-scope';
import { createOrphanReportHandler, ORPHAN_REPORT_DEADLINE } from '../../../functions/handlers/orphan-report';
import { SLACK_TIMEOUT_MS } from '../../../functions/notify/webhook';
import { ORPHAN_REPORT_TIMEOUT } from '../../../infra/functions';
import type { SlackMessage } from '../../../functions/notify/message';
import type { FetchLike } from '../../../functions/notify/webhook';
import { awsError, mockAws } from '../../fixtures/aws';
import { ACCOUNT, ours, TaggedWorld } from '../ops/tagged-world';

/** The daily orphan report: one Slack message listing the orphans and how to remove them; it never deletes. */
const aws = mockAws();
const sfn = mockClient(SFNClient);
afterEach(() => sfn.reset());

const REGION = 'ap-northeast-2';
const ENV = {
  AWS_REGION: REGION,
  BUILD_STATE_MACHINE_ARN: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:k8s-ec2-build`,
  TEARDOWN_STATE_MACHINE_ARN: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:k8s-ec2-teardown`,
};
const NOW = Date.parse('2026-11-25T10:00:00Z');
const FORGOTTEN = 'old-20260801-090000-aaaa';
const BROKEN = 'dev-20261120-090000-bbbb';
const WEBHOOK = 'https://hooks.slack.example/services/T0/B0/secret';

const posted: Array<{ url: string; message: SlackMessage }> = [];
let slackStatus = 200;
const fetchFake: FetchLike = (url, init) => {
  posted.push({ url, message: JSON.parse(init.body) as SlackMessage });
  return Promise.resolve({ ok: slackStatus < 300, status: slackStatus });
};
const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
afterEach(() => {
  posted.length = 0;
  slackStatus = 200;
});

function report(resolveWebhookUrl = () => Promise.resolve<string | undefined>(WEBHOOK)) {
  return createOrphanReportHandler({
    clientsFor: (region) => (region === REGION ? aws.clients : (undefined as never)),
    sfn: sfn as unknown as SFNClient,
    resolveWebhookUrl,
    fetch: fetchFake,
    logger,
    env: ENV,
    now: () => NOW,
  });
}

/** Two orphaned builds (one without any history, one whose rollback failed) and a live one. */
function account(): void {
  const world = new TaggedWorld();
  world.ec2 = [
    { type: 'vpc', id: 'vpc-old', tags: ours(FORGOTTEN, 'old', 'vpc', 'old-vpc') },
    {
      type: 'instance',
      id: 'i-old',
      tags: ours(FORGOTTEN, 'old', 'worker', 'old-worker-1'),
      state: 'running',
      createdAt: new Date(NOW - (3 * 86_400 + 4 * 3600) * 1000),
    },
    { type: 'vpc', id: 'vpc-dev', tags: ours(BROKEN, 'dev', 'vpc', 'dev-vpc') },
    { type: 'vpc', id: 'vpc-live', tags: ours('live-20261125-090000-cccc', 'live', 'vpc', 'live-vpc') },
  ];
  world.install(aws);
  const executions: Record<string, { status: string; error?: string }> = {
    [BROKEN]: { status: 'FAILED', error: 'RollbackFailed' },
    'live-20261125-090000-cccc': { status: 'RUNNING' },
  };
  sfn.on(DescribeExecutionCommand).callsFake(({ executionArn }: { executionArn: string }) => {
    const found = executions[executionArn.split(':').pop()!];
    if (!found) throw awsError('ExecutionDoesNotExist');
    return { executionArn, ...found };
  });
}

it('posts one message naming each orphaned build with its reason, what is left, its age and the sweep command', async () => {
  account();
  const result = await report()();

  expect(result).toEqual({ region: REGION, orphans: 2, resources: 3, posted: true });
  expect(posted).toHaveLength(1);
  expect(posted[0].url).toBe(WEBHOOK);
  const text = JSON.stringify(posted[0].message);
  expect(posted[0].message.text).toMatch(/^2 orphaned build\(s\) in ap-northeast-2: 3 resource\(s\)/);
  expect(text).toContain(`*${FORGOTTEN} (old)*: no execution found (history deleted or its state machine replaced)`);
  expect(text).toContain('2 resource(s): 1 instance, 1 vpc; oldest 3d 04h');
  expect(text).toContain(`k8s-ec2 sweep ${FORGOTTEN}`);
  expect(text).toContain(`*${BROKEN} (dev)*: build ROLLBACK_FAILED`);
  expect(text).toContain(`k8s-ec2 sweep ${BROKEN}`);
  expect(text).not.toContain('live-20261125');
  // Oldest first.
  expect(text.indexOf(FORGOTTEN)).toBeLessThan(text.indexOf(BROKEN));
});

it('never deletes: every AWS call it makes reads', async () => {
  account();
  await report()();
  const calls = [...aws.ec2.calls(), ...aws.elbv2.calls(), ...aws.iam.calls(), ...sfn.calls()].map((c) => c.args[0].constructor.name);
  expect(calls.length).toBeGreaterThan(0);
  for (const name of calls) expect(name).toMatch(/^(Describe|List|Get)/);
});

it('posts nothing when there is no orphan', async () => {
  new TaggedWorld().install(aws);
  expect(await report()()).toEqual({ region: REGION, orphans: 0, resources: 0, posted: false, reason: 'no-orphans' });
  expect(posted).toHaveLength(0);
});

it('posts nothing without a webhook, and says so', async () => {
  account();
  expect(await report(() => Promise.resolve(undefined))()).toMatchObject({ orphans: 2, posted: false, reason: 'no-webhook' });
  expect(posted).toHaveLength(0);
});

it('does not throw when Slack refuses the message (a retry could post it twice)', async () => {
  account();
  slackStatus = 500;
  expect(await report()()).toMatchObject({ posted: false, reason: 'slack-error' });
});

it('fails, posting nothing, when the account cannot be read', async () => {
  account();
  sfn.on(DescribeExecutionCommand).rejects(awsError('AccessDeniedException', 403));
  await expect(report()()).rejects.toThrow(/AccessDenied/);
  expect(posted).toHaveLength(0);
});

it("reads the account within one deadline: the Lambda context's remaining time less a margin that leaves time to post", async () => {
  account();
  const scopes: Array<InvocationScope | undefined> = [];
  const handler = createOrphanReportHandler({
    clientsFor: (region) => {
      scopes.push(currentInvocation());
      return region === REGION ? aws.clients : (undefined as never);
    },
    sfn: sfn as unknown as SFNClient,
    resolveWebhookUrl: () => Promise.resolve(WEBHOOK),
    fetch: fetchFake,
    logger,
    env: ENV,
    now: () => NOW,
  });
  expect(await handler({}, { getRemainingTimeInMillis: () => 50_000 })).toMatchObject({ posted: true });
  expect(scopes[0]?.deadline).toBe(NOW + 50_000 - ORPHAN_REPORT_DEADLINE.marginMs);
  expect(scopes[0]?.clock.now()).toBe(NOW);
  expect(ORPHAN_REPORT_DEADLINE.marginMs).toBeGreaterThan(SLACK_TIMEOUT_MS);
  // Without a context (a test, a script): as a fresh invocation of the function's timeout.
  await handler();
  expect(scopes[1]?.deadline).toBe(NOW + ORPHAN_REPORT_TIMEOUT.toMilliseconds() - ORPHAN_REPORT_DEADLINE.marginMs);
  expect(currentInvocation()).toBeUndefined();
});

it('refuses to run without the state machines it reads builds from', async () => {
  const handler = createOrphanReportHandler({ env: { AWS_REGION: REGION }, resolveWebhookUrl: () => Promise.resolve(undefined), logger });
  await expect(handler()).rejects.toThrow(/BUILD_STATE_MACHINE_ARN and TEARDOWN_STATE_MACHINE_ARN/);
});
