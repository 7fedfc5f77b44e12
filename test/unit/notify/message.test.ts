import { escapeMrkdwn, formatDuration, slackMessage, summarize, type ExecutionStatusDetail } from '../../../functions/notify/message';

const BUILD_ID = 'fin-k8s-dev-20261125-101530-ab12';
const arn = (machine: string, name: string) => `arn:aws:states:ap-northeast-2:123456789012:execution:${machine}:${name}`;
const detail = (extra: Partial<ExecutionStatusDetail>): ExecutionStatusDetail => ({
  executionArn: arn('k8s-ec2-build', BUILD_ID),
  name: BUILD_ID,
  status: 'FAILED',
  startDate: 0,
  stopDate: 65_000,
  ...extra,
});

describe('summarize', () => {
  it.each([
    {
      label: 'a preflight failure',
      extra: { error: 'PreflightFailed', cause: 'key pair fin-k8s-key not found' },
      status: 'FAILED',
      outcome: /Nothing was created/,
      failure: { error: 'PreflightFailed', cause: 'key pair fin-k8s-key not found' },
    },
    {
      label: 'a timed-out build',
      extra: { status: 'TIMED_OUT', error: null, cause: null },
      status: 'FAILED',
      outcome: /DELETE/,
      failure: { error: 'TIMED_OUT' },
    },
    { label: 'an aborted build', extra: { status: 'ABORTED' }, status: 'FAILED', outcome: /DELETE/, failure: { error: 'ABORTED' } },
    {
      label: 'a failed rollback',
      extra: { error: 'RollbackFailed', cause: '{"step":"CreateNetwork","error":"AwsUnavailable"}' },
      status: 'ROLLBACK_FAILED',
      outcome: /may remain/,
      failure: { step: 'CreateNetwork', error: 'AwsUnavailable' },
    },
  ])('reports $label as $status with what became of the resources', ({ extra, status, outcome, failure }) => {
    const summary = summarize(detail(extra));
    expect(summary).toMatchObject({ kind: 'build', buildId: BUILD_ID, status, durationMs: 65_000 });
    expect(summary.outcome).toMatch(outcome);
    expect(summary.failure).toEqual(failure);
  });

  it('takes the cluster name from the build id when the event carries no input', () => {
    expect(summarize(detail({ input: null })).cluster).toBe('fin-k8s-dev');
    expect(summarize(detail({ input: null, name: 'dev-k0123456789abcdef' })).cluster).toBe('dev');
  });

  it('reports a failed teardown with a retry hint', () => {
    const name = `${BUILD_ID}--destroy-2`;
    const summary = summarize(
      detail({ name, executionArn: arn('k8s-ec2-teardown', name), error: 'ResourceNotReady', cause: 'ENIs linger' }),
    );
    expect(summary).toMatchObject({
      kind: 'teardown',
      buildId: BUILD_ID,
      status: 'FAILED',
      failure: { error: 'ResourceNotReady', cause: 'ENIs linger' },
    });
    expect(summary.outcome).toMatch(/DELETE/);
  });

  it('tolerates output that is not JSON and a missing stop date', () => {
    const summary = summarize(detail({ status: 'SUCCEEDED', output: 'not json', stopDate: null }));
    expect(summary).toMatchObject({ status: 'SUCCEEDED', nlbDns: undefined, durationMs: undefined, failure: undefined });
  });
});

describe('slackMessage', () => {
  it('keeps Slack limits: header ≤ 150 characters, long causes truncated, mrkdwn escaped', () => {
    const message = slackMessage(
      summarize(detail({ name: `${'x'.repeat(140)}-1`, error: 'BuildRolledBack', cause: `<script>&${'y'.repeat(2000)}` })),
    );
    const header = message.blocks[0] as { text: { text: string } };
    expect(header.text.text.length).toBeLessThanOrEqual(150);
    const cause = JSON.stringify(message.blocks[2]);
    expect(cause).toContain('&lt;script&gt;&amp;');
    expect(cause.length).toBeLessThan(800);
  });

  it("puts a cost estimate in a code block of its own, escaped and under Slack's 3000 characters", () => {
    const lines = ['  3 × instance m6i.large   @ $0.1468/h', ...Array.from({ length: 100 }, (_, i) => `  note ${i} <${'z'.repeat(40)}>`)];
    const message = slackMessage(summarize(detail({ status: 'SUCCEEDED' })), { lines });
    const cost = message.blocks.find((b) => JSON.stringify(b).includes('Cost estimate')) as { text: { text: string } };
    expect(cost.text.text.startsWith('*Cost estimate while it runs*\n```  3 × instance m6i.large   @ $0.1468/h\n')).toBe(true);
    expect(cost.text.text).toContain('&lt;zzz');
    expect(cost.text.text.length).toBeLessThanOrEqual(3000);
    expect(cost.text.text.endsWith('```')).toBe(true);
    const unavailable = slackMessage(summarize(detail({ status: 'SUCCEEDED' })), {
      unavailable: 'AccessDeniedException: no pricing:GetProducts',
    });
    expect(JSON.stringify(unavailable.blocks)).toContain('*Cost estimate unavailable*: AccessDeniedException: no pricing:GetProducts');
  });

  it('ends with a link to the execution in the console', () => {
    const message = slackMessage(summarize(detail({})));
    expect(message.blocks[message.blocks.length - 1]).toEqual({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `<https://ap-northeast-2.console.aws.amazon.com/states/home?region=ap-northeast-2#/v2/executions/details/${arn('k8s-ec2-build', BUILD_ID)}|Open the execution in the Step Functions console>`,
        },
      ],
    });
  });
});

describe('preflight notes', () => {
  const notes = [
    'Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances vCPUs quota L-1216C47A not checked: Service Quotas did not answer (the endpoint answered HTTP 501); AWS enforces it at RunInstances',
  ];
  const succeeded = (outputs: object) =>
    detail({ status: 'SUCCEEDED', error: null, cause: null, output: JSON.stringify({ outputs, baseline: { checks: [] } }) });

  it('shows the notes of a successful build under their own heading', () => {
    const summary = summarize(succeeded({ notes }));
    expect(summary.notes).toEqual(notes);
    const text = JSON.stringify(slackMessage(summary).blocks);
    expect(text).toContain('*Preflight notes*');
    expect(text).toContain('quota L-1216C47A not checked');
  });

  it('adds no section for a build without notes or with output from before notes existed', () => {
    for (const outputs of [{ notes: [] }, {}]) {
      expect(JSON.stringify(slackMessage(summarize(succeeded(outputs))).blocks)).not.toContain('Preflight notes');
    }
  });
});

describe('formatting', () => {
  it.each([
    [undefined, 'unknown'],
    [-1, 'unknown'],
    [4_000, '4s'],
    [432_000, '7m 12s'],
    [3_723_000, '1h 2m 3s'],
  ])('formats %p ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('escapes the three characters Slack mrkdwn reserves', () => {
    expect(escapeMrkdwn('a < b && c > d')).toBe('a &lt; b &amp;&amp; c &gt; d');
  });
});
