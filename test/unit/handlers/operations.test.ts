import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { currentInvocation, type InvocationScope } from '../../../functions/core/retry-scope';
import { createOperationsHandler, OPERATIONS_DEADLINE } from '../../../functions/handlers/operations';
import { OPERATIONS_TIMEOUT } from '../../../infra/functions';
import { apiEvent, ENV, NOW, REGION } from '../api/api-fixtures';
import { mockAws } from '../../fixtures/aws';
import { TaggedWorld } from '../ops/tagged-world';

/**
 * The operations function runs each request's AWS calls within one invocation scope: one deadline for all of
 * them (the Lambda's remaining time less OPERATIONS_DEADLINE.marginMs), so a throttled route answers 503 before
 * the function's timeout instead of each call spending its own 20 s (operations-throttled.test.ts: real clients).
 */
const aws = mockAws();
const sfn = mockClient(SFNClient);
afterEach(() => sfn.reset());

const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
afterEach(() => jest.clearAllMocks());

/** GET /orphans on an empty account, recording the scope its clients are asked for in. */
function orphansHandler() {
  const scopes: Array<InvocationScope | undefined> = [];
  const handler = createOperationsHandler({
    sfn: sfn as unknown as SFNClient,
    env: { ...ENV, AWS_REGION: REGION },
    now: () => NOW,
    logger,
    pricing: undefined as never,
    clientsFor: () => {
      scopes.push(currentInvocation());
      return aws.clients;
    },
  });
  return { handler, scopes };
}

describe('the operations deadline', () => {
  beforeEach(() => new TaggedWorld().install(aws));

  it("comes from the Lambda context: its remaining time less the margin, on the routes' clock", async () => {
    const { handler, scopes } = orphansHandler();
    const result = await handler(apiEvent('GET', '/orphans'), { getRemainingTimeInMillis: () => 12_345 });
    expect(result.statusCode).toBe(200);
    expect(scopes).toHaveLength(1);
    const [scope] = scopes;
    expect(scope?.deadline).toBe(NOW.getTime() + 12_345 - OPERATIONS_DEADLINE.marginMs);
    expect(scope?.clock.now()).toBe(NOW.getTime());
    expect(scope?.logger).toBe(logger);
  });

  it("without a context, is the function's timeout less the margin: below API Gateway's 29 s", async () => {
    const { handler, scopes } = orphansHandler();
    await handler(apiEvent('GET', '/orphans'));
    expect(scopes[0]?.deadline).toBe(NOW.getTime() + OPERATIONS_DEADLINE.withoutContextMs - OPERATIONS_DEADLINE.marginMs);
    expect(OPERATIONS_DEADLINE.withoutContextMs).toBe(OPERATIONS_TIMEOUT.toMilliseconds());
    expect(OPERATIONS_DEADLINE.withoutContextMs - OPERATIONS_DEADLINE.marginMs).toBeLessThan(29_000);
  });

  it('gives each request a scope of its own', async () => {
    const { handler, scopes } = orphansHandler();
    await handler(apiEvent('GET', '/orphans'), { getRemainingTimeInMillis: () => 20_000 });
    await handler(apiEvent('GET', '/orphans'), { getRemainingTimeInMillis: () => 10_000 });
    expect(scopes.map((s) => s!.deadline - NOW.getTime())).toEqual([15_000, 5_000]);
    expect(scopes[0]).not.toBe(scopes[1]);
    expect(currentInvocation()).toBeUndefined();
  });
});
