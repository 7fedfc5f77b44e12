import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { ApiClient, ApiError, connect, isLoopbackUrl, regionFromHost, type FetchLike } from '../../cli/api-client';
import { followBuild, teardownOver } from '../../cli/follow';
import { run } from '../../cli/k8s-ec2';
import { capture } from './capture';

const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session-token',
};
const DEPLOYED = 'https://abc123defg.execute-api.ap-northeast-2.amazonaws.com/prod';

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/** A fetch that never touches the network: records what would be sent and answers from a queue. */
function fakeFetch(...answers: Array<() => Response>) {
  const sent: Sent[] = [];
  const fetch: FetchLike = (url, init) => {
    sent.push({ url, method: init.method, headers: init.headers, body: init.body });
    const next = answers.length > 1 ? answers.shift()! : answers[0];
    return Promise.resolve(next());
  };
  return { fetch, sent };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  () =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/**
 * Signs the request as received again, with the same credentials and time: a valid signature matches. The
 * payload hash header is dropped so that the verifier hashes the body it was given.
 */
async function expectedAuthorization(sent: Sent, region: string, credentials = CREDENTIALS): Promise<string> {
  const url = new URL(sent.url);
  const amzDate = sent.headers['x-amz-date'];
  const headers = Object.fromEntries(
    Object.entries(sent.headers).filter(([name]) => !['authorization', 'x-amz-date', 'x-amz-content-sha256'].includes(name)),
  );
  const signingDate = new Date(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  const verifier = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256 });
  const signed = await verifier.sign(
    {
      method: sent.method,
      protocol: url.protocol,
      hostname: url.hostname,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...headers, host: url.host },
      body: sent.body,
    },
    { signingDate },
  );
  return signed.headers.authorization;
}

describe('requests to a deployed API are SigV4-signed for execute-api', () => {
  it('k8s-ec2 build sends a POST whose Authorization verifies, with the stage path, region from the host and signed body and key', async () => {
    const { fetch, sent } = fakeFetch(json(202, { buildId: 'b-1', status: 'RUNNING' }));
    const spec = join(__dirname, '..', '..', 'examples', 'seoul.json');
    const out = capture();

    const code = await run(['build', '--spec', spec, '--idempotency-key', 'k-1', '--api', DEPLOYED], out.io, {
      env: {},
      fetch,
      credentials: CREDENTIALS,
    });

    expect(out.stderr).toBe('');
    expect(code).toBe(0);
    expect(sent).toHaveLength(1);
    const [request] = sent;
    expect(request.url).toBe(`${DEPLOYED}/builds`);
    expect(request.headers.host).toBeUndefined();
    expect(request.headers['x-amz-security-token']).toBe('session-token');
    const authorization = request.headers.authorization;
    expect(authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/ap-northeast-2\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/,
    );
    expect(authorization.match(/SignedHeaders=([^,]+)/)![1].split(';')).toEqual(
      expect.arrayContaining(['host', 'x-amz-date', 'content-type', 'idempotency-key', 'x-amz-security-token']),
    );
    expect(authorization).toBe(await expectedAuthorization(request, 'ap-northeast-2'));
    // The check can fail: another body, or another secret, gives another signature.
    expect(authorization).not.toBe(
      await expectedAuthorization({ ...request, body: request.body!.replace('fin-k8s', 'fin-k9s') }, 'ap-northeast-2'),
    );
    expect(authorization).not.toBe(await expectedAuthorization(request, 'ap-northeast-2', { ...CREDENTIALS, secretAccessKey: 'other' }));
  });

  it('signs GETs with a query string and an encoded path', async () => {
    const { fetch, sent } = fakeFetch(json(200, { builds: [] }), json(200, { buildId: 'b 1', status: 'RUNNING' }));
    const client = connect(DEPLOYED, { credentials: CREDENTIALS, fetch, env: {} });

    await client.listBuilds({ nextToken: 'a/b+c=', limit: 10 });
    await client.getBuild('b 1');

    expect(sent[0].url).toBe(`${DEPLOYED}/builds?nextToken=a%2Fb%2Bc%3D&limit=10`);
    expect(sent[1].url).toBe(`${DEPLOYED}/builds/b%201`);
    for (const request of sent) expect(request.headers.authorization).toBe(await expectedAuthorization(request, 'ap-northeast-2'));
  });

  it('uses --region for a custom domain name', async () => {
    const { fetch, sent } = fakeFetch(json(200, { builds: [] }));
    const out = capture();

    expect(
      await run(['list', '--api', 'https://k8s.example.com/v1', '--region', 'us-east-1'], out.io, {
        env: {},
        fetch,
        credentials: CREDENTIALS,
      }),
    ).toBe(0);
    expect(sent[0].url).toBe('https://k8s.example.com/v1/builds');
    expect(sent[0].headers.authorization).toContain('/us-east-1/execute-api/aws4_request');
    expect(sent[0].headers.authorization).toBe(await expectedAuthorization(sent[0], 'us-east-1'));
  });

  it('fails with a clear message, and sends nothing, when there are no credentials', async () => {
    const { fetch, sent } = fakeFetch(json(200, { builds: [] }));
    const out = capture();
    const credentials = () => Promise.reject(new Error('Could not load credentials from any providers'));

    expect(await run(['list', '--api', DEPLOYED], out.io, { env: {}, fetch, credentials })).toBe(1);
    expect(out.stderr).toContain('no AWS credentials to sign requests to abc123defg.execute-api.ap-northeast-2.amazonaws.com');
    expect(out.stderr).toContain('k8s-ec2 local');
    expect(sent).toHaveLength(0);
  });

  it("reports API Gateway's own errors (no { error } body) by their x-amzn-ErrorType", async () => {
    const { fetch } = fakeFetch(
      json(
        403,
        { message: 'The security token included in the request is invalid.' },
        { 'x-amzn-ErrorType': 'UnrecognizedClientException:http://internal', 'x-amzn-RequestId': 'gw-1' },
      ),
    );
    const out = capture();

    expect(await run(['status', 'b-1', '--api', DEPLOYED], out.io, { env: {}, fetch, credentials: CREDENTIALS })).toBe(1);
    expect(out.stderr).toContain(
      '✗ UnrecognizedClientException: GET /prod/builds/b-1: The security token included in the request is invalid.',
    );
    expect(out.stderr).toContain('HTTP 403, request id gw-1');
  });
});

describe('which API gets signed', () => {
  it.each([
    ['http://127.0.0.1:8787', true],
    ['http://127.10.0.1', true],
    ['http://localhost:8787/', true],
    ['http://[::1]:8787', true],
    ['https://abc.execute-api.ap-northeast-2.amazonaws.com/prod', false],
    ['http://10.0.0.5:8787', false],
    ['http://localhost.example.com', false],
  ])('%s is loopback: %s', (url, loopback) => {
    expect(isLoopbackUrl(new URL(url))).toBe(loopback);
  });

  it.each([
    ['abc123.execute-api.ap-northeast-2.amazonaws.com', 'ap-northeast-2'],
    ['abc123-vpce-0123.execute-api.eu-west-1.vpce.amazonaws.com', 'eu-west-1'],
    ['abc123.execute-api.cn-north-1.amazonaws.com.cn', 'cn-north-1'],
    ['k8s.example.com', undefined],
  ])('the signing region of %s is %s', (host, region) => {
    expect(regionFromHost(host)).toBe(region);
  });

  it('falls back to AWS_REGION for a host that names none', async () => {
    const { fetch, sent } = fakeFetch(json(200, { builds: [] }));
    await connect('https://k8s.example.com', { credentials: CREDENTIALS, fetch, env: { AWS_REGION: 'eu-central-1' } }).listBuilds();
    expect(sent[0].headers.authorization).toContain('/eu-central-1/execute-api/');
  });

  it('rejects URLs that are not http(s)', () => {
    expect(() => connect('ftp://127.0.0.1')).toThrow('only http and https');
  });
});

describe('ApiClient answers', () => {
  const client = (fetch: FetchLike) => new ApiClient({ baseUrl: 'http://127.0.0.1:8787', fetch });

  it('reads an artifact as text', async () => {
    const { fetch, sent } = fakeFetch(() => new Response('Host bastion\n', { status: 200 }));
    expect(await client(fetch).getArtifact('b-1', 'ssh_config')).toBe('Host bastion\n');
    expect(sent[0].url).toBe('http://127.0.0.1:8787/builds/b-1/artifacts/ssh_config');
    expect(sent[0].headers.authorization).toBeUndefined();
  });

  it.each([
    ['a bare array', [{ buildId: 'a', status: 'RUNNING' }]],
    ['items + nextToken', { items: [{ buildId: 'a', status: 'RUNNING' }], nextToken: 't' }],
  ])('accepts a list answered as %s', async (_case, body) => {
    const { fetch } = fakeFetch(json(200, body));
    expect((await client(fetch).listBuilds()).builds[0].buildId).toBe('a');
  });

  it('says so when a 2xx body is not JSON', async () => {
    const { fetch } = fakeFetch(() => new Response('<html>', { status: 200 }));
    await expect(client(fetch).getBuild('b-1')).rejects.toMatchObject({ name: 'ApiError', code: 'BAD_RESPONSE' });
  });

  it('keeps the HTTP status when an error has no body', async () => {
    const { fetch } = fakeFetch(() => new Response('', { status: 502, statusText: 'Bad Gateway' }));
    await expect(client(fetch).destroyBuild('b-1')).rejects.toMatchObject({ status: 502, code: 'HTTP_502' });
  });
});

describe('followBuild', () => {
  const running = json(200, { buildId: 'b-1', status: 'RUNNING', steps: [] });
  const done = json(200, { buildId: 'b-1', status: 'SUCCEEDED', steps: [] });

  it('polls through transient failures (503, 429, a dropped connection) up to a final status', async () => {
    const dropped = () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
    };
    const { fetch, sent } = fakeFetch(
      running,
      json(503, { error: { code: 'SERVICE_UNAVAILABLE', message: 'busy' } }),
      json(429, {}),
      dropped,
      done,
    );
    const seen: string[] = [];

    const view = await followBuild(new ApiClient({ baseUrl: 'http://127.0.0.1:1', fetch }), 'b-1', {
      intervalMs: 1,
      onUpdate: (v) => seen.push(v.status),
    });

    expect(view.status).toBe('SUCCEEDED');
    expect(seen).toEqual(['RUNNING', 'SUCCEEDED']);
    expect(sent).toHaveLength(5);
  });

  it('gives up after maxPollFailures transient failures in a row', async () => {
    const { fetch, sent } = fakeFetch(json(503, {}));
    await expect(
      followBuild(new ApiClient({ baseUrl: 'http://127.0.0.1:1', fetch }), 'b-1', { intervalMs: 1, maxPollFailures: 3 }),
    ).rejects.toMatchObject({ status: 503 });
    expect(sent).toHaveLength(3);
  });

  it('stops at the first 4xx: the build is not there, polling again will not change that', async () => {
    const { fetch, sent } = fakeFetch(json(404, { error: { code: 'NOT_FOUND', message: 'no build' } }));
    await expect(followBuild(new ApiClient({ baseUrl: 'http://127.0.0.1:1', fetch }), 'b-1', { intervalMs: 1 })).rejects.toBeInstanceOf(
      ApiError,
    );
    expect(sent).toHaveLength(1);
  });

  it('stops when the signal aborts', async () => {
    const { fetch } = fakeFetch(running);
    const controller = new AbortController();
    const following = followBuild(new ApiClient({ baseUrl: 'http://127.0.0.1:1', fetch }), 'b-1', {
      intervalMs: 1000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 20);
    await expect(following).rejects.toMatchObject({ name: 'AbortError' });
  });

  it.each([
    ['DESTROYED', undefined, 'arn:1', true],
    ['SUCCEEDED', 'FAILED', 'arn:1', true],
    ['SUCCEEDED', 'FAILED', 'arn:older', false],
    ['DESTROYING', 'DESTROYING', 'arn:1', false],
    ['SUCCEEDED', undefined, undefined, false],
  ])('a teardown with build %s, teardown %s (%s) is over: %s', (status, teardownStatus, arn, over) => {
    const teardown = teardownStatus ? { executionArn: arn, status: teardownStatus } : undefined;
    expect(teardownOver('arn:1')({ buildId: 'b-1', status, teardown })).toBe(over);
  });
});
