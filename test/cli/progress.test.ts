import { formatDuration, markOf, ProgressRenderer, stepLine } from '../../cli/progress';
import { failedStep, resultLines } from '../../cli/format';
import type { BuildView } from '../../cli/api-client';

const T = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s)).toISOString();

function sink(isTTY: boolean, columns = 80) {
  const writes: string[] = [];
  return { writes, out: { isTTY, columns, write: (s: string) => writes.push(s) } };
}

const running: BuildView = {
  buildId: 'b-1',
  status: 'RUNNING',
  currentStep: 'CreateNetwork',
  steps: [
    { name: 'Preflight', status: 'succeeded', enteredAt: T(0), exitedAt: T(3) },
    { name: 'CreateNetwork', status: 'running', enteredAt: T(3) },
  ],
};

describe('ProgressRenderer on a TTY', () => {
  it('draws one line per step, then redraws in place only when the text changes', () => {
    const { out, writes } = sink(true);
    let now = Date.parse(T(10));
    const renderer = new ProgressRenderer(out, { now: () => now, color: false });

    renderer.update(running);
    renderer.update(running); // same second, same steps: nothing to write
    expect(writes).toHaveLength(1);
    expect(writes[0]).toBe(
      ['\x1b[2KBuild b-1  RUNNING  (CreateNetwork)', '\x1b[2K  ✓ Preflight      3.0s', '\x1b[2K  … CreateNetwork  7.0s', ''].join('\n'),
    );

    now += 1000;
    renderer.update(running);
    expect(writes).toHaveLength(2);
    expect(writes[1].startsWith('\x1b[3F')).toBe(true); // back to the top of the 3-line block
    expect(writes[1]).toContain('… CreateNetwork  8.0s');
  });

  it('clears the lines left over when the block gets shorter', () => {
    const { out, writes } = sink(true);
    const renderer = new ProgressRenderer(out, { now: () => Date.parse(T(10)), color: false });

    renderer.update(running);
    renderer.update({ buildId: 'b-1', status: 'RUNNING', steps: [] });

    expect(writes[1]).toBe('\x1b[3F\x1b[2KBuild b-1  RUNNING\n\x1b[2K\n\x1b[2K\n\x1b[2F');
  });

  it('cuts lines to the terminal width so that redraws stay aligned', () => {
    const { out, writes } = sink(true, 30);
    new ProgressRenderer(out, { color: false }).update({ buildId: 'a-very-long-build-id-that-wraps-0123456789', status: 'RUNNING' });
    expect(writes[0]).toBe(`\x1b[2K${'Build a-very-long-build-id-that-wraps-0123456789  RUNNING'.slice(0, 29)}\n`);
  });

  it('colours the marks unless told not to', () => {
    const { out, writes } = sink(true);
    new ProgressRenderer(out, { color: true }).update(running);
    expect(writes[0]).toContain('\x1b[32m✓\x1b[0m Preflight');
  });
});

describe('ProgressRenderer without a TTY', () => {
  it('appends each change of a step once, without escape codes', () => {
    const { out, writes } = sink(false);
    const renderer = new ProgressRenderer(out);

    renderer.update(running);
    renderer.update(running);
    renderer.update({
      ...running,
      status: 'SUCCEEDED',
      steps: [running.steps![0], { ...running.steps![1], status: 'succeeded', exitedAt: T(20) }],
    });

    expect(writes.join('')).toBe(
      [
        'Build b-1  RUNNING  (CreateNetwork)',
        '  ✓ Preflight  3.0s',
        '  … CreateNetwork',
        'Build b-1  SUCCEEDED',
        '  ✓ CreateNetwork  17s',
        '',
      ].join('\n'),
    );
  });
});

describe('what a waiting step waits for', () => {
  const ACCEPT =
    'accept attachment tgw-attach-0a1b2c3d in account 111122223333: Transit Gateway tgw-0123456789abcdef0 does not auto-accept shared attachments (pendingAcceptance)';
  const waiting = (waitingFor: string | undefined, status = 'retrying'): BuildView => ({
    ...running,
    currentStep: 'ConnectNetwork',
    steps: [running.steps![0], { name: 'ConnectNetwork', status, enteredAt: T(3), ...(waitingFor && { waitingFor }) }],
  });

  it('on a TTY, draws it on a ↳ line under the step, in the block that is redrawn', () => {
    const { out, writes } = sink(true, 200);
    const renderer = new ProgressRenderer(out, { now: () => Date.parse(T(10)), color: false });
    renderer.update(waiting(ACCEPT));
    expect(writes[0].split('\n')).toEqual([
      '\x1b[2KBuild b-1  RUNNING  (ConnectNetwork)',
      '\x1b[2K  ✓ Preflight       3.0s',
      '\x1b[2K  … ConnectNetwork  7.0s  retrying',
      `\x1b[2K      ↳ ${ACCEPT}`,
      '',
    ]);

    // The wait is over: back up over all four lines, and clear the one left over.
    renderer.update(waiting(undefined, 'running'));
    expect(writes[1].startsWith('\x1b[4F')).toBe(true);
    expect(writes[1]).not.toContain('↳');
    expect(writes[1].endsWith('\x1b[2K\n\x1b[1F')).toBe(true);
  });

  it('on a TTY, keeps it to one line of the terminal’s width', () => {
    const { out, writes } = sink(true, 60);
    new ProgressRenderer(out, { now: () => Date.parse(T(10)), color: false }).update(
      waiting('accept attachment\ntgw-attach-0a1b2c3d   now ' + 'x'.repeat(80)),
    );
    const line = writes[0].split('\n')[3];
    expect(line).toBe(`\x1b[2K${'      ↳ accept attachment tgw-attach-0a1b2c3d now xxxxxxxxxxxxxxxxxxx'.slice(0, 59)}`);
  });

  it('without a TTY, prints it once per wait, however often the message changes, and again for a new wait', () => {
    const { out, writes } = sink(false);
    const renderer = new ProgressRenderer(out);
    renderer.update(waiting(undefined, 'running'));
    renderer.update(waiting(ACCEPT));
    renderer.update(waiting(ACCEPT));
    renderer.update(waiting('NAT gateway nat-a is pending; endpoint ssm (vpce-ssm) is pending'));
    renderer.update(waiting(undefined, 'running'));
    renderer.update(waiting('NAT gateway nat-a is pending'));
    expect(writes.join('')).toBe(
      [
        'Build b-1  RUNNING  (ConnectNetwork)',
        '  ✓ Preflight  3.0s',
        '  … ConnectNetwork',
        '  … ConnectNetwork  retrying',
        `      ↳ ${ACCEPT}`,
        '  … ConnectNetwork  retrying',
        '      ↳ NAT gateway nat-a is pending',
        '',
      ].join('\n'),
    );
  });
});

describe('step lines', () => {
  it.each([
    ['succeeded', 'done'],
    ['SUCCEEDED', 'done'],
    ['failed', 'failed'],
    ['TIMED_OUT', 'failed'],
    ['running', 'running'],
    ['retrying', 'running'],
    ['pending', 'other'],
  ])('status %s is marked %s', (status, mark) => {
    expect(markOf(status)).toBe(mark);
  });

  it.each([
    [400, '0.4s'],
    [9_949, '9.9s'],
    [15_000, '15s'],
    [125_000, '2m 05s'],
    [3_720_000, '1h 02m'],
    [-1, ''],
  ])('%i ms reads %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('says the status in words when the mark alone does not (retrying, pending)', () => {
    expect(stepLine({ name: 'WaitUntilReady', status: 'retrying', enteredAt: T(0) }, { now: Date.parse(T(65)) })).toBe(
      '  … WaitUntilReady  1m 05s  retrying',
    );
    expect(stepLine({ name: 'Verify', status: 'pending' })).toBe('  · Verify  pending');
  });
});

describe('result lines', () => {
  it('names the failed step from the history when the error does not, skipping rollback steps', () => {
    const view: BuildView = {
      buildId: 'b-1',
      status: 'ROLLBACK_FAILED',
      steps: [
        { name: 'LaunchNodes', status: 'failed' },
        { name: 'RollbackNetwork', status: 'failed' },
      ],
      error: { Error: 'RollbackFailed', Cause: JSON.stringify({ errorMessage: 'DependencyViolation on sg-1' }) },
    };

    expect(failedStep(view)).toBe('LaunchNodes');
    expect(resultLines(view)).toEqual([
      '✗ Build b-1 ROLLBACK_FAILED',
      '  failed step: LaunchNodes',
      '  error: RollbackFailed: DependencyViolation on sg-1',
      '  some resources may remain: retry the teardown with  k8s-ec2 destroy b-1 --follow',
    ]);
  });

  it('reports a plain-text error of a build that FAILED in preflight', () => {
    expect(resultLines({ buildId: 'b-1', status: 'FAILED', currentStep: 'Preflight', error: 'key pair fin-k8s-key not found' })).toEqual([
      '✗ Build b-1 FAILED',
      '  failed step: Preflight',
      '  error: key pair fin-k8s-key not found',
    ]);
  });
});
