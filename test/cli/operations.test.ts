import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { run, type CliDeps, type FetchLike } from '../../cli/k8s-ec2';
import type { CostEstimate, OrphanGroup, OrphansAnswer, PlanAnswer, VerifyAnswer } from '../../functions/ops/contracts';
import { estimateLines } from '../../functions/ops/estimate-lines';
import { seoulSpecInput } from '../fixtures/build';
import { capture } from './capture';

/** `k8s-ec2 plan | verify | orphans | sweep` against canned API answers: no network, no real waiting. */

interface Reply {
  status: number;
  body: unknown;
}
interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** A fetch answering `METHOD /path` from a table; a list answers successive calls (the last one repeats). */
function fakeApi(routes: Record<string, Reply | Reply[]>) {
  const sent: Sent[] = [];
  const served = new Map<string, number>();
  const fetch: FetchLike = (url, init) => {
    const { pathname, search } = new URL(url);
    const key = `${init.method} ${pathname}${search}`;
    sent.push({ method: init.method, path: `${pathname}${search}`, headers: init.headers, body: init.body });
    const replies = ([] as Reply[]).concat(routes[key] ?? { status: 404, body: { error: { code: 'NOT_FOUND', message: `no ${key}` } } });
    const n = served.get(key) ?? 0;
    served.set(key, n + 1);
    const reply = replies[Math.min(n, replies.length - 1)];
    return Promise.resolve(
      new Response(JSON.stringify(reply.body), { status: reply.status, headers: { 'content-type': 'application/json' } }),
    );
  };
  return { fetch, sent, posts: () => sent.filter((s) => s.method === 'POST').map((s) => s.path) };
}

const API = ['--api', 'http://127.0.0.1:8787'];
/** Poll interval 0: follows poll as fast as the fake answers, nothing waits on the clock. A pipe, not a terminal, on stdin. */
const depsWith = (fetch: FetchLike, extra: Partial<CliDeps> = {}): CliDeps => ({
  env: {},
  fetch,
  pollIntervalMs: 0,
  stdin: new PassThrough(),
  ...extra,
});
const lines = (text: string) => text.trimEnd().split('\n');

const BUILD_ID = 'fin-k8s-dev-20250101-000000-abcd';
const CHECKED_AT = '2025-01-01T09:00:00.000Z';
const tags = (name: string) => ({
  Name: name,
  Team: 'platform',
  'k8s-ec2:build-id': BUILD_ID,
  'k8s-ec2:managed-by': 'k8s-ec2-builder',
  'kubernetes.io/cluster/fin-k8s-dev': 'owned',
});

const estimate: CostEstimate = {
  currency: 'USD',
  region: 'ap-northeast-2',
  hoursPerMonth: 720,
  lines: [
    { item: 'instance m6i.large', count: 2, unitHourlyUsd: 0.118, hourlyUsd: 0.236, monthlyUsd: 169.92 },
    { item: 'network load balancer', count: 1, note: 'price list did not answer' },
  ],
  knownHourlyUsd: 0.236,
  knownMonthlyUsd: 169.92,
  unknown: ['network load balancer'],
  source: 'AWS Price List Query API, us-east-1',
  notes: ['data processing and traffic are not counted'],
};

const planAnswer = (preflight: Partial<PlanAnswer['preflight']> = {}): PlanAnswer => ({
  plan: {
    buildId: BUILD_ID,
    region: 'ap-northeast-2',
    resources: [
      { step: 'CreateNetwork', type: 'vpc', name: 'fin-k8s-dev-vpc', cidr: '10.0.0.0/16', tags: tags('fin-k8s-dev-vpc') },
      {
        step: 'CreateNetwork',
        type: 'subnet',
        name: 'fin-k8s-dev-private-a',
        zone: 'ap-northeast-2a',
        cidr: '10.0.0.0/20',
        detail: 'private: no public IPs',
        tags: tags('fin-k8s-dev-private-a'),
      },
      {
        step: 'CreateNetwork',
        type: 'security-group',
        name: 'fin-k8s-dev-cp-sg',
        rules: ['tcp 6443 from sg fin-k8s-dev-nlb-sg — Kubernetes API server', 'tcp 2379-2380 from sg fin-k8s-dev-cp-sg — etcd'],
        tags: tags('fin-k8s-dev-cp-sg'),
      },
      {
        step: 'LaunchNodes',
        type: 'instance',
        name: 'fin-k8s-dev-cp-1',
        zone: 'ap-northeast-2a',
        instanceType: 'm6i.large',
        tags: tags('fin-k8s-dev-cp-1'),
      },
      {
        step: 'CreateLoadBalancer',
        type: 'loadbalancer',
        name: 'fin-k8s-dev-nlb',
        listeners: ['TCP 6443 → control-plane:6443'],
        tags: tags('fin-k8s-dev-nlb'),
      },
      {
        step: 'LaunchNodes',
        type: 'instance',
        name: 'fin-k8s-dev-cp-2',
        zone: 'ap-northeast-2c',
        instanceType: 'm6i.large',
        tags: tags('fin-k8s-dev-cp-2'),
      },
    ],
    summary: { create: 6, byType: { vpc: 1, subnet: 1, 'security-group': 1, instance: 2, loadbalancer: 1 } },
  },
  preflight: { passed: true, problems: [], checks: ['zones', 'instance types', 'quotas'], notes: [], ...preflight },
  estimate,
});

describe('k8s-ec2 plan', () => {
  let dir: string;
  let specFile: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'k8s-ec2-plan-'));
    specFile = join(dir, 'spec.json');
    await writeFile(specFile, JSON.stringify(seoulSpecInput()));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('prints what would be created by step, the preflight, the cost and a summary; sends the spec and key; exits 0', async () => {
    const api = fakeApi({ 'POST /plans': { status: 200, body: planAnswer() } });
    const out = capture();

    const code = await run(['plan', '--spec', specFile, '--idempotency-key', 'ticket-42', ...API], out.io, depsWith(api.fetch));

    expect(out.stderr).toBe('');
    expect(code).toBe(0);
    const printed = lines(out.stdout);
    expect(printed.slice(0, 26)).toEqual([
      `Plan for build ${BUILD_ID} in ap-northeast-2`,
      '  tags on every resource: Team=platform (besides Name and ours)',
      '',
      'CreateNetwork',
      '  + create vpc "fin-k8s-dev-vpc"',
      '      cidr: 10.0.0.0/16',
      '  + create subnet "fin-k8s-dev-private-a"',
      '      zone: ap-northeast-2a',
      '      cidr: 10.0.0.0/20',
      '      detail: private: no public IPs',
      '  + create security-group "fin-k8s-dev-cp-sg"',
      '      rules:',
      '        tcp 6443 from sg fin-k8s-dev-nlb-sg — Kubernetes API server',
      '        tcp 2379-2380 from sg fin-k8s-dev-cp-sg — etcd',
      // Both instances under their step, although the answer lists the load balancer between them.
      'LaunchNodes',
      '  + create instance "fin-k8s-dev-cp-1"',
      '      zone: ap-northeast-2a',
      '      instanceType: m6i.large',
      '  + create instance "fin-k8s-dev-cp-2"',
      '      zone: ap-northeast-2c',
      '      instanceType: m6i.large',
      'CreateLoadBalancer',
      '  + create loadbalancer "fin-k8s-dev-nlb"',
      '      listeners:',
      '        TCP 6443 → control-plane:6443',
      '',
    ]);
    expect(out.stdout).not.toContain('k8s-ec2:managed-by');
    expect(out.stdout).toContain('Preflight\n  ✓ passed: zones, instance types, quotas\n');
    // The cost lines are the shared estimateLines' own, whatever their wording.
    expect(out.stdout).toContain(['Cost estimate', ...estimateLines(estimate)].join('\n'));
    expect(printed.at(-1)).toBe(
      'Plan: 6 to create (1 vpc, 1 subnet, 1 security-group, 2 instance, 1 loadbalancer). ' +
        'Estimated $0.2360/h, $169.92 per 30 days (1 price unknown).',
    );
    expect(api.sent).toHaveLength(1);
    expect(api.sent[0].headers['idempotency-key']).toBe('ticket-42');
    expect(JSON.parse(api.sent[0].body!)).toEqual(seoulSpecInput());
  });

  it('lists each preflight problem by field and its notes, and exits 1', async () => {
    const failing = planAnswer({
      passed: false,
      problems: [
        { check: 'instance-types', field: 'workers.instanceTypes', message: 'm6i.xlarge is not offered in ap-northeast-2d' },
        { check: 'key-pair', message: 'key pair ops-key not found' },
      ],
      notes: ['vCPU quota leaves room for 4 more nodes'],
    });
    const api = fakeApi({ 'POST /plans': { status: 200, body: failing } });
    const out = capture();

    expect(await run(['plan', '--spec', specFile, ...API], out.io, depsWith(api.fetch))).toBe(1);

    expect(out.stdout).toContain(
      [
        'Preflight',
        '  ✗ workers.instanceTypes: m6i.xlarge is not offered in ap-northeast-2d',
        '  ✗ key-pair: key pair ops-key not found',
        '  ! vCPU quota leaves room for 4 more nodes',
      ].join('\n'),
    );
    expect(out.stdout).not.toContain('✓ passed');
    expect(lines(out.stdout).at(-1)).toBe('✗ Preflight found 2 problems: a build of this spec would stop there.');
    expect(api.sent[0].headers['idempotency-key']).toBeUndefined();
  });

  it('says the cost is unknown, not $0.00, when the Price List gave no price at all', async () => {
    const noPrices: CostEstimate = {
      ...estimate,
      lines: estimate.lines.map(({ item, count }) => ({ item, count, note: 'the Price List did not answer within 10 s' })),
      knownHourlyUsd: 0,
      knownMonthlyUsd: 0,
      unknown: estimate.lines.map((line) => line.item),
    };
    const api = fakeApi({ 'POST /plans': { status: 200, body: { ...planAnswer(), estimate: noPrices } } });
    const out = capture();

    expect(await run(['plan', '--spec', specFile, ...API], out.io, depsWith(api.fetch))).toBe(0);
    expect(lines(out.stdout).at(-1)).toBe(
      'Plan: 6 to create (1 vpc, 1 subnet, 1 security-group, 2 instance, 1 loadbalancer). Estimated cost unknown (2 prices unknown).',
    );
    expect(out.stdout).not.toContain('$0.00');
  });

  it('--json prints the answer as JSON, with the exit code of its preflight', async () => {
    const api = fakeApi({ 'POST /plans': { status: 200, body: planAnswer({ passed: false }) } });
    const out = capture();

    expect(await run(['plan', '--spec', specFile, '--json', ...API], out.io, depsWith(api.fetch))).toBe(1);
    expect(JSON.parse(out.stdout)).toEqual(planAnswer({ passed: false }));
  });

  it('reports a 400 as build does, and exits 1', async () => {
    const api = fakeApi({
      'POST /plans': {
        status: 400,
        body: {
          error: { code: 'CIDR_OVERLAP', message: 'transitGateway.routes[0] overlaps the VPC CIDR', field: 'transitGateway.routes[0]' },
          requestId: 'req-7',
        },
      },
    });
    const out = capture();

    expect(await run(['plan', '--spec', specFile, ...API], out.io, depsWith(api.fetch))).toBe(1);
    expect(out.stderr).toContain('✗ CIDR_OVERLAP — field transitGateway.routes[0]: transitGateway.routes[0] overlaps the VPC CIDR');
    expect(out.stderr).toContain('(HTTP 400, request id req-7)');
    expect(out.stdout).toBe('');
  });

  it('reports an invalid spec file with its name and sends nothing', async () => {
    await writeFile(specFile, JSON.stringify({ ...seoulSpecInput(), vpcCidr: '8.8.0.0/16' }));
    const api = fakeApi({});
    const out = capture();

    expect(await run(['plan', '--spec', specFile, ...API], out.io, depsWith(api.fetch))).toBe(1);
    expect(out.stderr).toMatch(/spec\.json: vpcCidr: /);
    expect(api.sent).toHaveLength(0);
  });
});

describe('k8s-ec2 verify', () => {
  const verifyRoute = `POST /builds/${BUILD_ID}/verify`;

  it('says there is no drift and exits 0', async () => {
    const answer: VerifyAnswer = { buildId: BUILD_ID, checkedAt: CHECKED_AT, drift: [] };
    const api = fakeApi({ [verifyRoute]: { status: 200, body: answer } });
    const out = capture();

    expect(await run(['verify', BUILD_ID, ...API], out.io, depsWith(api.fetch))).toBe(0);
    expect(out.stdout).toBe(`✓ ${BUILD_ID}: no drift (checked ${CHECKED_AT})\n`);
    expect(api.posts()).toEqual([`/builds/${BUILD_ID}/verify`]);
  });

  it('prints one line per difference and their count, and exits 1', async () => {
    const answer: VerifyAnswer = {
      buildId: BUILD_ID,
      checkedAt: CHECKED_AT,
      drift: [
        { resource: 'instance fin-k8s-dev-cp-1 (i-0cp1)', field: 'metadataOptions.httpTokens', expected: 'required', actual: 'optional' },
        { resource: 'instance fin-k8s-dev-cp-1 (i-0cp1)', field: 'publicIpAddress', expected: null, actual: '3.35.1.2' },
        { resource: 'security-group fin-k8s-dev-worker-sg (sg-0w)', field: 'ingress', expected: null, actual: 'tcp 22 from 0.0.0.0/0' },
        { resource: 'target-group fin-k8s-dev-api', field: 'targets', expected: ['i-0cp1', 'i-0cp2'], actual: { 'i-0cp1': 'healthy' } },
        { resource: 'load-balancer fin-k8s-dev-nlb', field: 'exists', expected: true, actual: false },
      ],
    };
    const api = fakeApi({ [verifyRoute]: { status: 200, body: answer } });
    const out = capture();

    expect(await run(['verify', BUILD_ID, ...API], out.io, depsWith(api.fetch))).toBe(1);
    expect(lines(out.stdout)).toEqual([
      '✗ instance fin-k8s-dev-cp-1 (i-0cp1)  metadataOptions.httpTokens: expected required, found optional',
      '✗ instance fin-k8s-dev-cp-1 (i-0cp1)  publicIpAddress: expected absent, found 3.35.1.2',
      '✗ security-group fin-k8s-dev-worker-sg (sg-0w)  ingress: expected absent, found tcp 22 from 0.0.0.0/0',
      '✗ target-group fin-k8s-dev-api  targets: expected ["i-0cp1","i-0cp2"], found {"i-0cp1":"healthy"}',
      '✗ load-balancer fin-k8s-dev-nlb  exists: expected true, found false',
      `5 differences (checked ${CHECKED_AT})`,
    ]);
  });

  it('--json prints the answer and still exits 1 on drift', async () => {
    const answer: VerifyAnswer = {
      buildId: BUILD_ID,
      checkedAt: CHECKED_AT,
      drift: [{ resource: 'load-balancer fin-k8s-dev-nlb', field: 'crossZone', expected: true, actual: false }],
    };
    const api = fakeApi({ [verifyRoute]: { status: 200, body: answer } });
    const out = capture();

    expect(await run(['verify', BUILD_ID, '--json', ...API], out.io, depsWith(api.fetch))).toBe(1);
    expect(JSON.parse(out.stdout)).toEqual(answer);
  });

  it.each([
    [404, 'NOT_FOUND', `build "${BUILD_ID}" not found`],
    [409, 'BUILD_NOT_SUCCEEDED', 'only a SUCCEEDED build can be verified; this one is ROLLED_BACK'],
  ])('reports a %i like the other commands and exits 1', async (status, code, message) => {
    const api = fakeApi({ [verifyRoute]: { status, body: { error: { code, message } } } });
    const out = capture();

    expect(await run(['verify', BUILD_ID, ...API], out.io, depsWith(api.fetch))).toBe(1);
    expect(out.stderr).toContain(`✗ ${code}: ${message}`);
    expect(out.stderr).toContain(`(HTTP ${status})`);
  });
});

const OTHER_ID = 'fin-k8s-old-20241201-000000-ffff';
const group = (buildId: string, extra: Partial<OrphanGroup> = {}): OrphanGroup => ({
  buildId,
  clusterName: 'fin-k8s-dev',
  reason: 'no execution found',
  ageSeconds: 3 * 3600 + 12 * 60,
  resources: [
    { type: 'vpc', id: 'vpc-0123456789abcdef0', name: 'fin-k8s-dev-vpc', role: 'vpc' },
    { type: 'instance', id: 'i-0cp1', name: 'fin-k8s-dev-cp-1', role: 'control-plane', ageSeconds: 3 * 3600 + 12 * 60 },
    { type: 'elastic-ip', id: 'eipalloc-0b', ageSeconds: 40 },
  ],
  ...extra,
});
const orphans = (...groups: OrphanGroup[]): Reply => ({
  status: 200,
  body: { checkedAt: CHECKED_AT, region: 'ap-northeast-2', orphans: groups } satisfies OrphansAnswer,
});
const swept = (buildId: string, status: 'DESTROYING' | 'DESTROYED' = 'DESTROYING'): Reply => ({
  status: status === 'DESTROYED' ? 200 : 202,
  body: {
    buildId,
    status,
    executionArn: `arn:aws:states:ap-northeast-2:000000000000:execution:k8s-ec2-teardown:${buildId}--destroy-1`,
    links: {},
  },
});

type TeardownState = 'DESTROYING' | 'DESTROYED' | 'FAILED';

/**
 * The API around the sweep of `BUILD_ID`, a build without a build execution, as the real one answers: POST
 * /orphans/{id}/sweep starts its teardown; from then on GET /orphans leaves the build out while that teardown runs
 * (functions/ops/orphans.ts orphanReason) and lists it again, `; last teardown FAILED`, once it failed; GET
 * /builds/{id} answers the swept build with its teardown (functions/api/builds-read.ts sweptBuild), or 404 with
 * `olderApi` (before it did). The n-th read after the POST sees the teardown in `teardown[n]` (the last repeats).
 */
function sweepApi(teardown: TeardownState[], options: { olderApi?: boolean; others?: OrphanGroup[] } = {}) {
  const arn = (swept(BUILD_ID).body as { executionArn: string }).executionArn;
  let started = false;
  let reads = 0;
  const sent: Sent[] = [];
  const fetch: FetchLike = (url, init) => {
    const { pathname } = new URL(url);
    const answer = (status: number, body: unknown) => {
      sent.push({ method: init.method, path: pathname, headers: init.headers, body: init.body });
      return Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
    };
    if (init.method === 'POST' && pathname === `/orphans/${BUILD_ID}/sweep`) {
      started = true;
      return answer(202, swept(BUILD_ID).body);
    }
    const current = started ? teardown[Math.min(reads++, teardown.length - 1)] : undefined;
    if (pathname === '/orphans') {
      const listed = current === undefined || current === 'FAILED';
      const own = current === 'FAILED' ? group(BUILD_ID, { reason: `${group(BUILD_ID).reason}; last teardown FAILED` }) : group(BUILD_ID);
      return answer(200, orphans(...(listed ? [own] : []), ...(options.others ?? [])).body);
    }
    if (pathname === `/builds/${BUILD_ID}`) {
      if (options.olderApi || !current) return answer(404, { error: { code: 'NOT_FOUND', message: `no build with id "${BUILD_ID}"` } });
      // A build without a build execution reads FAILED but for its teardown: DESTROYING, DESTROYED, or FAILED itself.
      return answer(200, { buildId: BUILD_ID, status: current, steps: [], teardown: { executionArn: arn, status: current } });
    }
    return answer(404, { error: { code: 'NOT_FOUND', message: `no ${init.method} ${pathname}` } });
  };
  return { fetch, sent };
}

describe('k8s-ec2 orphans', () => {
  it('lists each orphaned build id with its resources and how to remove them, and exits 0', async () => {
    const api = fakeApi({
      'GET /orphans': orphans(
        group(BUILD_ID),
        group(OTHER_ID, {
          clusterName: undefined,
          reason: 'build ROLLBACK_FAILED',
          ageSeconds: 4 * 86_400 + 3 * 3600,
          resources: [{ type: 'subnet', id: 'subnet-0a' }],
        }),
      ),
    });
    const out = capture();

    expect(await run(['orphans', ...API], out.io, depsWith(api.fetch))).toBe(0);
    expect(lines(out.stdout)).toEqual([
      `${BUILD_ID}  cluster fin-k8s-dev  no execution found  age 3h 12m`,
      '  vpc         vpc-0123456789abcdef0  fin-k8s-dev-vpc   -',
      '  instance    i-0cp1                 fin-k8s-dev-cp-1  3h 12m',
      '  elastic-ip  eipalloc-0b            -                 40s',
      `${OTHER_ID}  build ROLLBACK_FAILED  age 4d 03h`,
      '  subnet  subnet-0a  -  -',
      '2 orphaned builds, 4 resources — remove with: k8s-ec2 sweep BUILD_ID (or --all)',
    ]);
  });

  it('says nothing is orphaned in the region, and exits 0', async () => {
    const api = fakeApi({ 'GET /orphans': orphans() });
    const out = capture();

    expect(await run(['orphans', ...API], out.io, depsWith(api.fetch))).toBe(0);
    expect(out.stdout).toBe('✓ nothing orphaned in ap-northeast-2\n');
  });

  it('--json prints the answer', async () => {
    const api = fakeApi({ 'GET /orphans': orphans(group(BUILD_ID)) });
    const out = capture();

    expect(await run(['orphans', '--json', ...API], out.io, depsWith(api.fetch))).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual(orphans(group(BUILD_ID)).body);
  });
});

describe('k8s-ec2 sweep', () => {
  const sweepRoute = (id: string) => `POST /orphans/${id}/sweep`;

  it('BUILD_ID --yes starts the sweep at once and prints its execution, exit 0', async () => {
    const api = fakeApi({ [sweepRoute(BUILD_ID)]: swept(BUILD_ID) });
    const out = capture();

    expect(await run(['sweep', BUILD_ID, '--yes', ...API], out.io, depsWith(api.fetch))).toBe(0);
    expect(lines(out.stdout)[0]).toBe(
      `sweeping ${BUILD_ID}: arn:aws:states:ap-northeast-2:000000000000:execution:k8s-ec2-teardown:${BUILD_ID}--destroy-1`,
    );
    expect(api.sent.map((s) => `${s.method} ${s.path}`)).toEqual([`POST /orphans/${BUILD_ID}/sweep`]);
  });

  it('lists what would be deleted and asks; a no deletes nothing and exits 1', async () => {
    const api = fakeApi({ 'GET /orphans': orphans(group(BUILD_ID), group(OTHER_ID)), [sweepRoute(BUILD_ID)]: swept(BUILD_ID) });
    const out = capture();
    const asked: string[] = [];
    const confirm = (question: string) => (asked.push(question), Promise.resolve(false));

    expect(await run(['sweep', BUILD_ID, ...API], out.io, depsWith(api.fetch, { confirm }))).toBe(1);
    expect(asked).toEqual([`Delete these 3 resources of ${BUILD_ID}? [y/N]`]);
    expect(out.stdout).toMatch(/^ {2}instance +i-0cp1 +fin-k8s-dev-cp-1 +3h 12m$/m);
    expect(out.stdout).not.toContain(OTHER_ID);
    expect(out.stdout).toContain('nothing deleted');
    expect(api.posts()).toEqual([]);
  });

  it('asks on the terminal and sweeps on y', async () => {
    const api = fakeApi({ 'GET /orphans': orphans(group(BUILD_ID)), [sweepRoute(BUILD_ID)]: swept(BUILD_ID) });
    const out = capture();
    const terminal = Object.assign(new PassThrough(), { isTTY: true });
    terminal.end('y\n');

    expect(await run(['sweep', BUILD_ID, ...API], out.io, depsWith(api.fetch, { stdin: terminal }))).toBe(0);
    expect(out.stdout).toContain(`Delete these 3 resources of ${BUILD_ID}? [y/N] sweeping ${BUILD_ID}: arn:`);
    expect(api.posts()).toEqual([`/orphans/${BUILD_ID}/sweep`]);
  });

  it('refuses without --yes when stdin is not a terminal (exit 2) and deletes nothing', async () => {
    const api = fakeApi({ 'GET /orphans': orphans(group(BUILD_ID)), [sweepRoute(BUILD_ID)]: swept(BUILD_ID) });
    const out = capture();

    expect(await run(['sweep', BUILD_ID, ...API], out.io, depsWith(api.fetch))).toBe(2);
    expect(out.stderr).toContain('pass --yes');
    expect(api.posts()).toEqual([]);
  });

  it('--all --yes sweeps every orphaned build id; one that cannot start is reported, the others go on, exit 1', async () => {
    const api = fakeApi({
      'GET /orphans': orphans(group(BUILD_ID), group(OTHER_ID)),
      [sweepRoute(BUILD_ID)]: { status: 409, body: { error: { code: 'BUILD_RUNNING', message: `build "${BUILD_ID}" is still running` } } },
      [sweepRoute(OTHER_ID)]: swept(OTHER_ID),
    });
    const out = capture();

    expect(await run(['sweep', '--all', '--yes', ...API], out.io, depsWith(api.fetch))).toBe(1);
    expect(api.posts()).toEqual([`/orphans/${BUILD_ID}/sweep`, `/orphans/${OTHER_ID}/sweep`]);
    expect(out.stderr).toContain(`sweep of ${BUILD_ID} not started:\n  ✗ BUILD_RUNNING: build "${BUILD_ID}" is still running`);
    expect(out.stdout).toContain(`sweeping ${OTHER_ID}: arn:`);
  });

  it('--all asks once for every build id and sweeps each on yes, exit 0', async () => {
    const api = fakeApi({
      'GET /orphans': orphans(group(BUILD_ID), group(OTHER_ID)),
      [sweepRoute(BUILD_ID)]: swept(BUILD_ID),
      [sweepRoute(OTHER_ID)]: swept(OTHER_ID, 'DESTROYED'),
    });
    const out = capture();
    const asked: string[] = [];
    const confirm = (question: string) => (asked.push(question), Promise.resolve(true));

    expect(await run(['sweep', '--all', ...API], out.io, depsWith(api.fetch, { confirm }))).toBe(0);
    expect(asked).toEqual([`Delete these 6 resources of ${BUILD_ID}, ${OTHER_ID}? [y/N]`]);
    expect(out.stdout).toContain(`✓ ${OTHER_ID}: already swept`);
  });

  it('--all with nothing orphaned says so and exits 0', async () => {
    const api = fakeApi({ 'GET /orphans': orphans() });
    const out = capture();

    expect(await run(['sweep', '--all', ...API], out.io, depsWith(api.fetch))).toBe(0);
    expect(out.stdout).toBe('✓ nothing to sweep in ap-northeast-2\n');
  });

  it('a build id that is not orphaned is reported without asking, exit 1', async () => {
    const api = fakeApi({ 'GET /orphans': orphans(group(OTHER_ID)) });
    const out = capture();
    const confirm = jest.fn();

    expect(await run(['sweep', BUILD_ID, ...API], out.io, depsWith(api.fetch, { confirm }))).toBe(1);
    expect(out.stderr).toContain(`nothing is orphaned under build id ${BUILD_ID} in ap-northeast-2`);
    expect(confirm).not.toHaveBeenCalled();
  });

  it.each([
    ['a build id and --all', ['sweep', BUILD_ID, '--all'], 'not both'],
    ['neither', ['sweep', '--yes'], 'name what to sweep'],
  ])('%s is a usage error naming the fix (exit 2), nothing sent', async (_case, argv, why) => {
    const api = fakeApi({});
    const out = capture();

    expect(await run([...argv, ...API], out.io, depsWith(api.fetch))).toBe(2);
    expect(out.stderr).toContain(why);
    expect(out.stderr).toContain('k8s-ec2 sweep BUILD_ID, or k8s-ec2 sweep --all');
    expect(api.sent).toHaveLength(0);
  });

  it('--follow of a build id with no build execution follows its teardown through GET /builds/{id}, as destroy does, exit 0', async () => {
    const api = sweepApi(['DESTROYING', 'DESTROYING', 'DESTROYED'], { others: [group(OTHER_ID)] });
    const out = capture();

    expect(await run(['sweep', BUILD_ID, '--yes', '--follow', ...API], out.io, depsWith(api.fetch))).toBe(0);
    expect(api.sent.map((s) => `${s.method} ${s.path}`)).toEqual([
      `POST /orphans/${BUILD_ID}/sweep`,
      `GET /builds/${BUILD_ID}`,
      `GET /builds/${BUILD_ID}`,
      `GET /builds/${BUILD_ID}`,
    ]);
    expect(lines(out.stdout).at(-1)).toBe(`✓ Build ${BUILD_ID} DESTROYED: everything it created is gone`);
  });

  it('--follow of a sweep whose teardown fails says so, exit 1', async () => {
    const api = sweepApi(['DESTROYING', 'FAILED']);
    const out = capture();

    expect(await run(['sweep', BUILD_ID, '--yes', '--follow', ...API], out.io, depsWith(api.fetch))).toBe(1);
    expect(out.stdout).toContain(`✗ Teardown of ${BUILD_ID} FAILED (the build stays FAILED)`);
    expect(api.sent.filter((s) => s.path === '/orphans')).toHaveLength(0);
  });

  it('--follow against an API whose GET /builds/{id} does not know sweeps watches the orphans list and says what is left, exit 1', async () => {
    const api = sweepApi(['DESTROYING', 'FAILED'], { olderApi: true });
    const out = capture();

    expect(await run(['sweep', BUILD_ID, '--yes', '--follow', ...API], out.io, depsWith(api.fetch))).toBe(1);
    expect(api.sent.map((s) => `${s.method} ${s.path}`)).toEqual([
      `POST /orphans/${BUILD_ID}/sweep`,
      `GET /builds/${BUILD_ID}`,
      'GET /orphans',
    ]);
    expect(lines(out.stdout).slice(-2)).toEqual([
      `✗ sweep of ${BUILD_ID} ended with 3 resources left (no execution found; last teardown FAILED)`,
      `  see them with: k8s-ec2 orphans; try again with: k8s-ec2 sweep ${BUILD_ID} --follow`,
    ]);
  });

  it('--follow against such an API claims no more than the orphans list says once the build leaves it, exit 0', async () => {
    const api = sweepApi(['DESTROYING'], { olderApi: true });
    const out = capture();

    expect(await run(['sweep', BUILD_ID, '--yes', '--follow', ...API], out.io, depsWith(api.fetch))).toBe(0);
    expect(lines(out.stdout).slice(-2)).toEqual([
      `✓ ${BUILD_ID} is no longer listed as orphaned: its sweep runs, or removed everything tagged with it`,
      '  k8s-ec2 orphans lists it again if the sweep ends leaving something',
    ]);
  });

  it('--follow of a build the API knows follows its teardown as destroy does, exit 1 when it fails', async () => {
    const arn = (swept(BUILD_ID).body as { executionArn: string }).executionArn;
    const api = fakeApi({
      [sweepRoute(BUILD_ID)]: swept(BUILD_ID),
      [`GET /builds/${BUILD_ID}`]: [
        { status: 200, body: { buildId: BUILD_ID, status: 'DESTROYING', teardown: { executionArn: arn, status: 'DESTROYING' } } },
        { status: 200, body: { buildId: BUILD_ID, status: 'ROLLBACK_FAILED', teardown: { executionArn: arn, status: 'FAILED' } } },
      ],
    });
    const out = capture();

    expect(await run(['sweep', BUILD_ID, '--yes', '--follow', ...API], out.io, depsWith(api.fetch))).toBe(1);
    expect(out.stdout).toContain(`✗ Teardown of ${BUILD_ID} FAILED (the build stays ROLLBACK_FAILED)`);
    expect(api.sent.filter((s) => s.path === '/orphans')).toHaveLength(0);
  });

  it('--follow stops waiting on interrupt, says the sweep goes on, exit 130', async () => {
    const interrupt = new AbortController();
    let polls = 0;
    const api = sweepApi(['DESTROYING']);
    const fetch: FetchLike = (url, init) => {
      if (url.endsWith(`/builds/${BUILD_ID}`) && ++polls === 3) interrupt.abort();
      return api.fetch(url, init);
    };
    const out = capture();

    expect(await run(['sweep', BUILD_ID, '--yes', '--follow', ...API], out.io, depsWith(fetch, { interrupt: interrupt.signal }))).toBe(130);
    expect(out.stdout).toContain(`stopped following; build ${BUILD_ID} goes on. Check it with: k8s-ec2 status ${BUILD_ID}`);
  });
});

it('--help lists the operations commands', async () => {
  const out = capture();

  expect(await run(['--help'], out.io, { env: {} })).toBe(0);
  for (const command of ['plan', 'verify', 'orphans', 'sweep']) expect(out.stdout).toMatch(new RegExp(`^  ${command} .*\\w`, 'm'));
});
