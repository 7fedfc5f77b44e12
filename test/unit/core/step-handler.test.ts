import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { BuildState } from '../../../functions/core/contracts';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { createClients } from '../../../functions/core/clients';
import {
  aws,
  AwaitingAction,
  AwsThrottled,
  AwsUnavailable,
  BaselineViolation,
  NotYetVisible,
  ResourceNotReady,
  WorkflowContractError,
} from '../../../functions/core/errors';
import type { BuildSpec } from '../../../functions/core/spec';
import { AWS_RETRY_MARGIN_MS, createStepHandler, parseStepInput, type StepContext } from '../../../functions/core/step-handler';
import { STEP_LAMBDA_TIMEOUT_SECONDS } from '../../../workflows/steps';
import { BUILD_ID, EXECUTION_ARN, seoulSpec, seoulState } from '../../fixtures/build';
import { scriptedEc2, TEST_CREDENTIALS, type Answer } from './scripted-ec2';

describe('parseStepInput', () => {
  it.each<[string, unknown]>([
    ['that is missing', undefined],
    ['that is empty', ''],
    ['that is a number', 42],
    ['containing a space', 'fin k8s'],
    ['containing a slash', 'fin/k8s'],
    ['longer than 80 characters', 'b'.repeat(81)],
  ])('rejects a build id %s as our bug (WorkflowContractError naming $.buildId), not the user’s spec', (_what, buildId) => {
    const state = { ...seoulState(), buildId } as BuildState;
    expect(() => parseStepInput(state)).toThrow(WorkflowContractError);
    expect(() => parseStepInput(state)).toThrow(
      /^workflow contract broken \(a k8s-ec2-builder bug, not a problem with your spec\): \$\.buildId: /,
    );
  });

  it('rejects a missing state with WorkflowContractError', () => {
    expect(() => parseStepInput(undefined as unknown as BuildState)).toThrow(WorkflowContractError);
  });

  it.each([
    ['one character', 'a'],
    ['80 characters', 'b'.repeat(80)],
    ['letters, digits, "-" and "_"', 'fin-k8s_dev-20261125-AB12'],
  ])('accepts an execution name of %s as build id', (_what, buildId) => {
    expect(parseStepInput({ ...seoulState(), buildId }).plan.buildId).toBe(buildId);
  });

  it('returns the stored spec as it is and the plan for this build', () => {
    const state = seoulState();
    const { spec, plan } = parseStepInput(state);
    expect(spec).toEqual(state.spec);
    expect(spec.loadBalancer.preserveClientIp).toBe(false);
    expect(plan.buildId).toBe(BUILD_ID);
    expect(plan.nodes).toHaveLength(6);
  });

  it('fills in no default: a stored spec that lacks one is refused, naming the field', () => {
    const lacking: Partial<BuildSpec> = seoulSpec();
    delete lacking.kubernetes;
    expect(() => parseStepInput(seoulState({ spec: lacking as never }))).toThrow(
      /\$\.spec\.kubernetes: the stored spec lacks this field or its default/,
    );
  });

  it('applies no rule across fields: a build valid when it started stays buildable and removable after a rule tightens', () => {
    const state = seoulState({ spec: { ...seoulSpec(), vpcCidr: '8.8.0.0/16' } });
    expect(parseStepInput(state).plan.vpc.cidr).toBe('8.8.0.0/16');
  });

  it.each([
    ['without a specVersion', undefined],
    ['of a later specVersion', 3],
  ])('refuses an input %s (not written by this API)', (_what, specVersion) => {
    expect(() => parseStepInput({ ...seoulState(), specVersion } as BuildState)).toThrow(
      /\$\.specVersion: this release reads normalised specs up to version 2/,
    );
  });

  it('reads a version 1 input (started by the previous release) as what that release built: a bastion, no endpoints', () => {
    const versionOne = seoulSpec();
    Reflect.deleteProperty(versionOne, 'endpoints');
    Reflect.deleteProperty(versionOne.bastion, 'enabled');
    const { spec, plan } = parseStepInput({ ...seoulState(), specVersion: 1, spec: versionOne });
    expect(spec).toEqual(seoulSpec());
    expect(spec.bastion.enabled).toBe(true);
    expect(spec.endpoints).toEqual([]);
    expect(plan.publicSubnets).toHaveLength(1);
    expect(plan.internetGateway).toBeDefined();
  });

  it('refuses a version 2 input that lacks a field version 2 added: only version 1 inputs get the defaults', () => {
    const lacking = seoulSpec();
    Reflect.deleteProperty(lacking, 'endpoints');
    expect(() => parseStepInput(seoulState({ spec: lacking }))).toThrow(
      /\$\.spec\.endpoints: the stored spec lacks this field or its default/,
    );
  });

  it('names an unknown spec field', () => {
    const state = seoulState({ spec: { ...seoulSpec(), color: 'blue' } as never });
    expect(() => parseStepInput(state)).toThrow(/\$\.spec\.color: unknown field/);
  });

  it('rejects a state without a spec', () => {
    expect(() => parseStepInput({ ...seoulState(), spec: undefined } as unknown as BuildState)).toThrow(
      /\$\.spec\.\(body\): the build spec must be a JSON object/,
    );
  });
});

describe('createStepHandler', () => {
  it('gives the work the state, the validated spec, the plan, clients for the spec region and a logger, and returns its result', async () => {
    let seen: StepContext | undefined;
    const handler = createStepHandler('test-step', (ctx) => {
      seen = ctx;
      return Promise.resolve({ done: true });
    });
    const state = seoulState();
    await expect(handler(state)).resolves.toEqual({ done: true });
    expect(seen?.state).toBe(state);
    expect(seen?.spec.name).toBe('fin-k8s-dev');
    expect(seen?.plan.buildId).toBe(BUILD_ID);
    expect(seen?.clients.ec2).toBeInstanceOf(EC2Client);
    expect(seen?.clients.elbv2).toBeInstanceOf(ElasticLoadBalancingV2Client);
    expect(await seen?.clients.ec2.config.region()).toBe('ap-northeast-2');
  });

  it('takes its clients from the dependencies it is given (another runtime, another role), for the spec region', async () => {
    const clients = { ec2: new EC2Client({ region: 'ap-northeast-2' }) } as StepContext['clients'];
    const clientsFor = jest.fn(() => clients);
    let seen: StepContext | undefined;
    const handler = createStepHandler('test-step', (ctx) => {
      seen = ctx;
      return Promise.resolve(1);
    });
    await handler.withDependencies({ clientsFor })(seoulState());
    expect(clientsFor).toHaveBeenCalledWith('ap-northeast-2');
    expect(seen?.clients).toBe(clients);
  });

  it('does not run the work when the input is invalid', async () => {
    const work = jest.fn();
    await expect(createStepHandler('test-step', work)({ ...seoulState(), buildId: 'no spaces please' })).rejects.toThrow(
      WorkflowContractError,
    );
    expect(work).not.toHaveBeenCalled();
  });

  it.each([
    ['ResourceNotReady', new ResourceNotReady('nlb provisioning')],
    ['AwsThrottled', new AwsThrottled('DescribeInstances: RequestLimitExceeded')],
    ['BaselineViolation', new BaselineViolation('imdsv2-required: cp-1')],
    ['an unclassified error', new TypeError('boom')],
  ])('lets %s propagate unchanged (Step Functions matches on its name)', async (_what, error) => {
    await expect(createStepHandler('test-step', () => Promise.reject(error))(seoulState())).rejects.toBe(error);
  });

  describe('logging', () => {
    let lines: Array<Record<string, unknown>>;
    let spies: jest.SpyInstance[];

    beforeEach(() => {
      lines = [];
      const capture = (chunk: unknown) => {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        return true;
      };
      spies = [
        jest.spyOn(process.stdout, 'write').mockImplementation(capture),
        jest.spyOn(process.stderr, 'write').mockImplementation(capture),
      ];
    });

    afterEach(() => {
      for (const spy of spies) spy.mockRestore();
    });

    /** The function's logger as a runtime injects it (the default reads POWERTOOLS_LOG_LEVEL, SILENT in tests). */
    const atInfo = <R>(handler: ReturnType<typeof createStepHandler<R>>) =>
      handler.withDependencies({ logger: new Logger({ serviceName: 'k8s-ec2-builder', logLevel: 'INFO' }) });

    const lambdaContext = (awsRequestId: string): Context =>
      ({
        awsRequestId,
        functionName: 'k8s-ec2-builder-wait-until-ready',
        functionVersion: '$LATEST',
        invokedFunctionArn: 'arn:aws:lambda:ap-northeast-2:123456789012:function:k8s-ec2-builder-wait-until-ready',
        memoryLimitInMB: '512',
      }) as Context;

    it('carries the Lambda context, the build id, the step and the execution ARN on every line; cold start only on the first invocation', async () => {
      const handler = atInfo(
        createStepHandler('wait-until-ready', ({ logger }) => {
          logger.info('checking');
          return Promise.resolve(1);
        }),
      );
      // Powertools reports cold starts only under Lambda's on-demand initialisation, which sets this variable.
      process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
      try {
        await handler(seoulState(), lambdaContext('req-1'));
        await handler(seoulState(), lambdaContext('req-2'));
      } finally {
        delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
      }
      expect(lines).toHaveLength(4);
      for (const line of lines) {
        expect(line).toMatchObject({
          buildId: BUILD_ID,
          step: 'wait-until-ready',
          executionArn: EXECUTION_ARN,
          function_name: 'k8s-ec2-builder-wait-until-ready',
        });
      }
      expect(lines.map((l) => [l.function_request_id, l.cold_start])).toEqual([
        ['req-1', true],
        ['req-1', true],
        ['req-2', false],
        ['req-2', false],
      ]);
    });

    it('keeps concurrent invocations’ keys apart (the local runtime runs many executions in one process)', async () => {
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const handler = atInfo(
        createStepHandler('wait-until-ready', async ({ logger }) => {
          await gate;
          logger.info('checking');
          return 1;
        }),
      );
      const first = handler({ ...seoulState(), buildId: 'build-one' }, lambdaContext('req-1'));
      const second = handler({ ...seoulState(), buildId: 'build-two' }, lambdaContext('req-2'));
      release();
      await Promise.all([first, second]);
      const checking = lines.filter((l) => l.message === 'checking').map((l) => [l.buildId, l.function_request_id]);
      expect(checking.sort()).toEqual([
        ['build-one', 'req-1'],
        ['build-two', 'req-2'],
      ]);
    });

    it('writes JSON lines that carry the build id and the step, from the wrapper and from the work', async () => {
      await atInfo(
        createStepHandler('wait-until-ready', ({ logger }) => {
          logger.info('checking', { nodes: 6 });
          return Promise.resolve(1);
        }),
      )(seoulState());
      expect(lines.map((l) => l.message)).toEqual(['checking', 'step finished']);
      for (const line of lines)
        expect(line).toMatchObject({ buildId: BUILD_ID, step: 'wait-until-ready', level: 'INFO', service: 'k8s-ec2-builder' });
      expect(lines[0]).toMatchObject({ nodes: 6 });
      expect(lines[1].durationMs).toEqual(expect.any(Number));
    });

    it('logs "not ready yet" at INFO, not as an error, when the work throws ResourceNotReady', async () => {
      await expect(
        atInfo(createStepHandler('wait-until-ready', () => Promise.reject(new ResourceNotReady('nlb provisioning'))))(seoulState()),
      ).rejects.toThrow(ResourceNotReady);
      expect(lines).toEqual([
        expect.objectContaining({
          level: 'INFO',
          message: 'not ready yet',
          reason: 'nlb provisioning',
          buildId: BUILD_ID,
          step: 'wait-until-ready',
        }),
      ]);
    });

    it('logs a terminal failure at ERROR with the error name, the error (stack included) and that it is not retryable', async () => {
      await expect(
        atInfo(createStepHandler('verify-baseline', () => Promise.reject(new BaselineViolation('imdsv2-required: cp-1'))))(seoulState()),
      ).rejects.toThrow(BaselineViolation);
      expect(lines).toEqual([
        expect.objectContaining({
          level: 'ERROR',
          message: 'step failed',
          errorName: 'BaselineViolation',
          retryable: false,
          buildId: BUILD_ID,
          step: 'verify-baseline',
        }),
      ]);
      expect(lines[0].error).toMatchObject({ name: 'BaselineViolation', message: 'imdsv2-required: cp-1' });
      expect(typeof (lines[0].error as { stack?: unknown }).stack).toBe('string');
    });

    it.each([
      ['AwsThrottled', new AwsThrottled('DescribeVolumes: RequestLimitExceeded: Rate exceeded', { awsCode: 'RequestLimitExceeded' })],
      ['AwsUnavailable', new AwsUnavailable('DescribeVolumes: InternalError: oops', { awsCode: 'InternalError' })],
      ['NotYetVisible', new NotYetVisible('DescribeVolumes: InvalidVolume.NotFound: not yet', { awsCode: 'InvalidVolume.NotFound' })],
    ])('logs %s, which the state machine retries, as one WARN line without a stack, never ERROR', async (name, error) => {
      await expect(atInfo(createStepHandler('verify-baseline', () => Promise.reject(error)))(seoulState())).rejects.toBe(error);
      expect(lines).toEqual([
        expect.objectContaining({
          level: 'WARN',
          message: 'step will be retried by the state machine',
          errorName: name,
          errorMessage: error.message,
          awsCode: error.awsCode,
          step: 'verify-baseline',
        }),
      ]);
      expect(lines[0]).not.toHaveProperty('error');
      expect(JSON.stringify(lines[0])).not.toContain('    at ');
    });

    it('logs waiting for a person at INFO, not as an error', async () => {
      await expect(
        atInfo(createStepHandler('connect-network', () => Promise.reject(new AwaitingAction('accept the attachment'))))(seoulState()),
      ).rejects.toThrow(AwaitingAction);
      expect(lines).toEqual([expect.objectContaining({ level: 'INFO', message: 'waiting for a person', reason: 'accept the attachment' })]);
    });

    it('logs an unclassified failure without a retryable flag', async () => {
      await expect(atInfo(createStepHandler('verify-baseline', () => Promise.reject(new TypeError('boom'))))(seoulState())).rejects.toThrow(
        TypeError,
      );
      expect(lines[0]).toMatchObject({ level: 'ERROR', errorName: 'TypeError' });
      expect(lines[0]).not.toHaveProperty('retryable');
    });

    describe('AWS throttling inside the invocation (a real SDK client against a throttling endpoint)', () => {
      let close: () => Promise<void> = () => Promise.resolve();
      afterEach(() => close());

      /** A step that reads the VPCs once, as a handler does (through `aws`), on `clock`, with SDK delays slept a thousandfold shorter. */
      const describingStep = async (answers: Answer[], then: Answer, clock: { now(): number }, onRequest?: () => void) => {
        const ec2 = await scriptedEc2(answers, then, onRequest);
        close = ec2.close;
        const clients = createClients('ap-northeast-2', { AWS_ENDPOINT_URL_EC2: ec2.url }, TEST_CREDENTIALS, {
          retry: { clock, delayScale: 1000 },
        });
        const handler = createStepHandler('create-network', ({ clients: c }) =>
          aws('DescribeVpcs', () => c.ec2.send(new DescribeVpcsCommand({}))),
        );
        return {
          ec2,
          run: handler.withDependencies({
            clientsFor: () => clients,
            clock,
            logger: new Logger({ serviceName: 'k8s-ec2-builder', logLevel: 'INFO' }),
          }),
        };
      };

      it('logs one WARN line per throttle the SDK resent, no ERROR, and the count on the step’s last line', async () => {
        const { run, ec2 } = await describingStep(['throttle', 'throttle'], 'ok', { now: () => Date.now() });
        await run(seoulState());
        expect(ec2.actions).toHaveLength(3);
        const throttles = lines.filter((l) => l.message === 'AWS throttled the call; retrying');
        expect(throttles).toEqual([
          expect.objectContaining({
            level: 'WARN',
            operation: 'DescribeVpcs',
            awsService: 'EC2',
            attempt: 1,
            errorCode: 'RequestLimitExceeded',
            step: 'create-network',
          }),
          expect.objectContaining({
            level: 'WARN',
            operation: 'DescribeVpcs',
            awsService: 'EC2',
            attempt: 2,
            errorCode: 'RequestLimitExceeded',
            step: 'create-network',
          }),
        ]);
        for (const line of throttles) expect(line.delayMs).toEqual(expect.any(Number));
        expect(lines.filter((l) => l.level === 'ERROR')).toEqual([]);
        expect(lines.at(-1)).toMatchObject({ level: 'INFO', message: 'step finished', throttleRetries: 2 });
      });

      it(`stops resending ${AWS_RETRY_MARGIN_MS / 1000} s before the Lambda's end, on the step's clock, and fails as AwsThrottled (a WARN, no ERROR)`, async () => {
        // Simulated time: each request to AWS takes a second.
        let now = 0;
        const clock = { now: () => now };
        const { run, ec2 } = await describingStep([], 'throttle', clock, () => (now += 1000));
        const context = {
          awsRequestId: 'req-1',
          functionName: 'k8s-ec2-builder-create-network',
          getRemainingTimeInMillis: () => AWS_RETRY_MARGIN_MS + 3000,
        } as Context;
        await expect(run(seoulState(), context)).rejects.toMatchObject({ name: 'AwsThrottled', awsCode: 'RequestLimitExceeded' });
        // 3 s to the deadline, a second per request: at most 3 attempts.
        expect(ec2.actions.length).toBeGreaterThanOrEqual(1);
        expect(ec2.actions.length).toBeLessThanOrEqual(3);
        expect(lines.filter((l) => l.message === 'AWS throttled the call; retrying')).toHaveLength(ec2.actions.length - 1);
        expect(lines.at(-1)).toMatchObject({
          level: 'WARN',
          message: 'step will be retried by the state machine',
          errorName: 'AwsThrottled',
          awsCode: 'RequestLimitExceeded',
        });
        expect(lines.filter((l) => l.level === 'ERROR')).toEqual([]);
      });

      it(`without a Lambda context, budgets as a fresh invocation of the steps' ${STEP_LAMBDA_TIMEOUT_SECONDS} s timeout`, async () => {
        let now = 0;
        const { run, ec2 } = await describingStep([], 'throttle', { now: () => now }, () => (now += 10_000));
        await expect(run(seoulState())).rejects.toMatchObject({ name: 'AwsThrottled' });
        // (60 − 10) s at 10 s per request: the fifth request is at 50 s, with no time left for another wait.
        expect(ec2.actions.length).toBeLessThanOrEqual(5);
        expect(ec2.actions.length).toBeGreaterThanOrEqual(2);
      });
    });
  });
});
