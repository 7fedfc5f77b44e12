/**
 * POST /plans with a Price List that never answers: the plan still comes back before API Gateway's 29 s, its
 * prices unknown and saying why, never $0. (test/e2e/plan.e2e.test.ts covers the route on the local stack.)
 */
import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { parseStateMachineArn } from '../../../functions/api/ids';
import { routeIn, type RouteTable } from '../../../functions/api/router';
import type { OperationsContext } from '../../../functions/ops/context';
import type { PlanAnswer } from '../../../functions/ops/contracts';
import { createPlan, PLAN_ESTIMATE_TIMEOUT_MS } from '../../../functions/ops/routes-plan';
import { mockAws } from '../../fixtures/aws';
import { seoulSpecInput } from '../../fixtures/build';
import { apiEvent, BUILD_MACHINE, NOW, REGION, TEARDOWN_MACHINE } from '../api/api-fixtures';

const aws = mockAws();
const pricing = mockClient(PricingClient);
afterEach(() => pricing.reset());

const ROUTES: RouteTable<OperationsContext> = [{ method: 'POST', path: '/plans', route: createPlan }];

function postPlan(): Promise<{ result: { statusCode: number; body: string } }> {
  const ctx: Omit<OperationsContext, 'params'> = {
    event: apiEvent('POST', '/plans', { body: JSON.stringify(seoulSpecInput()), headers: { 'Content-Type': 'application/json' } }),
    sfn: new SFNClient({ region: REGION }),
    machines: { build: parseStateMachineArn(BUILD_MACHINE)!, teardown: parseStateMachineArn(TEARDOWN_MACHINE)! },
    requestId: 'req-1234',
    now: () => NOW,
    random: () => 0.5,
    clientsFor: () => aws.clients,
    pricing: new PricingClient({ region: 'us-east-1' }),
    region: REGION,
  };
  return routeIn(ROUTES, 'POST', '/plans', ctx);
}

describe('POST /plans with a Price List that does not answer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('answers within the deadline, every price unknown with the reason, well inside the function timeout', async () => {
    pricing.on(GetProductsCommand).callsFake(() => new Promise(() => undefined));
    // An account that answers every Preflight read with nothing: what it finds is not this test's concern.
    aws.ec2.onAnyCommand().resolves({});
    aws.elbv2.onAnyCommand().resolves({});
    aws.quotas.onAnyCommand().resolves({});
    aws.iam.onAnyCommand().resolves({});
    const pending = postPlan();
    await jest.advanceTimersByTimeAsync(PLAN_ESTIMATE_TIMEOUT_MS);
    const { result } = await pending;
    expect(result.statusCode).toBe(200);
    const { estimate } = JSON.parse(result.body) as PlanAnswer;
    expect(estimate.lines.length).toBeGreaterThan(0);
    expect(estimate.unknown).toEqual(estimate.lines.map((line) => line.item));
    for (const line of estimate.lines) expect(line.note).toMatch(/^the Price List did not answer within 10 s/);
    expect(estimate.lines.filter((line) => line.hourlyUsd !== undefined)).toEqual([]);
    // The function has 25 s (infra/functions.ts OPERATIONS_TIMEOUT) and API Gateway 29 s.
    expect(PLAN_ESTIMATE_TIMEOUT_MS).toBeLessThan(25_000);
  });
});
