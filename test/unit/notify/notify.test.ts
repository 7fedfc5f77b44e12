import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNotifyHandler } from '../../../functions/handlers/notify';
import type { ExecutionStatusChange, SlackMessage } from '../../../functions/notify/message';
import { SLACK_TIMEOUT_MS, type FetchLike } from '../../../functions/notify/webhook';
import type { CostEstimate } from '../../../functions/ops/contracts';
import type { EstimateBuild } from '../../../functions/ops/estimate-build';
import { NOTIFY_LAMBDA_TIMEOUT_SECONDS } from '../../../workflows/steps';
import { seoulSpecInput } from '../../fixtures/build';
import { seoulOutputs } from '../../fixtures/outputs';

/** A real Slack stand-in on loopback: records what it is sent and answers as told. */
interface Sink {
  url: string;
  /** What was posted; `body` is the parsed JSON (the handler posts a SlackMessage). */
  received: Array<{ path: string; contentType?: string; body: SlackMessage }>;
  answer: (req: IncomingMessage, res: ServerResponse) => void;
  server: Server;
}

let sink: Sink;
const SECRET_PATH = '/services/T000SECRET/B000SECRET/XXXXXXXXXXXXXXXXXXXXXXXX';

beforeEach(async () => {
  const received: Sink['received'] = [];
  const state = { answer: ((_req, res) => res.writeHead(200).end('ok')) as Sink['answer'] };
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', contentType: req.headers['content-type'], body: JSON.parse(text || 'null') as SlackMessage });
      state.answer(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  sink = {
    url: `http://127.0.0.1:${port}${SECRET_PATH}`,
    received,
    server,
    get answer() {
      return state.answer;
    },
    set answer(fn) {
      state.answer = fn;
    },
  };
});

afterEach(async () => {
  sink.server.closeAllConnections();
  await new Promise<void>((resolve) => sink.server.close(() => resolve()));
});

const lines: string[] = [];
const capture =
  (level: string) =>
  (message: string, ...extra: unknown[]) =>
    void lines.push(JSON.stringify({ level, message, extra }));
const logger = { info: capture('info'), warn: capture('warn'), error: capture('error') };
afterEach(() => (lines.length = 0));

const BUILD_ID = 'fin-k8s-dev-20261125-101530-ab12';
const ARN = `arn:aws:states:ap-northeast-2:123456789012:execution:k8s-ec2-build:${BUILD_ID}`;
function event(detail: Partial<ExecutionStatusChange['detail']>): ExecutionStatusChange {
  return {
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    detail: {
      executionArn: ARN,
      stateMachineArn: 'arn:aws:states:ap-northeast-2:123456789012:stateMachine:k8s-ec2-build',
      name: BUILD_ID,
      status: 'SUCCEEDED',
      startDate: 1_764_065_730_000,
      stopDate: 1_764_065_730_000 + 432_000,
      input: JSON.stringify({ buildId: BUILD_ID, spec: seoulSpecInput() }),
      output: null,
      error: null,
      cause: null,
      ...detail,
    },
  };
}
/** What the Price List would say of the build: one price known, one not (test/unit/ops/estimate.test.ts covers the pricing). */
const ESTIMATE: CostEstimate = {
  currency: 'USD',
  region: 'ap-northeast-2',
  hoursPerMonth: 720,
  lines: [
    { item: 'instance m6i.large', count: 3, unitHourlyUsd: 0.1468, hourlyUsd: 0.4404, monthlyUsd: 317.088 },
    { item: 'network load balancer', count: 1, note: 'Price List Query API: ThrottlingException: Rate exceeded' },
  ],
  knownHourlyUsd: 0.4404,
  knownMonthlyUsd: 317.088,
  unknown: ['network load balancer'],
  source: 'AWS Price List Query API (GetProducts, us-east-1)',
  notes: [],
};
/** Success messages price the build: these tests answer from ESTIMATE instead of asking AWS. */
const estimate = () => Promise.resolve(ESTIMATE);
const handler = (timeoutMs?: number) =>
  createNotifyHandler({ resolveWebhookUrl: () => Promise.resolve(sink.url), logger, timeoutMs, estimate });
const allText = (body: unknown) => JSON.stringify(body);

describe('notify → Slack webhook (real loopback server)', () => {
  it('posts a success message with cluster, build id, status, duration, NLB DNS, bastion IP and the console link', async () => {
    const output = JSON.stringify({ outputs: seoulOutputs(), baseline: { checks: [] } });
    const result = await handler()(event({ status: 'SUCCEEDED', output }));
    expect(result).toEqual({ posted: true, status: 200 });
    expect(sink.received).toHaveLength(1);
    const [{ path, contentType, body }] = sink.received;
    expect(path).toBe(SECRET_PATH);
    expect(contentType).toBe('application/json');
    expect(body.text).toContain('fin-k8s-dev: Build SUCCEEDED');
    expect(body.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    const text = allText(body.blocks);
    for (const expected of ['fin-k8s-dev', BUILD_ID, 'SUCCEEDED', '7m 12s', seoulOutputs().loadBalancer.dnsName, '3.34.0.10'])
      expect(text).toContain(expected);
    expect(text).toContain(`https://ap-northeast-2.console.aws.amazon.com/states/home?region=ap-northeast-2#/v2/executions/details/${ARN}`);
  });

  it('posts a failure message with the failed step, the error and the rollback outcome', async () => {
    const cause = JSON.stringify({
      step: 'LaunchNodes',
      error: 'InsufficientCapacity',
      cause: 'no m6i.large <capacity> in ap-northeast-2c',
    });
    await handler()(event({ status: 'FAILED', error: 'BuildRolledBack', cause }));
    const text = allText(sink.received[0].body.blocks);
    expect(sink.received[0].body.text).toContain('Build ROLLED_BACK');
    for (const expected of [
      '*Failed step*\\nLaunchNodes',
      '*Error*\\nInsufficientCapacity',
      'no m6i.large &lt;capacity&gt; in ap-northeast-2c',
      'Rolled back',
    ])
      expect(text).toContain(expected);
    expect(text).not.toContain('NLB DNS');
  });

  it('names a teardown by its execution name and reports it DESTROYED', async () => {
    const name = `${BUILD_ID}--destroy-1`;
    await handler()(event({ name, executionArn: ARN.replace('k8s-ec2-build', 'k8s-ec2-teardown').replace(BUILD_ID, name) }));
    expect(sink.received[0].body.text).toContain('fin-k8s-dev: Teardown DESTROYED');
    expect(allText(sink.received[0].body.blocks)).toContain(`*Build id*\\n${BUILD_ID}`);
  });

  it.each(['RUNNING', 'PENDING_REDRIVE'])('does not post for %s (only final statuses post)', async (status) => {
    const result = await handler()(event({ status, stopDate: null }));
    expect(result).toEqual({ posted: false, reason: 'not-final' });
    expect(sink.received).toHaveLength(0);
  });

  it('logs and returns, without throwing, when Slack answers 500', async () => {
    sink.answer = (_req, res) => res.writeHead(500).end('invalid_payload');
    const result = await handler()(event({}));
    expect(result).toEqual({ posted: false, status: 500, reason: 'slack-error' });
    expect(lines.some((l) => l.includes('"status":500') && l.includes('"level":"error"'))).toBe(true);
  });

  it('logs and returns, without throwing, when the connection is refused', async () => {
    const closedUrl = sink.url;
    sink.server.closeAllConnections();
    await new Promise<void>((resolve) => sink.server.close(() => resolve()));
    sink.server = createServer(); // closed again by afterEach
    const result = await createNotifyHandler({ resolveWebhookUrl: () => Promise.resolve(closedUrl), logger, estimate })(event({}));
    expect(result).toEqual({ posted: false, reason: 'network-error' });
    expect(lines.join('\n')).toMatch(/slack webhook unreachable.*ECONNREFUSED/);
  });

  it('gives up after the timeout when Slack does not answer', async () => {
    sink.answer = () => undefined; // never answers
    const result = await handler(200)(event({}));
    expect(result).toEqual({ posted: false, reason: 'timeout' });
  });

  it('never writes the webhook URL, nor its secret path, to logs or return values', async () => {
    const results = [await handler()(event({}))];
    sink.answer = (_req, res) => res.writeHead(403).end('no_service');
    results.push(await handler()(event({ status: 'FAILED', error: 'RollbackFailed', cause: 'x' })));
    sink.answer = () => undefined;
    results.push(await handler(100)(event({})));
    results.push(
      await createNotifyHandler({
        resolveWebhookUrl: () => Promise.resolve('http://127.0.0.1:1/services/T000SECRET/B000SECRET/zzz'),
        logger,
        estimate,
      })(event({})),
    );
    const everything = lines.join('\n') + JSON.stringify(results);
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const secret of [sink.url, SECRET_PATH, 'T000SECRET', 'B000SECRET']) expect(everything).not.toContain(secret);
  });

  it('skips with "no webhook configured" when no URL resolves', async () => {
    const result = await createNotifyHandler({ resolveWebhookUrl: () => Promise.resolve(undefined), logger })(event({}));
    expect(result).toEqual({ posted: false, reason: 'no-webhook' });
    expect(lines.join('\n')).toContain('no webhook configured');
  });

  it('uses Secrets Manager by default, and with no SLACK_WEBHOOK_SECRET_ID set posts nothing', async () => {
    delete process.env.SLACK_WEBHOOK_SECRET_ID;
    const result = await createNotifyHandler({ logger })(event({}));
    expect(result).toEqual({ posted: false, reason: 'no-webhook' });
    expect(sink.received).toHaveLength(0);
  });

  it('does not throw when the resolver itself fails, or the event is not an execution status change', async () => {
    const failing = createNotifyHandler({ resolveWebhookUrl: async () => Promise.reject(new Error('AccessDenied')), logger });
    await expect(failing(event({}))).resolves.toEqual({ posted: false, reason: 'internal-error' });
    await expect(handler()({ 'detail-type': 'Scheduled Event', detail: {} } as never)).resolves.toEqual({
      posted: false,
      reason: 'not-an-execution-event',
    });
    expect(sink.received).toHaveLength(0);
  });
});

describe('the cost estimate of a succeeded build', () => {
  const withEstimate = (estimateBuild: EstimateBuild) =>
    createNotifyHandler({ resolveWebhookUrl: () => Promise.resolve(sink.url), logger, estimate: estimateBuild });

  it('shows each line hourly and for 30 days, an unknown price as unknown, and a total that says what it leaves out', async () => {
    const asked = jest.fn(estimate);
    expect(await withEstimate(asked)(event({ status: 'SUCCEEDED' }))).toMatchObject({ posted: true });
    expect(asked).toHaveBeenCalledWith(expect.objectContaining({ name: 'fin-k8s-dev', region: 'ap-northeast-2' }), BUILD_ID);
    const cost = JSON.stringify(sink.received[0].body.blocks.find((b) => JSON.stringify(b).includes('Cost estimate')));
    expect(cost).toMatch(/3 × instance m6i\.large +@ \$0\.1468\/h +\$0\.4404\/h +\$317\.09\/30 d/);
    expect(cost).toMatch(/1 × network load balancer +unknown/);
    expect(cost).toContain('ThrottlingException');
    expect(cost).toMatch(/Total +\$0\.4404\/h +\$317\.09\/30 d +\(leaves out the unknown: network load balancer\)/);
    expect(cost).not.toMatch(/network load balancer +\$0\.0000/);
  });

  it('still posts when the estimate fails, saying the cost estimate is unavailable and why', async () => {
    const failing = withEstimate(() => Promise.reject(Object.assign(new Error('no route to api.pricing'), { name: 'TimeoutError' })));
    expect(await failing(event({ status: 'SUCCEEDED' }))).toEqual({ posted: true, status: 200 });
    const text = allText(sink.received[0].body.blocks);
    expect(text).toContain('*Cost estimate unavailable*: TimeoutError: no route to api.pricing');
    expect(text).toContain('fin-k8s-dev');
    expect(lines.some((l) => l.includes('cost estimate unavailable') && l.includes('"level":"warn"'))).toBe(true);
  });

  it('says unavailable, without asking, when the execution input holds no spec', async () => {
    const asked = jest.fn(estimate);
    await withEstimate(asked)(event({ status: 'SUCCEEDED', input: 'not json' }));
    expect(asked).not.toHaveBeenCalled();
    expect(allText(sink.received[0].body.blocks)).toContain('*Cost estimate unavailable*: the execution input holds no spec');
  });

  it('is not asked for a failed build, a teardown, or when no webhook is configured', async () => {
    const asked = jest.fn(estimate);
    await withEstimate(asked)(event({ status: 'FAILED', error: 'BuildRolledBack', cause: '{}' }));
    const name = `${BUILD_ID}--destroy-1`;
    await withEstimate(asked)(event({ name, executionArn: ARN.replace('k8s-ec2-build', 'k8s-ec2-teardown').replace(BUILD_ID, name) }));
    await createNotifyHandler({ resolveWebhookUrl: () => Promise.resolve(undefined), logger, estimate: asked })(event({}));
    expect(asked).not.toHaveBeenCalled();
    expect(sink.received).toHaveLength(2);
    for (const { body } of sink.received) expect(allText(body)).not.toContain('Cost estimate');
  });
});

describe('the cost estimate within the time the notify Lambda has', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** Slack as a stub (fake timers and a real socket do not mix): what was posted, and how much time the invocation had left then. */
  function slackStub(remaining: () => number) {
    const posts: Array<{ text: string; remainingMs: number }> = [];
    const fetch: FetchLike = (_url, init) => {
      posts.push({ text: init.body, remainingMs: remaining() });
      return Promise.resolve({ ok: true, status: 200 });
    };
    return { posts, fetch };
  }
  /** An invocation of the deployed function: its timeout counted down on the (fake) clock. */
  function invocation(timeoutMs: number) {
    const end = Date.now() + timeoutMs;
    return { getRemainingTimeInMillis: () => end - Date.now() };
  }
  const neverAnswers: EstimateBuild = () => new Promise(() => undefined);

  it('stops waiting for a silent Price List early enough that the Slack post, with its own timeout, ends before the Lambda does', async () => {
    const context = invocation(NOTIFY_LAMBDA_TIMEOUT_SECONDS * 1000);
    const slack = slackStub(() => context.getRemainingTimeInMillis());
    // A slow secret read (3 s) leaves 12 s: the estimate gets what is left after the Slack post's 5 s and a 1 s margin.
    const resolveWebhookUrl = () => new Promise<string>((resolve) => setTimeout(() => resolve(sink.url), 3_000));
    const notify = createNotifyHandler({ resolveWebhookUrl, fetch: slack.fetch, logger, estimate: neverAnswers });
    const result = notify(event({ status: 'SUCCEEDED' }), context);

    await jest.advanceTimersByTimeAsync(3_000 + 5_999);
    expect(slack.posts).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(await result).toEqual({ posted: true, status: 200 });
    expect(slack.posts).toHaveLength(1);
    expect(slack.posts[0].text).toContain('*Cost estimate unavailable*: no answer from the Price List within 6 s');
    expect(slack.posts[0].remainingMs).toBeGreaterThan(SLACK_TIMEOUT_MS);
  });

  it('without a Lambda context waits at most 4 s, so the secret read, the wait and the post fit the 15 s', async () => {
    const start = Date.now();
    const slack = slackStub(() => NOTIFY_LAMBDA_TIMEOUT_SECONDS * 1000 - (Date.now() - start));
    const notify = createNotifyHandler({
      resolveWebhookUrl: () => Promise.resolve(sink.url),
      fetch: slack.fetch,
      logger,
      estimate: neverAnswers,
    });
    const result = notify(event({ status: 'SUCCEEDED' }));
    await jest.advanceTimersByTimeAsync(4_000);
    expect(await result).toEqual({ posted: true, status: 200 });
    expect(slack.posts[0].text).toContain('no answer from the Price List within 4 s');
    expect(slack.posts[0].remainingMs).toBeGreaterThan(SLACK_TIMEOUT_MS);
  });

  it('with no time left for it, does not ask for prices and posts the message at once', async () => {
    const context = invocation(SLACK_TIMEOUT_MS + 500);
    const slack = slackStub(() => context.getRemainingTimeInMillis());
    const asked = jest.fn(neverAnswers);
    const notify = createNotifyHandler({ resolveWebhookUrl: () => Promise.resolve(sink.url), fetch: slack.fetch, logger, estimate: asked });
    expect(await notify(event({ status: 'SUCCEEDED' }), context)).toEqual({ posted: true, status: 200 });
    expect(asked).not.toHaveBeenCalled();
    expect(slack.posts[0].text).toContain('*Cost estimate unavailable*: no time was left to ask the Price List');
  });

  it('prices the build as usual when the Price List answers in time', async () => {
    const context = invocation(NOTIFY_LAMBDA_TIMEOUT_SECONDS * 1000);
    const slack = slackStub(() => context.getRemainingTimeInMillis());
    const slowButInTime: EstimateBuild = () => new Promise((resolve) => setTimeout(() => resolve(ESTIMATE), 2_000));
    const notify = createNotifyHandler({
      resolveWebhookUrl: () => Promise.resolve(sink.url),
      fetch: slack.fetch,
      logger,
      estimate: slowButInTime,
    });
    const result = notify(event({ status: 'SUCCEEDED' }), context);
    await jest.advanceTimersByTimeAsync(2_000);
    expect(await result).toEqual({ posted: true, status: 200 });
    expect(slack.posts[0].text).toMatch(/Total +\$0\.4404\/h/);
  });
});

describe('a running build that needs a person (AnnounceActionNeeded)', () => {
  const action = 'accept attachment tgw-attach-0123456789abcdef0 in account 111122223333: Transit Gateway tgw-0123 does not auto-accept';
  const event = { kind: 'action-needed' as const, buildId: BUILD_ID, executionArn: ARN, action };

  it('posts what to do, with the build id and a link to the execution', async () => {
    const notify = createNotifyHandler({ resolveWebhookUrl: () => Promise.resolve(sink.url), logger });
    expect(await notify(event)).toMatchObject({ posted: true });
    expect(sink.received).toHaveLength(1);
    const posted = JSON.stringify(sink.received[0].body);
    expect(sink.received[0].body.text).toContain(`${BUILD_ID}: waiting for you: accept attachment tgw-attach-0123456789abcdef0`);
    expect(posted).toContain('111122223333');
    expect(posted).toContain(encodeURI(ARN).slice(0, 40));
  });

  it('never throws: no webhook, or Slack down, is an answer the workflow records and goes on from', async () => {
    const silent = createNotifyHandler({ resolveWebhookUrl: () => Promise.resolve(undefined), logger });
    expect(await silent(event)).toMatchObject({ posted: false, reason: 'no-webhook' });
    sink.answer = (_req, res) => res.writeHead(500).end('down');
    const failing = createNotifyHandler({ resolveWebhookUrl: () => Promise.resolve(sink.url), logger, timeoutMs: 1000 });
    expect(await failing(event)).toMatchObject({ posted: false });
  });
});
