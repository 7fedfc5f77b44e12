import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, type CliDeps } from '../../cli/k8s-ec2';
import type { BuildView } from '../../cli/api-client';
import { seoulSpec } from '../fixtures/build';
import { capture } from './capture';

/** A stand-in for the API on 127.0.0.1: canned answers per `METHOD path`, successive answers for polls. */
interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}
interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

class FakeApi {
  readonly requests: Recorded[] = [];
  url = '';
  private readonly server: Server;
  private readonly served = new Map<string, number>();

  constructor(private readonly routes: Record<string, Reply | Reply[]>) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const key = `${req.method} ${req.url}`;
        this.requests.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        const route = this.routes[key];
        const replies =
          route === undefined
            ? [{ status: 404, body: { error: { code: 'NOT_FOUND', message: `no fake for ${key}` } } }]
            : ([] as Reply[]).concat(route);
        const n = this.served.get(key) ?? 0;
        this.served.set(key, n + 1);
        const reply = replies[Math.min(n, replies.length - 1)];
        const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        res
          .writeHead(reply.status, { 'content-type': typeof reply.body === 'string' ? 'text/plain' : 'application/json', ...reply.headers })
          .end(text);
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const BUILD_ID = 'fin-k8s-dev-20250101-000000-abcd';
const T = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s)).toISOString();
const step = (name: string, status: string, from: number, to?: number) => ({
  name,
  status,
  enteredAt: T(from),
  exitedAt: to === undefined ? undefined : T(to),
});
const view = (status: string, steps: ReturnType<typeof step>[], extra: Partial<BuildView> = {}): Reply => ({
  status: 200,
  body: { buildId: BUILD_ID, status, steps, ...extra },
});
const accepted: Reply = {
  status: 202,
  body: {
    buildId: BUILD_ID,
    status: 'RUNNING',
    executionArn: `arn:aws:states:ap-northeast-2:000000000000:execution:k8s-ec2-build:${BUILD_ID}`,
    links: { self: `/builds/${BUILD_ID}` },
  },
};

const outputs = {
  buildId: BUILD_ID,
  clusterName: 'fin-k8s-dev',
  vpcId: 'vpc-0123456789abcdef0',
  loadBalancer: {
    arn: 'arn:nlb',
    dnsName: 'fin-k8s-dev-nlb-0123.elb.ap-northeast-2.amazonaws.com',
    apiEndpoint: 'fin-k8s-dev-nlb-0123.elb.ap-northeast-2.amazonaws.com:6443',
  },
  bastion: { instanceId: 'i-0bastion', publicIp: '3.35.10.20' },
  nodes: [
    {
      name: 'fin-k8s-dev-cp-1',
      role: 'control-plane',
      az: 'ap-northeast-2a',
      instanceId: 'i-0cp1',
      instanceType: 'm6i.large',
      privateIp: '10.0.0.10',
    },
    {
      name: 'fin-k8s-dev-worker-1',
      role: 'worker',
      az: 'ap-northeast-2a',
      instanceId: 'i-0w1',
      instanceType: 'm6i.xlarge',
      privateIp: '10.0.0.20',
    },
  ],
};

describe('k8s-ec2 CLI against the API on loopback', () => {
  let api: FakeApi;
  let dir: string;
  let specFile: string;
  const deps: CliDeps = { pollIntervalMs: 5, env: {} };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'k8s-ec2-cli-'));
    specFile = join(dir, 'spec.json');
    await writeFile(specFile, JSON.stringify(seoulSpec()));
  });
  afterEach(async () => {
    await api?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('build --follow shows each step as it completes, prints the outputs and exits 0 when the build SUCCEEDED', async () => {
    api = await new FakeApi({
      'POST /builds': accepted,
      [`GET /builds/${BUILD_ID}`]: [
        view('RUNNING', [step('Preflight', 'running', 0)], { currentStep: 'Preflight' }),
        view('RUNNING', [step('Preflight', 'running', 0)], { currentStep: 'Preflight' }),
        view('RUNNING', [step('Preflight', 'succeeded', 0, 4), step('CreateNetwork', 'running', 4)], { currentStep: 'CreateNetwork' }),
        view('SUCCEEDED', [step('Preflight', 'succeeded', 0, 4), step('CreateNetwork', 'succeeded', 4, 19)], {
          outputs: outputs as never,
          startedAt: T(0),
          stoppedAt: T(19),
        }),
      ],
    }).start();
    const out = capture();

    const code = await run(['build', '--spec', specFile, '--follow', '--api', api.url], out.io, deps);

    expect(out.stderr).toBe('');
    expect(code).toBe(0);
    const lines = out.stdout.split('\n');
    // Plain (non-TTY) output: each step change once, in order, even though one poll brought nothing new.
    expect(lines.filter((l) => l.startsWith('  ') && l.includes('Preflight'))).toEqual(['  … Preflight', '  ✓ Preflight  4.0s']);
    expect(lines.filter((l) => l.startsWith(`Build ${BUILD_ID}`))).toEqual([
      `Build ${BUILD_ID}: RUNNING`,
      `Build ${BUILD_ID}  RUNNING  (Preflight)`,
      `Build ${BUILD_ID}  SUCCEEDED`,
    ]);
    expect(out.stdout).toMatch(/✓ CreateNetwork {2}15s/);
    expect(out.stdout).toContain(`✓ Build ${BUILD_ID} SUCCEEDED in 19s`);
    expect(out.stdout).toContain('NLB DNS         fin-k8s-dev-nlb-0123.elb.ap-northeast-2.amazonaws.com');
    expect(out.stdout).toContain('bastion         3.35.10.20');
    expect(out.stdout).toMatch(/fin-k8s-dev-cp-1 +control-plane +ap-northeast-2a +10\.0\.0\.10 +i-0cp1/);
    const post = api.requests.find((r) => r.method === 'POST')!;
    expect(JSON.parse(post.body)).toEqual(seoulSpec());
    expect(post.headers['content-type']).toBe('application/json');
    expect(api.requests.filter((r) => r.method === 'GET')).toHaveLength(4);
  });

  it('build --follow names the failed step and its error and exits 1 when the build is ROLLED_BACK', async () => {
    api = await new FakeApi({
      'POST /builds': accepted,
      [`GET /builds/${BUILD_ID}`]: [
        view('RUNNING', [step('Preflight', 'succeeded', 0, 2), step('LaunchNodes', 'retrying', 2)], { currentStep: 'LaunchNodes' }),
        view(
          'ROLLED_BACK',
          [step('Preflight', 'succeeded', 0, 2), step('LaunchNodes', 'failed', 2, 9), step('RollbackNetwork', 'succeeded', 9, 12)],
          {
            error: { step: 'LaunchNodes', error: 'InsufficientCapacity', cause: 'no m6i.large capacity in ap-northeast-2a' } as never,
          },
        ),
      ],
    }).start();
    const out = capture();

    const code = await run(['build', '--spec', specFile, '--follow', '--api', api.url], out.io, deps);

    expect(code).toBe(1);
    expect(out.stdout).toContain('  … LaunchNodes  retrying');
    expect(out.stdout).toContain('  ✗ LaunchNodes  7.0s');
    expect(out.stdout).toContain(`✗ Build ${BUILD_ID} ROLLED_BACK`);
    expect(out.stdout).toContain('failed step: LaunchNodes');
    expect(out.stdout).toContain('error: InsufficientCapacity: no m6i.large capacity in ap-northeast-2a');
  });

  it('build without --follow prints the build id, sends the Idempotency-Key and exits 0', async () => {
    api = await new FakeApi({ 'POST /builds': accepted }).start();
    const out = capture();

    const code = await run(['build', '--spec', specFile, '--idempotency-key', 'ticket-42', '--api', api.url], out.io, deps);

    expect(code).toBe(0);
    expect(out.stdout).toContain(`Build ${BUILD_ID}: RUNNING`);
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0].headers['idempotency-key']).toBe('ticket-42');
  });

  it('prints the code, field and message of a 400 and every listed problem, and exits 1', async () => {
    api = await new FakeApi({
      'POST /builds': {
        status: 400,
        body: {
          error: { code: 'CIDR_OVERLAP', message: 'bastion.allowedSshCidrs overlaps the VPC CIDR', field: 'bastion.allowedSshCidrs[0]' },
          errors: [
            { code: 'CIDR_OVERLAP', message: 'bastion.allowedSshCidrs overlaps the VPC CIDR', field: 'bastion.allowedSshCidrs[0]' },
            { code: 'TOO_MANY', message: 'at most 50 tags', field: 'tags' },
          ],
          requestId: 'req-1',
        },
      },
    }).start();
    const out = capture();

    const code = await run(['build', '--spec', specFile, '--api', api.url], out.io, deps);

    expect(code).toBe(1);
    expect(out.stderr).toContain('✗ CIDR_OVERLAP — field bastion.allowedSshCidrs[0]: bastion.allowedSshCidrs overlaps the VPC CIDR');
    expect(out.stderr).toContain('  tags: at most 50 tags [TOO_MANY]');
    expect(out.stderr).toContain('HTTP 400, request id req-1');
    expect(out.stdout).toBe('');
  });

  it.each([
    ['not JSON', '{ "name": "fin-k8s-dev", ', /spec\.json: not valid JSON/],
    ['against the schema', JSON.stringify({ ...seoulSpec(), vpcCidr: '8.8.0.0/16' }), /spec\.json: vpcCidr: .*\[/],
  ])('reports a spec file that is %s with the file name, exits 1 and sends nothing', async (_case, text, message) => {
    api = await new FakeApi({ 'POST /builds': accepted }).start();
    await writeFile(specFile, text);
    const out = capture();

    const code = await run(['build', '--spec', specFile, '--api', api.url], out.io, deps);

    expect(code).toBe(1);
    expect(out.stderr).toMatch(message);
    expect(api.requests).toHaveLength(0);
  });

  it('artifacts --out writes every artifact, hosts.yaml among them, and prints their paths', async () => {
    const texts = {
      ssh_config: 'Host bastion\n  HostName 3.35.10.20\n',
      'hosts.yaml': 'all:\n  children:\n    kube_control_plane:\n',
      'inventory.ini': '[kube_control_plane]\ncp-1\n',
      'kubeadm.yaml': 'controlPlaneEndpoint: nlb:6443\n',
    };
    api = await new FakeApi(
      Object.fromEntries(Object.entries(texts).map(([name, body]) => [`GET /builds/${BUILD_ID}/artifacts/${name}`, { status: 200, body }])),
    ).start();
    const out = capture();
    const target = join(dir, 'out', 'nested');

    const code = await run(['artifacts', BUILD_ID, '--out', target, '--api', api.url], out.io, deps);

    expect(code).toBe(0);
    for (const [name, body] of Object.entries(texts)) {
      expect(await readFile(join(target, name), 'utf8')).toBe(body);
      expect(out.stdout).toContain(join(target, name));
    }
  });

  it('artifacts of a build that did not succeed reports the 409 and writes nothing', async () => {
    const conflict: Reply = { status: 409, body: { error: { code: 'BUILD_NOT_SUCCEEDED', message: 'build is ROLLED_BACK' } } };
    api = await new FakeApi({
      [`GET /builds/${BUILD_ID}/artifacts/ssh_config`]: conflict,
      [`GET /builds/${BUILD_ID}/artifacts/hosts.yaml`]: conflict,
      [`GET /builds/${BUILD_ID}/artifacts/inventory.ini`]: conflict,
      [`GET /builds/${BUILD_ID}/artifacts/kubeadm.yaml`]: conflict,
    }).start();
    const out = capture();

    const code = await run(['artifacts', BUILD_ID, '--out', join(dir, 'never'), '--api', api.url], out.io, deps);

    expect(code).toBe(1);
    expect(out.stderr).toContain('BUILD_NOT_SUCCEEDED');
    await expect(readFile(join(dir, 'never', 'ssh_config'))).rejects.toThrow();
  });

  it('sends no Authorization header to a loopback API, even with AWS credentials around', async () => {
    api = await new FakeApi({ 'GET /builds': { status: 200, body: { builds: [] } } }).start();
    const out = capture();

    const code = await run(['list', '--api', api.url], out.io, {
      ...deps,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    });

    expect(code).toBe(0);
    expect(out.stdout).toBe('no builds\n');
    expect(api.requests[0].headers.authorization).toBeUndefined();
    expect(api.requests[0].headers['x-amz-date']).toBeUndefined();
  });

  it('takes the API URL from K8S_EC2_API when --api is not given', async () => {
    api = await new FakeApi({ 'GET /builds': { status: 200, body: { builds: [] } } }).start();
    const out = capture();

    expect(await run(['list'], out.io, { ...deps, env: { K8S_EC2_API: api.url } })).toBe(0);
    expect(api.requests).toHaveLength(1);
  });

  it('list prints a table and the command for the next page', async () => {
    api = await new FakeApi({
      'GET /builds?limit=2': {
        status: 200,
        body: {
          builds: [
            { buildId: BUILD_ID, status: 'SUCCEEDED', startedAt: T(0), stoppedAt: T(19) },
            { buildId: 'other-1', status: 'RUNNING', startedAt: T(30) },
          ],
          nextToken: 'tok',
        },
      },
    }).start();
    const out = capture();

    expect(await run(['list', '--limit', '2', '--api', api.url], out.io, deps)).toBe(0);
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^BUILD ID +STATUS +STARTED +STOPPED$/);
    expect(lines[1]).toMatch(new RegExp(`^${BUILD_ID} +SUCCEEDED +${T(0)} +${T(19)}$`));
    expect(lines[3]).toBe("more: k8s-ec2 list --next-token 'tok'");
  });

  it('status prints steps and outputs; --json prints the API answer as is', async () => {
    const succeeded = view('SUCCEEDED', [step('Preflight', 'succeeded', 0, 4)], { outputs: outputs as never, clusterName: 'fin-k8s-dev' });
    api = await new FakeApi({ [`GET /builds/${BUILD_ID}`]: succeeded }).start();
    const human = capture();
    const json = capture();

    expect(await run(['status', BUILD_ID, '--api', api.url], human.io, deps)).toBe(0);
    expect(await run(['status', BUILD_ID, '--json', '--api', api.url], json.io, deps)).toBe(0);

    expect(human.stdout).toContain(`Build ${BUILD_ID} (cluster fin-k8s-dev): SUCCEEDED`);
    expect(human.stdout).toContain('  ✓ Preflight  4.0s');
    expect(human.stdout).toContain('3.35.10.20');
    expect(JSON.parse(json.stdout)).toEqual(succeeded.body);
  });

  it('status of an unknown build prints the 404 and exits 1', async () => {
    api = await new FakeApi({}).start();
    const out = capture();

    expect(await run(['status', 'nope', '--api', api.url], out.io, deps)).toBe(1);
    expect(out.stderr).toContain('✗ NOT_FOUND');
  });

  it('destroy --follow sends DELETE and follows until DESTROYED', async () => {
    const arn = 'arn:aws:states:ap-northeast-2:000000000000:execution:k8s-ec2-teardown:x--destroy-1';
    api = await new FakeApi({
      [`DELETE /builds/${BUILD_ID}`]: { status: 202, body: { buildId: BUILD_ID, status: 'DESTROYING', executionArn: arn } },
      [`GET /builds/${BUILD_ID}`]: [
        // Right after the DELETE the list of teardowns may not show the new one yet: not the end.
        view('SUCCEEDED', [], { teardown: { executionArn: 'older', status: 'FAILED' } }),
        view('DESTROYING', [], { teardown: { executionArn: arn, status: 'DESTROYING' } }),
        view('DESTROYED', [step('Preflight', 'succeeded', 0, 4)], {
          startedAt: T(0),
          stoppedAt: T(4),
          teardown: { executionArn: arn, status: 'DESTROYED', startedAt: T(30), stoppedAt: T(55) },
        }),
      ],
    }).start();
    const out = capture();

    const code = await run(['destroy', BUILD_ID, '--follow', '--api', api.url], out.io, deps);

    expect(code).toBe(0);
    expect(api.requests.map((r) => r.method)).toEqual(['DELETE', 'GET', 'GET', 'GET']);
    // The steps in the answer are the build's, not the teardown's: not shown; the time is the teardown's.
    expect(out.stdout).not.toContain('Preflight');
    expect(out.stdout).toContain(`✓ Build ${BUILD_ID} DESTROYED in 25s`);
  });

  it('destroy --follow exits 1 when the teardown it started fails', async () => {
    const arn = 'arn:teardown-2';
    api = await new FakeApi({
      [`DELETE /builds/${BUILD_ID}`]: { status: 202, body: { buildId: BUILD_ID, status: 'DESTROYING', executionArn: arn } },
      [`GET /builds/${BUILD_ID}`]: view('ROLLBACK_FAILED', [], { teardown: { executionArn: arn, status: 'FAILED' } }),
    }).start();
    const out = capture();

    expect(await run(['destroy', BUILD_ID, '--follow', '--api', api.url], out.io, deps)).toBe(1);
    expect(out.stdout).toContain(`✗ Teardown of ${BUILD_ID} FAILED (the build stays ROLLBACK_FAILED)`);
  });

  it('stops following on interrupt, says the build goes on, and exits 130', async () => {
    api = await new FakeApi({
      'POST /builds': accepted,
      [`GET /builds/${BUILD_ID}`]: view('RUNNING', [step('Preflight', 'running', 0)]),
    }).start();
    const out = capture();
    const interrupt = new AbortController();
    setTimeout(() => interrupt.abort(), 50);

    const code = await run(['build', '--spec', specFile, '--follow', '--api', api.url], out.io, { ...deps, interrupt: interrupt.signal });

    expect(code).toBe(130);
    expect(out.stdout).toContain(`stopped following; build ${BUILD_ID} goes on`);
  });

  it('tells how to start the local stack when nothing listens on the API port', async () => {
    api = await new FakeApi({}).start();
    const url = api.url;
    await api.close();
    const out = capture();

    expect(await run(['list', '--api', url], out.io, deps)).toBe(1);
    expect(out.stderr).toContain('cannot reach the API');
    expect(out.stderr).toContain('k8s-ec2 local');
  });
});

describe('k8s-ec2 usage errors exit 2', () => {
  it.each([
    ['no command', []],
    ['an unknown command', ['bogus']],
    ['build without --spec', ['build']],
    ['a spec file that does not exist', ['build', '--spec', '/nonexistent/spec.json']],
    ['status without an id', ['status']],
    ['artifacts without --out', ['artifacts', 'b-1']],
    ['an unknown option', ['list', '--colour']],
    ['a port that is not a number', ['local', '--port', 'http']],
    ['a time scale of zero', ['local', '--time-scale', '0']],
    ['an --api that is not a URL', ['list', '--api', 'not a url']],
    ['a non-execute-api host without a region', ['list', '--api', 'https://k8s.example.com']],
  ])('%s', async (_case, argv) => {
    const out = capture();
    const fetch = jest.fn();

    expect(await run(argv, out.io, { env: {}, fetch })).toBe(2);
    expect(out.stderr).not.toBe('');
    expect(fetch).not.toHaveBeenCalled();
  });

  it('--help prints the commands and exits 0', async () => {
    const out = capture();

    expect(await run(['--help'], out.io, { env: {} })).toBe(0);
    for (const command of ['local', 'build', 'status', 'list', 'destroy', 'artifacts']) expect(out.stdout).toContain(command);
  });
});

describe('k8s-ec2 local', () => {
  it('starts the stack, prints its URL and Slack messages, and closes it on interrupt', async () => {
    const out = capture();
    const interrupt = new AbortController();
    const close = jest.fn(() => Promise.resolve());
    const startLocalStack = jest.fn((options: Parameters<NonNullable<CliDeps['startLocalStack']>>[0]) => {
      setTimeout(() => {
        options.onSlackMessage?.({
          receivedAt: '2025-01-01T00:00:05.000Z',
          payload: {
            text: `fin-k8s-dev: Build SUCCEEDED (${BUILD_ID})`,
            blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*Cluster*' } }],
          },
        });
        options.onSlackMessage?.({
          receivedAt: '2025-01-01T00:00:06.000Z',
          payload: { blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'blocks only' } }] },
        });
        interrupt.abort();
      }, 10);
      return Promise.resolve({ url: 'http://127.0.0.1:9999', cloud: { url: 'http://127.0.0.1:41234' }, close });
    });

    const code = await run(['local', '--port', '9999', '--time-scale', '120'], out.io, {
      env: {},
      startLocalStack,
      interrupt: interrupt.signal,
    });

    expect(code).toBe(0);
    expect(startLocalStack).toHaveBeenCalledWith(expect.objectContaining({ port: 9999, timeScale: 120 }));
    expect(out.stdout).toContain('listening on http://127.0.0.1:9999');
    expect(out.stdout).toContain('export K8S_EC2_API=http://127.0.0.1:9999');
    // The embedded cloud's own endpoint, for `aws ec2 …` against it.
    expect(out.stdout).toContain('export AWS_ENDPOINT_URL=http://127.0.0.1:41234\n');
    expect(out.stdout).toContain(`[slack 00:00:05] fin-k8s-dev: Build SUCCEEDED (${BUILD_ID})\n`);
    expect(out.stdout).not.toContain('*Cluster*');
    expect(out.stdout).toContain('[slack 00:00:06] blocks only\n');
    expect(close).toHaveBeenCalledTimes(1);
    expect(out.stdout).toMatch(/local stack stopped\n$/);
  });

  it('prints no AWS_ENDPOINT_URL when the stack uses external endpoints (no embedded cloud)', async () => {
    const out = capture();
    const interrupt = new AbortController();
    const startLocalStack = () => {
      setTimeout(() => interrupt.abort(), 10);
      return Promise.resolve({ url: 'http://127.0.0.1:9999', close: () => Promise.resolve() });
    };

    expect(await run(['local'], out.io, { env: {}, startLocalStack, interrupt: interrupt.signal })).toBe(0);
    expect(out.stdout).toContain('export K8S_EC2_API=http://127.0.0.1:9999');
    expect(out.stdout).not.toContain('AWS_ENDPOINT_URL');
  });

  it('says which port is taken when the stack cannot listen, and exits 1', async () => {
    const out = capture();
    const startLocalStack = () => Promise.reject(Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' }));

    expect(await run(['local'], out.io, { env: {}, startLocalStack })).toBe(1);
    expect(out.stderr).toContain('port 8787 on 127.0.0.1 is already in use');
  });
});
