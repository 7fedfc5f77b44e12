import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { BuildState } from '../../../functions/core/contracts';
import { AwsThrottled, BaselineViolation, InvalidSpec, ResourceNotReady } from '../../../functions/core/errors';
import { parseStepInput, stepHandler, type StepContext } from '../../../functions/core/step-handler';
import { BUILD_ID, seoulSpecInput, seoulState } from '../../fixtures/build';

describe('parseStepInput', () => {
  it.each<[string, unknown]>([
    ['that is missing', undefined],
    ['that is empty', ''],
    ['that is a number', 42],
    ['containing a space', 'fin k8s'],
    ['containing a slash', 'fin/k8s'],
    ['longer than 80 characters', 'b'.repeat(81)],
  ])('rejects a build id %s with InvalidSpec naming buildId', (_what, buildId) => {
    const state = { ...seoulState(), buildId } as BuildState;
    expect(() => parseStepInput(state)).toThrow(InvalidSpec);
    expect(() => parseStepInput(state)).toThrow(/^buildId: /);
  });

  it('rejects a missing state with InvalidSpec', () => {
    expect(() => parseStepInput(undefined as unknown as BuildState)).toThrow(InvalidSpec);
  });

  it.each([
    ['one character', 'a'],
    ['80 characters', 'b'.repeat(80)],
    ['letters, digits, "-" and "_"', 'fin-k8s_dev-20261125-AB12'],
  ])('accepts an execution name of %s as build id', (_what, buildId) => {
    expect(parseStepInput({ ...seoulState(), buildId }).plan.buildId).toBe(buildId);
  });

  it('returns the spec with defaults filled in and the plan for this build', () => {
    const { spec, plan } = parseStepInput(seoulState());
    expect(spec.loadBalancer.preserveClientIp).toBe(false);
    expect(spec.kubernetes.version).toBe('v1.30.4');
    expect(plan.buildId).toBe(BUILD_ID);
    expect(plan.nodes).toHaveLength(6);
  });

  it('rejects an invalid spec with InvalidSpec naming every bad field, and keeps the errors in details', () => {
    const state = seoulState({ spec: seoulSpecInput({ name: 'Fin K8s', controlPlane: { count: 2, instanceTypes: ['m6i.large'] } }) });
    const error = (() => {
      try {
        parseStepInput(state);
      } catch (e) {
        return e as InvalidSpec;
      }
      throw new Error('expected InvalidSpec');
    })();
    expect(error).toBeInstanceOf(InvalidSpec);
    expect(error.message).toMatch(/(^|; )name: use a DNS label/);
    expect(error.message).toMatch(/(^|; )controlPlane\.count: must be 1, 3, 5 or 7/);
    const fields = (error.details?.errors as Array<{ field: string }>).map((e) => e.field);
    expect(fields.sort()).toEqual(['controlPlane.count', 'name']);
  });

  it('names an unknown spec field', () => {
    const state = seoulState({ spec: { ...seoulSpecInput(), color: 'blue' } as never });
    expect(() => parseStepInput(state)).toThrow(/color: unknown field/);
  });

  it('rejects a state without a spec', () => {
    expect(() => parseStepInput({ buildId: BUILD_ID } as BuildState)).toThrow(/\(body\): the build spec must be a JSON object/);
  });
});

describe('stepHandler', () => {
  it('gives the work the state, the validated spec, the plan, clients for the spec region and a logger, and returns its result', async () => {
    let seen: StepContext | undefined;
    const handler = stepHandler('test-step', async (ctx) => {
      seen = ctx;
      return { done: true };
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
    const handler = stepHandler('test-step', async (ctx) => {
      seen = ctx;
      return 1;
    });
    await handler.withDependencies({ clientsFor })(seoulState());
    expect(clientsFor).toHaveBeenCalledWith('ap-northeast-2');
    expect(seen?.clients).toBe(clients);
  });

  it('does not run the work when the input is invalid', async () => {
    const work = jest.fn();
    await expect(stepHandler('test-step', work)({ ...seoulState(), buildId: 'no spaces please' })).rejects.toThrow(InvalidSpec);
    expect(work).not.toHaveBeenCalled();
  });

  it.each([
    ['ResourceNotReady', new ResourceNotReady('nlb provisioning')],
    ['AwsThrottled', new AwsThrottled('DescribeInstances: RequestLimitExceeded')],
    ['BaselineViolation', new BaselineViolation('imdsv2-required: cp-1')],
    ['an unclassified error', new TypeError('boom')],
  ])('lets %s propagate unchanged (Step Functions matches on its name)', async (_what, error) => {
    await expect(
      stepHandler('test-step', async () => {
        throw error;
      })(seoulState()),
    ).rejects.toBe(error);
  });

  describe('logging', () => {
    const saved = process.env.POWERTOOLS_LOG_LEVEL;
    let lines: Array<Record<string, unknown>>;
    let spies: jest.SpyInstance[];

    beforeEach(() => {
      process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
      lines = [];
      const capture = (chunk: unknown) => {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        return true;
      };
      spies = [
        jest.spyOn(process.stdout, 'write').mockImplementation(capture),
        jest.spyOn(process.stderr, 'write').mockImplementation(capture),
      ];
    });

    afterEach(() => {
      for (const spy of spies) spy.mockRestore();
      process.env.POWERTOOLS_LOG_LEVEL = saved;
    });

    it('writes JSON lines that carry the build id and the step, from the wrapper and from the work', async () => {
      await stepHandler('wait-until-ready', async ({ logger }) => {
        logger.info('checking', { nodes: 6 });
        return 1;
      })(seoulState());
      expect(lines.map((l) => l.message)).toEqual(['checking', 'step finished']);
      for (const line of lines)
        expect(line).toMatchObject({ buildId: BUILD_ID, step: 'wait-until-ready', level: 'INFO', service: 'k8s-ec2-builder' });
      expect(lines[0]).toMatchObject({ nodes: 6 });
      expect(lines[1].durationMs).toEqual(expect.any(Number));
    });

    it('logs "not ready yet" at INFO, not as an error, when the work throws ResourceNotReady', async () => {
      await expect(
        stepHandler('wait-until-ready', async () => {
          throw new ResourceNotReady('nlb provisioning');
        })(seoulState()),
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

    it('logs a failure at ERROR with the error name and whether it is retryable', async () => {
      await expect(
        stepHandler('verify-baseline', async () => {
          throw new AwsThrottled('DescribeVolumes: RequestLimitExceeded');
        })(seoulState()),
      ).rejects.toThrow(AwsThrottled);
      expect(lines).toEqual([
        expect.objectContaining({
          level: 'ERROR',
          message: 'step failed',
          errorName: 'AwsThrottled',
          retryable: true,
          buildId: BUILD_ID,
          step: 'verify-baseline',
        }),
      ]);
      expect(lines[0].error).toMatchObject({ name: 'AwsThrottled', message: 'DescribeVolumes: RequestLimitExceeded' });
    });

    it('logs an unclassified failure without a retryable flag', async () => {
      await expect(
        stepHandler('verify-baseline', async () => {
          throw new TypeError('boom');
        })(seoulState()),
      ).rejects.toThrow(TypeError);
      expect(lines[0]).toMatchObject({ level: 'ERROR', errorName: 'TypeError' });
      expect(lines[0]).not.toHaveProperty('retryable');
    });
  });
});

describe('teardown reads only the spec’s shape', () => {
  it('accepts a spec that breaks a rule across fields, so an old build stays removable', () => {
    const state = seoulState();
    (state.spec as { vpcCidr: string }).vpcCidr = '8.8.0.0/16';
    expect(() => parseStepInput(state)).toThrow(/vpcCidr/);
    expect(parseStepInput(state, 'shape').plan.vpc.cidr).toBe('8.8.0.0/16');
  });
});
