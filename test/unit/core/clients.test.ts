import { createClients, clientsFor, endpointFor, resendThrottledOnly, THROTTLED_ATTEMPTS } from '../../../functions/core/clients';

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
    expect(await clients.ec2Once.config.maxAttempts()).toBe(THROTTLED_ATTEMPTS);
    const strategy = (await clients.ec2Once.config.retryStrategy()) as ReturnType<typeof resendThrottledOnly>;
    const first = await strategy.acquireInitialRetryToken('');
    await expect(strategy.refreshRetryTokenForRetry(first, { errorType: 'TRANSIENT' })).rejects.toBeDefined();
  });

  it("builds the other clients with the SDK's standard retries", async () => {
    const clients = createClients('eu-west-1', {});
    expect(await clients.ec2.config.maxAttempts()).toBe(3);
    const strategy = (await clients.ec2.config.retryStrategy()) as ReturnType<typeof resendThrottledOnly>;
    const first = await strategy.acquireInitialRetryToken('');
    // A 500 is TRANSIENT to the SDK: the standard strategy resends it (what ec2Once must not do).
    await expect(strategy.refreshRetryTokenForRetry(first, { errorType: 'TRANSIENT' })).resolves.toBeDefined();
  });

  it('reuses clients for the same region and endpoints', () => {
    expect(clientsFor('ap-northeast-2', {})).toBe(clientsFor('ap-northeast-2', {}));
    expect(clientsFor('ap-northeast-2', {}).ec2Once).toBe(clientsFor('ap-northeast-2', {}).ec2Once);
    expect(clientsFor('ap-northeast-2', {})).not.toBe(clientsFor('us-east-1', {}));
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

describe('resendThrottledOnly (the retry strategy of ec2Once)', () => {
  const lost = Object.assign(new Error('InternalError'), { name: 'InternalError' });

  it.each<[errorType: 'TRANSIENT' | 'SERVER_ERROR' | 'CLIENT_ERROR', meaning: string]>([
    ['TRANSIENT', 'a 500/503, a timeout or a dropped connection'],
    ['SERVER_ERROR', 'another server error'],
    ['CLIENT_ERROR', 'a 4xx'],
  ])('never resends after %s (%s): EC2 may have done the work, the SDK throws the error', async (errorType) => {
    const strategy = resendThrottledOnly();
    const first = await strategy.acquireInitialRetryToken('');
    await expect(strategy.refreshRetryTokenForRetry(first, { errorType, error: lost as never })).rejects.toBe(lost);
  });

  it("resends a throttled request with the SDK's throttling backoff, up to its attempts, then gives up", async () => {
    const strategy = resendThrottledOnly(3, () => 0.5);
    const first = await strategy.acquireInitialRetryToken('');
    expect([first.getRetryCount(), first.getRetryDelay()]).toEqual([0, 0]);
    const second = await strategy.refreshRetryTokenForRetry(first, { errorType: 'THROTTLING' });
    expect([second.getRetryCount(), second.getRetryDelay()]).toEqual([1, 500]);
    const third = await strategy.refreshRetryTokenForRetry(second, { errorType: 'THROTTLING' });
    expect([third.getRetryCount(), third.getRetryDelay()]).toEqual([2, 1000]);
    await expect(strategy.refreshRetryTokenForRetry(third, { errorType: 'THROTTLING' })).rejects.toThrow('not resent');
    expect(strategy.recordSuccess(third)).toBeUndefined();
  });

  it('caps the backoff at 20 s', async () => {
    const strategy = resendThrottledOnly(20, () => 0.999);
    let token = await strategy.acquireInitialRetryToken('');
    for (let n = 0; n < 10; n++) token = await strategy.refreshRetryTokenForRetry(token, { errorType: 'THROTTLING' });
    expect(token.getRetryDelay()).toBe(19_980);
  });
});
