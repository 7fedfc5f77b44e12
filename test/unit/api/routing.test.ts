import { ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { createApiHandler } from '../../../functions/handlers/api';
import { seoulSpecInput } from '../../fixtures/build';
import { match } from '../../fixtures/matchers';
import { apiEvent, call, ENV, logs, postBuild, type ErrorBody } from './api-fixtures';

const sfn = mockClient(SFNClient);

afterEach(() => {
  sfn.reset();
  logs.length = 0;
});

describe('api routing', () => {
  it.each([
    { method: 'GET', path: '/clusters' },
    { method: 'GET', path: '/builds/a/b' },
    { method: 'POST', path: '/' },
  ])('answers 404 NOT_FOUND in the error shape for $method $path', async ({ method, path }) => {
    const answer = await call(apiEvent(method, path));
    expect(answer.statusCode).toBe(404);
    expect(answer.headers['Content-Type']).toBe('application/json');
    expect(answer.body).toEqual({ error: { code: 'NOT_FOUND', message: match.any(String) }, requestId: 'req-1234' });
  });

  it.each([
    { method: 'PUT', path: '/builds', allow: 'POST, GET' },
    { method: 'PATCH', path: '/builds/x-1', allow: 'GET, DELETE' },
    { method: 'POST', path: '/builds/x-1/artifacts/ssh_config', allow: 'GET' },
  ])('answers 405 with an Allow header for $method $path', async ({ method, path, allow }) => {
    const answer = await call<ErrorBody>(apiEvent(method, path));
    expect(answer.statusCode).toBe(405);
    expect(answer.headers.Allow).toBe(allow);
    expect(answer.body.error.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('accepts a trailing slash and decodes path parameters', async () => {
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    expect((await call(apiEvent('GET', '/builds/'))).statusCode).toBe(200);
    expect((await call(apiEvent('GET', '/builds/x-1/artifacts/ssh%5Fconfig%ZZ'))).statusCode).toBe(404);
  });

  it('answers 500 without calling AWS when the state machine ARNs are not configured', async () => {
    const answer = await call<ErrorBody>(postBuild(seoulSpecInput()), { BUILD_STATE_MACHINE_ARN: 'not-an-arn' });
    expect(answer.statusCode).toBe(500);
    expect(answer.body.error.code).toBe('INTERNAL');
    expect(sfn.calls()).toHaveLength(0);
    expect(logs.map((l) => l.message)).toContain('api is misconfigured');
  });

  it('logs one summary line per request, never the body', async () => {
    sfn
      .on(StartExecutionCommand)
      .resolves({ executionArn: 'arn:aws:states:ap-northeast-2:123456789012:execution:k8s-ec2-build:x', startDate: new Date() });
    await call(postBuild({ ...seoulSpecInput(), keyName: 'secret-looking-key-name' }));
    expect(logs).toEqual([
      {
        level: 'info',
        message: 'request',
        extra: { method: 'POST', route: '/builds', requestId: 'req-1234', statusCode: 202, durationMs: match.any(Number) },
      },
    ]);
    expect(JSON.stringify(logs)).not.toContain('secret-looking-key-name');
  });

  it('logs an unexpected failure at error level with its name, and answers 500 INTERNAL', async () => {
    sfn.on(ListExecutionsCommand).rejects(new TypeError('boom'));
    const answer = await call(apiEvent('GET', '/builds'));
    expect(answer.statusCode).toBe(500);
    expect(logs[0]).toMatchObject({ level: 'error', message: 'request failed', extra: { errorName: 'TypeError', statusCode: 500 } });
  });

  it('makes up a request id when API Gateway sends none, and reads the region from the ARN', async () => {
    const handler = createApiHandler({ env: ENV, logger: { info: () => undefined, error: () => undefined } });
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    const event = { ...apiEvent('GET', '/builds'), requestContext: undefined as never };
    const result = await handler(event);
    expect(result.statusCode).toBe(200);
    expect((result.headers as Record<string, string>)['X-Request-Id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(await (sfn.call(0).thisValue as SFNClient).config.region()).toBe('ap-northeast-2');
  });
});
