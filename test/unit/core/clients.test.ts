import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { createClients, clientsFor, endpointFor, type AwsClients } from '../../../functions/core/clients';
import { QuotaExceeded, translateAwsError } from '../../../functions/core/errors';
import { withinInvocation, type InvocationScope } from '../../../functions/core/retry-scope';
import type { RetryStrategyV2 } from '../../../functions/core/retry-strategy';
import { EventClock } from '../../../local/cloud/event-clock';
import { scriptedEc2, TEST_CREDENTIALS, type Answer } from './scripted-ec2';

const STILL = { now: () => 1_000_000 };
const throttled = Object.assign(new Error('Request limit exceeded.'), { name: 'RequestLimitExceeded' });

describe('client factory', () => {
  it('prefers the service endpoint variable, then the global one', () => {
    expect(endpointFor('EC2', { AWS_ENDPOINT_URL_EC2: 'http://127.0.0.1:1', AWS_ENDPOINT_URL: 'http://127.0.0.1:2' })).toBe(
      'http://127.0.0.1:1',
    );
    expect(endpointFor('EC2', { AWS_ENDPOINT_URL: 'http://127.0.0.1:2' })).toBe('http://127.0.0.1:2');
    expect(endpointFor('EC2', {})).toBeUndefined();
  });

  it('builds clients for the region and endpoint', async () => {
    const clients = createClients('eu-west-1', { AWS_ENDPOINT_URL_EC2: 'http://127.0.0.1:4566' });
    expect(await clients.ec2.config.region()).toBe('eu-west-1');
    const endpoint = await clients.ec2.config.endpoint?.();
    expect(endpoint?.hostname).toBe('127.0.0.1');
    expect(endpoint?.port).toBe(4566);
  });

  it('builds the EC2 client for creates without ClientToken at the same region and endpoint, with its own retry strategy', async () => {
    const clients = createClients('eu-west-1', { AWS_ENDPOINT_URL_EC2: 'http://127.0.0.1:4566' });
    expect(clients.ec2Once).not.toBe(clients.ec2);
    expect(await clients.ec2Once.config.region()).toBe('eu-west-1');
    expect((await clients.ec2Once.config.endpoint?.())?.port).toBe(4566);
    const strategy = (await clients.ec2Once.config.retryStrategy()) as RetryStrategyV2;
    const first = await strategy.acquireInitialRetryToken('');
    await expect(strategy.refreshRetryTokenForRetry(first, { errorType: 'TRANSIENT' })).rejects.toBeDefined();
    await expect(strategy.refreshRetryTokenForRetry(first, { errorType: 'THROTTLING', error: throttled as never })).resolves.toBeDefined();
  });

  it('builds every client with the product retry strategy: throttles resent with no attempt cap, a 500 resent too (but by ec2Once)', async () => {
    const clients = createClients('eu-west-1', {}, undefined, { retry: { clock: STILL } });
    for (const client of [clients.ec2, clients.elbv2, clients.quotas, clients.iam]) {
      const strategy = (await client.config.retryStrategy()) as RetryStrategyV2;
      let token = await strategy.acquireInitialRetryToken('');
      for (let n = 0; n < 10; n++)
        token = await strategy.refreshRetryTokenForRetry(token, { errorType: 'THROTTLING', error: throttled as never });
      // A 500 is TRANSIENT to the SDK: resent here, what ec2Once must not do.
      await expect(strategy.refreshRetryTokenForRetry(token, { errorType: 'TRANSIENT' })).resolves.toBeDefined();
    }
  });

  it('reuses clients for the same region and endpoints', () => {
    expect(clientsFor('ap-northeast-2', {})).toBe(clientsFor('ap-northeast-2', {}));
    expect(clientsFor('ap-northeast-2', {}).ec2Once).toBe(clientsFor('ap-northeast-2', {}).ec2Once);
    expect(clientsFor('ap-northeast-2', {})).not.toBe(clientsFor('us-east-1', {}));
  });

  it('keeps one set per retry delay scale (the local runtime sleeps simulated waits scaled down)', () => {
    const scaled = clientsFor('ap-northeast-2', {}, undefined, { retry: { delayScale: 60 } });
    expect(scaled).not.toBe(clientsFor('ap-northeast-2', {}));
    expect(scaled).toBe(clientsFor('ap-northeast-2', {}, undefined, { retry: { delayScale: 60 } }));
  });

  it('keeps one set per clock (local stacks on different clocks in one process wait on their own)', () => {
    const one = { now: () => 0 };
    const other = { now: () => 0 };
    const onOne = clientsFor('ap-northeast-2', {}, undefined, { retry: { clock: one } });
    expect(onOne).toBe(clientsFor('ap-northeast-2', {}, undefined, { retry: { clock: one } }));
    expect(onOne).not.toBe(clientsFor('ap-northeast-2', {}, undefined, { retry: { clock: other } }));
  });

  it('signs every client with the credentials it is given, and keeps one set per access key', async () => {
    const role = { accessKeyId: 'ASIAROLEONE', secretAccessKey: 'secret' };
    const clients = createClients('eu-west-1', {}, role);
    for (const client of [clients.ec2, clients.ec2Once, clients.elbv2, clients.quotas]) {
      expect(await client.config.credentials()).toMatchObject(role);
    }
    const other = { accessKeyId: 'ASIAROLETWO', secretAccessKey: 'secret' };
    expect(clientsFor('eu-west-1', {}, role)).toBe(clientsFor('eu-west-1', {}, { ...role }));
    expect(clientsFor('eu-west-1', {}, role)).not.toBe(clientsFor('eu-west-1', {}, other));
  });
});

describe('the clients against a throttling endpoint (a real SDK call, its retry middleware and our strategy)', () => {
  let clients: AwsClients;
  let close: () => Promise<void> = () => Promise.resolve();
  let actions: string[];

  const endpoint = async (answers: Answer[], then?: Answer) => {
    const ec2 = await scriptedEc2(answers, then);
    ({ actions } = ec2);
    close = ec2.close;
    // Delays scaled a thousandfold, so the test sleeps milliseconds for the SDK's seconds.
    clients = createClients('ap-northeast-2', { AWS_ENDPOINT_URL_EC2: ec2.url, AWS_ENDPOINT_URL_IAM: ec2.url }, TEST_CREDENTIALS, {
      retry: { delayScale: 1000 },
    });
  };
  const invocation = (): InvocationScope => ({
    deadline: Date.now() + 60_000,
    clock: { now: () => Date.now() },
    logger: { warn: jest.fn() },
    throttleRetries: 0,
  });

  afterEach(() => close());

  it('resends throttled calls and logs one WARN line per throttle naming the operation and AWS service', async () => {
    await endpoint(['throttle', 'throttle']);
    const scope = invocation();
    const output = await withinInvocation(scope, () => clients.ec2.send(new DescribeVpcsCommand({})));
    expect(output.$metadata.attempts).toBe(3);
    expect(actions).toEqual(['DescribeVpcs', 'DescribeVpcs', 'DescribeVpcs']);
    expect((scope.logger.warn as jest.Mock).mock.calls).toEqual([
      [
        'AWS throttled the call; retrying',
        expect.objectContaining({ operation: 'DescribeVpcs', awsService: 'EC2', attempt: 1, errorCode: 'RequestLimitExceeded' }),
      ],
      [
        'AWS throttled the call; retrying',
        expect.objectContaining({ operation: 'DescribeVpcs', awsService: 'EC2', attempt: 2, errorCode: 'RequestLimitExceeded' }),
      ],
    ]);
  });

  it('on the local event clock, backs off on that clock: it moves by the waits only, and nothing else fires', async () => {
    const ec2 = await scriptedEc2(['throttle', 'throttle']);
    close = ec2.close;
    const clock = new EventClock(Number.POSITIVE_INFINITY, 1_000_000);
    let later = false;
    clock.setTimeout(() => (later = true), 3_600_000);
    const timed = createClients('ap-northeast-2', { AWS_ENDPOINT_URL_EC2: ec2.url }, TEST_CREDENTIALS, { retry: { clock } });
    const output = await timed.ec2.send(new DescribeVpcsCommand({}));
    expect(output.$metadata.attempts).toBe(3);
    // Two full-jitter waits (≤ 1 s, then ≤ 2 s), on the clock; the hour's timer is still waiting.
    expect(clock.now() - 1_000_000).toBeLessThanOrEqual(3_000);
    expect(later).toBe(false);
  });

  it('resends a 500 twice with ec2 (3 attempts) and never with ec2Once', async () => {
    await endpoint([], 'unavailable');
    await expect(clients.ec2.send(new DescribeVpcsCommand({}))).rejects.toMatchObject({ name: 'InternalError' });
    expect(actions).toHaveLength(3);
    actions.length = 0;
    await expect(clients.ec2Once.send(new DescribeVpcsCommand({}))).rejects.toMatchObject({ name: 'InternalError' });
    expect(actions).toHaveLength(1);
  });

  it("throws IAM's LimitExceeded (a quota, on the SDK's throttling list) at once: no resend, no throttle WARN, read as QuotaExceeded", async () => {
    await endpoint([], 'iamQuota');
    const createRole = () => clients.iam.send(new CreateRoleCommand({ RoleName: 'k8s-ec2-nodes', AssumeRolePolicyDocument: '{}' }));
    const scope = invocation();
    const error: unknown = await withinInvocation(scope, createRole).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'LimitExceededException', $metadata: { httpStatusCode: 409, attempts: 1 } });
    expect(actions).toEqual(['CreateRole']);
    expect(scope.logger.warn).not.toHaveBeenCalled();
    expect(scope.throttleRetries).toBe(0);
    expect(translateAwsError(error, 'CreateRole')).toBeInstanceOf(QuotaExceeded);
    // Outside an invocation too (no 20 s budget spent on it).
    actions.length = 0;
    await expect(createRole()).rejects.toMatchObject({ name: 'LimitExceededException' });
    expect(actions).toEqual(['CreateRole']);
  });

  it('throws the throttle once the invocation has no time left for another wait', async () => {
    await endpoint([], 'throttle');
    const scope = { ...invocation(), deadline: Date.now() - 1 };
    await expect(withinInvocation(scope, () => clients.ec2Once.send(new DescribeVpcsCommand({})))).rejects.toMatchObject({
      name: 'RequestLimitExceeded',
    });
    expect(actions).toHaveLength(1);
    expect(scope.logger.warn).not.toHaveBeenCalled();
  });
});
