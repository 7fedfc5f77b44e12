import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { THROTTLE_BUDGET_WITHOUT_SCOPE_MS } from '../../../functions/core/retry-strategy';
import { createOperationsHandler, OPERATIONS_DEADLINE } from '../../../functions/handlers/operations';
import { readClientsFor } from '../../../functions/ops/clients';
import { apiEvent, ENV, NOW, REGION } from '../api/api-fixtures';
import { awsError } from '../../fixtures/aws';
import { scriptedEc2, TEST_CREDENTIALS, type ScriptedEc2 } from '../core/scripted-ec2';

/**
 * A route the account throttles, through real SDK clients (their retry middleware and our strategy) against a
 * scripted endpoint that throttles every request: every call of the request shares its one deadline. Apart from
 * operations.test.ts, whose aws-sdk-client-mock stubs would answer these clients too.
 */
const sfn = mockClient(SFNClient);
afterEach(() => {
  sfn.reset();
  jest.restoreAllMocks();
});
const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };

let endpoint: ScriptedEc2 | undefined;
afterEach(() => endpoint?.close());

it("stops resending at the request's one deadline and answers 503, where each call alone would have had 20 s", async () => {
  // Full jitter's draws at their middle, so that the waits are the same on every run.
  jest.spyOn(Math, 'random').mockReturnValue(0.5);
  // Simulated time, as in the local runtime: each request to AWS takes a second on the clock.
  let now = NOW.getTime();
  const clock = { now: () => now };
  endpoint = await scriptedEc2([], 'throttle', () => (now += 1_000));
  // Every service's calls go to the endpoint; backoffs are slept a thousandth of their length.
  const clientsFor = readClientsFor({ AWS_ENDPOINT_URL: endpoint.url }, TEST_CREDENTIALS, { clock, delayScale: 1_000 });
  sfn.on(DescribeExecutionCommand).rejects(awsError('ExecutionDoesNotExist'));
  const handler = createOperationsHandler({
    sfn: sfn as unknown as SFNClient,
    env: { ...ENV, AWS_REGION: REGION },
    now: () => new Date(clock.now()),
    logger,
    pricing: undefined as never,
    clientsFor,
  });
  const started = now;

  const result = await handler(apiEvent('GET', '/orphans'), { getRemainingTimeInMillis: () => OPERATIONS_DEADLINE.marginMs + 4_000 });

  expect(result.statusCode).toBe(503);
  expect(JSON.parse(result.body)).toMatchObject({ error: { code: 'SERVICE_UNAVAILABLE' } });
  expect(logger.warn).toHaveBeenCalledWith(
    'AWS throttled the call; retrying',
    expect.objectContaining({ errorCode: 'RequestLimitExceeded' }),
  );
  // No wait was begun that would end past the deadline (4 s after the start); each request moves the clock a
  // second, and the EC2, ELB and IAM reads run side by side, so the route gave up within a request per read of
  // the deadline (4–7 s), where each call alone would have resent for 20 s (18 s without the scope).
  expect(now - started).toBeLessThan(THROTTLE_BUDGET_WITHOUT_SCOPE_MS / 2);
});
