import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { requestHash } from '../../../functions/api/builds-write';
import type { BuildInput } from '../../../functions/core/contracts';
import { idempotentBuildId } from '../../../functions/api/ids';
import { SPEC_VERSION } from '../../../functions/core/spec-validation';
import { closedNetworkSpecInput, seoulSpec, seoulSpecInput } from '../../fixtures/build';
import { match } from '../../fixtures/matchers';
import { BUILD_MACHINE, buildArn, call, postBuild, sdkError, type ErrorBody } from './api-fixtures';

const sfn = mockClient(SFNClient);
const BUILD_ID = 'fin-k8s-dev-20261125-101530-iiii';

beforeEach(() => {
  sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => ({ executionArn: buildArn(input.name), startDate: new Date() }));
});

/** No route answers a POST by listing executions (an account may hold any number). */
afterEach(() => expect(sfn.commandCalls(ListExecutionsCommand)).toHaveLength(0));

afterEach(() => sfn.reset());

describe('POST /builds', () => {
  it('starts the build machine with the build id as execution name and the spec as sent, and answers 202', async () => {
    const spec = seoulSpecInput();
    const answer = await call(postBuild(spec));
    expect(answer.statusCode).toBe(202);
    expect(answer.body).toEqual({
      buildId: BUILD_ID,
      status: 'RUNNING',
      executionArn: buildArn(BUILD_ID),
      links: {
        self: `/builds/${BUILD_ID}`,
        console: `https://ap-northeast-2.console.aws.amazon.com/states/home?region=ap-northeast-2#/v2/executions/details/${buildArn(BUILD_ID)}`,
      },
    });
    expect(answer.headers).toMatchObject({
      'Content-Type': 'application/json',
      'X-Request-Id': 'req-1234',
      Location: `/builds/${BUILD_ID}`,
    });
    const [start] = sfn.commandCalls(StartExecutionCommand);
    expect(start.args[0].input).toEqual({
      stateMachineArn: BUILD_MACHINE,
      name: BUILD_ID,
      input: JSON.stringify({
        buildId: BUILD_ID,
        executionArn: buildArn(BUILD_ID),
        specVersion: SPEC_VERSION,
        spec: seoulSpec(),
        requestHash: requestHash(spec),
        deployment: BUILD_MACHINE,
      }),
    });
  });

  it('stores the spec normalised: every default filled in, with its version, so the steps read it as it is', async () => {
    const minimal = { name: 'dev', bastion: { allowedSshCidrs: ['203.0.113.0/24'] } };
    await call(postBuild(minimal));
    const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.input ?? '{}') as BuildInput;
    expect(input.specVersion).toBe(SPEC_VERSION);
    expect(input.spec).toMatchObject({
      name: 'dev',
      region: 'ap-northeast-2',
      vpcCidr: '10.0.0.0/16',
      availabilityZones: ['ap-northeast-2a', 'ap-northeast-2b', 'ap-northeast-2c'],
      keyName: 'dev-key',
      controlPlane: { count: 3, instanceTypes: ['m6i.large'] },
      workers: { count: 3, instanceTypes: ['m6i.xlarge', 'm5.xlarge'] },
      bastion: { instanceType: 't3.micro', allowedSshCidrs: ['203.0.113.0/24'], allowSshFromAnywhere: false },
      loadBalancer: { crossZone: true, preserveClientIp: false },
      kubernetes: { version: 'v1.30.4' },
    });
    expect(input.buildId).toMatch(/^dev-20261125-101530-[a-z0-9]{4}$/);
  });

  it.each([
    ['application/json; charset=utf-8', 202],
    ['APPLICATION/JSON', 202],
    ['text/plain', 415],
    [undefined, 415],
  ])('answers Content-Type %s with %i', async (contentType, status) => {
    const answer = await call(postBuild(seoulSpecInput(), contentType ? { 'content-type': contentType } : {}));
    expect(answer.statusCode).toBe(status);
    if (status === 415) {
      expect(answer.body.error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', field: 'Content-Type' });
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    }
  });

  it('reads a base64-encoded body', async () => {
    const event = postBuild(seoulSpecInput());
    const answer = await call({ ...event, body: Buffer.from(event.body ?? '').toString('base64'), isBase64Encoded: true });
    expect(answer.statusCode).toBe(202);
  });

  it.each([
    { problem: 'malformed JSON', body: '{"name": ', code: 'MALFORMED_JSON', field: '(body)' },
    { problem: 'an empty body', body: '', code: 'MALFORMED_JSON', field: '(body)' },
    { problem: 'a JSON array', body: '[]', code: 'INVALID_VALUE', field: '(body)' },
    { problem: 'an unknown field', body: { ...seoulSpecInput(), colour: 'blue' }, code: 'UNKNOWN_FIELD', field: 'colour' },
    { problem: 'a name that is not a DNS label', body: seoulSpecInput({ name: 'Fin_K8s' }), code: 'INVALID_VALUE', field: 'name' },
    { problem: 'a missing bastion (one is the default)', body: { name: 'dev' }, code: 'REQUIRED', field: 'bastion.allowedSshCidrs' },
    {
      problem: 'no bastion and no Session Manager endpoints in a closed network',
      body: seoulSpecInput({ bastion: { enabled: false }, egress: 'none', endpoints: ['s3'] }),
      code: 'NO_OPERATOR_ACCESS',
      field: 'endpoints',
    },
    {
      problem: 'a Transit Gateway route overlapping the VPC',
      body: closedNetworkSpecInput({ transitGateway: { id: 'tgw-0123456789abcdef0', routes: ['10.0.0.0/8'] } }),
      code: 'CIDR_OVERLAP',
      field: 'transitGateway.routes[0]',
    },
    {
      problem: '"nat-per-az" with no room for a public subnet per zone',
      body: closedNetworkSpecInput({ availabilityZones: ['a', 'b', 'c', 'd', 'e'].map((z) => `ap-northeast-2${z}`) }),
      code: 'CIDR_NO_ROOM',
      field: 'egress',
    },
    { problem: 'a public VPC CIDR', body: seoulSpecInput({ vpcCidr: '8.8.0.0/16' }), code: match.any(String), field: 'vpcCidr' },
    {
      problem: 'SSH open to the world',
      body: seoulSpecInput({ bastion: { instanceType: 't3.micro', allowedSshCidrs: ['0.0.0.0/0'] } }),
      code: match.any(String),
      field: match.stringContaining('bastion.allowedSshCidrs'),
    },
  ])('answers 400 naming the field and starts nothing for $problem', async ({ body, code, field }) => {
    const answer = await call<ErrorBody>(postBuild(body));
    expect(answer.statusCode).toBe(400);
    expect(answer.body.error).toEqual({ code, field, message: match.any(String) });
    expect(answer.body.errors?.[0]).toEqual(answer.body.error);
    expect(answer.body.requestId).toBe('req-1234');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('lists every problem in errors, the first one in error', async () => {
    const answer = await call<ErrorBody>(postBuild({ ...seoulSpecInput({ name: 'BAD', workers: { count: 1000 } }), extra: 1 }));
    expect(answer.statusCode).toBe(400);
    const errors = answer.body.errors ?? [];
    expect(errors.length).toBeGreaterThanOrEqual(3);
    expect(errors.map((e) => e.field)).toEqual(expect.arrayContaining(['name', 'workers.count', 'extra']));
  });
});

describe('POST /builds with an Idempotency-Key', () => {
  const KEY = '5b0d7c9e-2f0a-4c61-9d8e-6f1f8f5f0a11';
  const withKey = (body: unknown, key = KEY) => postBuild(body, { 'Content-Type': 'application/json', 'idempotency-KEY': key });
  const ID = idempotentBuildId('fin-k8s-dev', KEY);
  /** The key's build id is taken by an execution with this status and input. */
  const nameTaken = (status: 'RUNNING' | 'SUCCEEDED', input: string) => {
    sfn.on(StartExecutionCommand).rejects(sdkError('ExecutionAlreadyExists'));
    sfn
      .on(DescribeExecutionCommand)
      .resolves({ executionArn: buildArn(ID), stateMachineArn: BUILD_MACHINE, name: ID, status, startDate: new Date(), input });
  };

  it('derives the build id from the key, the same for every retry', async () => {
    const first = await call(withKey(seoulSpecInput()));
    const second = await call(withKey(seoulSpecInput()));
    expect(first.body.buildId).toBe(ID);
    expect(second.body.buildId).toBe(ID);
    expect(ID).toMatch(/^fin-k8s-dev-k[0-9a-f]{16}$/);
    const names = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    expect(names).toEqual([ID, ID]);
  });

  it('answers 200 with the existing build when the key was used with the same body (the execution has ended)', async () => {
    // Same spec with its keys in another order: the same body as far as JSON is concerned.
    const reordered = Object.fromEntries(Object.entries(seoulSpecInput()).reverse());
    nameTaken('SUCCEEDED', JSON.stringify({ buildId: ID, specVersion: 1, spec: seoulSpec(), requestHash: requestHash(reordered) }));
    const answer = await call(withKey(seoulSpecInput()));
    expect(answer.statusCode).toBe(200);
    expect(answer.body).toMatchObject({ buildId: ID, status: 'SUCCEEDED', executionArn: buildArn(ID) });
    expect(sfn.commandCalls(DescribeExecutionCommand)[0].args[0].input).toEqual({ executionArn: buildArn(ID) });
  });

  it('answers 409 IDEMPOTENCY_CONFLICT when the key was used with a different body', async () => {
    nameTaken(
      'RUNNING',
      JSON.stringify({
        buildId: ID,
        specVersion: 1,
        spec: seoulSpec(),
        requestHash: requestHash(seoulSpecInput({ workers: { count: 6 } })),
      }),
    );
    const answer = await call(withKey(seoulSpecInput()));
    expect(answer.statusCode).toBe(409);
    expect(answer.body.error).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', field: 'Idempotency-Key' });
  });

  it('answers a repeat of a build started before request hashes were stored by comparing the spec as sent', async () => {
    nameTaken('SUCCEEDED', JSON.stringify({ buildId: ID, spec: seoulSpecInput() }));
    expect((await call(withKey(seoulSpecInput()))).statusCode).toBe(200);
    expect((await call(withKey(seoulSpecInput({ workers: { count: 6 } })))).statusCode).toBe(409);
  });

  it('scopes a key to the cluster name: the same key under another name is another build id (docs/design.md "2.7 Idempotency-Key")', async () => {
    await call(withKey(seoulSpecInput()));
    await call(withKey(seoulSpecInput({ name: 'other-cluster' })));
    const names = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    expect(names).toEqual([ID, idempotentBuildId('other-cluster', KEY)]);
  });

  it.each([
    { label: 'with spaces', key: 'a key with spaces' },
    { label: 'longer than 255 characters', key: 'x'.repeat(256) },
    { label: 'empty', key: '' },
  ])('rejects an Idempotency-Key $label with 400 before starting anything', async ({ key }) => {
    const answer = await call<ErrorBody>(withKey(seoulSpecInput(), key));
    expect(answer.statusCode).toBe(400);
    expect(answer.body.error.code).toBe('INVALID_IDEMPOTENCY_KEY');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('answers 409 BUILD_ID_TAKEN when a generated id collides without a key', async () => {
    sfn.on(StartExecutionCommand).rejects(sdkError('ExecutionAlreadyExists'));
    const answer = await call<ErrorBody>(postBuild(seoulSpecInput()));
    expect(answer.statusCode).toBe(409);
    expect(answer.body.error.code).toBe('BUILD_ID_TAKEN');
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
  });
});

describe('POST /builds when Step Functions refuses', () => {
  it.each([
    { error: sdkError('ExecutionLimitExceeded'), status: 429, code: 'TOO_MANY_BUILDS' },
    { error: sdkError('ThrottlingException'), status: 503, code: 'SERVICE_UNAVAILABLE' },
    { error: sdkError('InternalServerError', 500), status: 503, code: 'SERVICE_UNAVAILABLE' },
    { error: sdkError('StateMachineDoesNotExist'), status: 500, code: 'INTERNAL' },
  ])('answers $status $code on $error.name', async ({ error, status, code }) => {
    sfn.on(StartExecutionCommand).rejects(error);
    const answer = await call<ErrorBody>(postBuild(seoulSpecInput()));
    expect(answer.statusCode).toBe(status);
    expect(answer.body.error.code).toBe(code);
    expect(answer.body.requestId).toBe('req-1234');
  });
});

describe('POST /builds with a spec AWS would refuse half way', () => {
  it.each([
    {
      problem: 'a name that makes the load balancer internal-…',
      body: seoulSpecInput({ name: 'internal-apps' }),
      code: 'NAME_RESERVED_PREFIX',
      field: 'name',
    },
    {
      problem: 'a name that makes security groups sg-…',
      body: seoulSpecInput({ name: 'sg-lab' }),
      code: 'NAME_RESERVED_PREFIX',
      field: 'name',
    },
    {
      problem: 'more NLB rules than a security group holds',
      body: seoulSpecInput({ loadBalancer: { allowedClientCidrs: Array.from({ length: 20 }, (_, i) => `172.16.${i}.0/24`) } }),
      code: 'SECURITY_GROUP_RULE_LIMIT',
      field: 'loadBalancer.allowedClientCidrs',
    },
  ])('answers 400 naming the field and starts nothing for $problem', async ({ body, code, field }) => {
    const answer = await call(postBuild(body));
    expect(answer.statusCode).toBe(400);
    expect(answer.body.error).toEqual({ code, field, message: match.any(String) });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});
