import { RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsThrottled, NotYetVisible, PermissionDenied, QuotaExceeded, WorkflowContractError } from '../../../functions/core/errors';
import { registerTargets } from '../../../functions/resources/targets';
import { awsError, mockAws } from '../../fixtures/aws';
import { seoulPlan } from '../../fixtures/build';
import { NODES, tgArn } from '../../fixtures/ids';

const { ec2, elbv2, clients } = mockAws();
const plan = seoulPlan();
const targetGroupArns = { api: tgArn('api'), 'ingress-80': tgArn('ingress-80'), 'ingress-443': tgArn('ingress-443') };
const nodes = NODES;
const controlPlanes = ['i-cp1', 'i-cp2', 'i-cp3'];
const workers = ['i-wk1', 'i-wk2', 'i-wk3'];

const registrations = () =>
  elbv2.commandCalls(RegisterTargetsCommand).map((c) => [c.args[0].input.TargetGroupArn, c.args[0].input.Targets]);

describe('registerTargets', () => {
  it('registers control planes with the api group on 6443 and workers with each ingress group on its NodePort, one call per group', async () => {
    await expect(registerTargets(clients, plan, targetGroupArns, nodes)).resolves.toEqual({
      registered: { api: controlPlanes, 'ingress-80': workers, 'ingress-443': workers },
    });
    expect(registrations()).toEqual([
      [tgArn('api'), controlPlanes.map((Id) => ({ Id, Port: 6443 }))],
      [tgArn('ingress-80'), workers.map((Id) => ({ Id, Port: 30080 }))],
      [tgArn('ingress-443'), workers.map((Id) => ({ Id, Port: 30443 }))],
    ]);
  });

  it('describes nothing first: the ids come from the state, and readiness has seen every node running', async () => {
    await registerTargets(clients, plan, targetGroupArns, nodes);
    expect(ec2.calls()).toHaveLength(0);
    expect(elbv2.calls()).toHaveLength(3);
  });

  it('registers the same targets again when the step is retried (RegisterTargets is idempotent per instance and port)', async () => {
    await registerTargets(clients, plan, targetGroupArns, nodes);
    await registerTargets(clients, plan, targetGroupArns, nodes);
    expect(registrations().slice(3)).toEqual(registrations().slice(0, 3));
  });

  it.each([
    { code: 'InvalidTarget', errorClass: NotYetVisible },
    { code: 'TooManyTargets', errorClass: QuotaExceeded },
    { code: 'Throttling', errorClass: AwsThrottled },
    { code: 'AccessDenied', errorClass: PermissionDenied },
  ])('throws $errorClass.name when RegisterTargets answers $code for nodes readiness saw running', async ({ code, errorClass }) => {
    // InvalidTarget for an instance EC2 reports running in our VPC: ELBv2 has not caught up with EC2.
    elbv2.on(RegisterTargetsCommand).rejects(awsError(code));
    await expect(registerTargets(clients, plan, targetGroupArns, nodes)).rejects.toThrow(errorClass);
  });

  it('throws WorkflowContractError when a planned target group has no ARN', async () => {
    await expect(registerTargets(clients, plan, { api: tgArn('api') }, nodes)).rejects.toThrow(WorkflowContractError);
  });

  it('makes no call when there are no nodes', async () => {
    await expect(registerTargets(clients, plan, targetGroupArns, [])).resolves.toEqual({
      registered: { api: [], 'ingress-80': [], 'ingress-443': [] },
    });
    expect(elbv2.calls()).toHaveLength(0);
  });
});
