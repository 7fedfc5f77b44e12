import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import {
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../core/clients';
import type { NodeRecord, TargetsResult } from '../core/contracts';
import { aws, awsOnFreshIds, NotYetVisible, ResourceConflict, ResourceNotReady, WorkflowContractError } from '../core/errors';
import type { Plan } from '../core/plan';

/**
 * Registration of the nodes with the NLB's target groups: control planes → `api` on 6443, workers → each
 * `ingress-<port>` group on its NodePort. Registration needs only `running` instances, not an active NLB
 * or passing status checks, so it runs as soon as the nodes are up.
 */
export interface TargetHealthSummary {
  instanceId: string;
  port?: number;
  /** `initial`, `healthy`, `unhealthy`, `unused`, `draining`, `unavailable`… */
  state: string;
  reason?: string;
}

/**
 * RegisterTargets answers InvalidTarget for an instance that is still `pending`, and InvalidTarget is
 * terminal in general. So check first and throw ResourceNotReady: the state machine retries until all are
 * running. Once EC2 reports every node running (in our subnets, so in the target groups' VPC), an
 * InvalidTarget from RegisterTargets can only be ELBv2 lagging behind EC2: see `registerMissing`.
 */
async function requireRunning(clients: AwsClients, nodes: NodeRecord[]): Promise<void> {
  if (nodes.length === 0) return;
  const InstanceIds = nodes.map((n) => n.instanceId);
  const out = await aws('DescribeInstances', () => clients.ec2.send(new DescribeInstancesCommand({ InstanceIds })));
  const states = new Map<string, string>();
  for (const reservation of out.Reservations ?? []) {
    for (const instance of reservation.Instances ?? []) {
      if (instance.InstanceId) states.set(instance.InstanceId, instance.State?.Name ?? 'unknown');
    }
  }
  const unseen = InstanceIds.filter((id) => !states.has(id));
  if (unseen.length > 0)
    throw new NotYetVisible(`DescribeInstances: ${unseen.join(', ')} not visible yet`, { details: { instanceIds: unseen } });
  const pending = nodes.filter((n) => states.get(n.instanceId) === 'pending');
  if (pending.length > 0) {
    throw new ResourceNotReady(`waiting for ${pending.map((n) => `${n.name} (${n.instanceId})`).join(', ')} to leave pending`, {
      details: { pending: pending.map((n) => n.instanceId) },
    });
  }
  // Stopped or terminated nodes will not come back by waiting; the build has to be redone.
  const gone = nodes.filter((n) => states.get(n.instanceId) !== 'running');
  if (gone.length > 0) {
    throw new ResourceConflict(
      `cannot register ${gone.map((n) => `${n.name} (${n.instanceId}: ${states.get(n.instanceId)})`).join(', ')}; only running instances can be targets`,
      { details: { instanceIds: gone.map((n) => n.instanceId) } },
    );
  }
}

async function targetHealth(clients: AwsClients, targetGroupArn: string): Promise<TargetHealthDescription[]> {
  const out = await aws('DescribeTargetHealth', () =>
    clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })),
  );
  return out.TargetHealthDescriptions ?? [];
}

function arnFor(targetGroupArns: Record<string, string>, key: string): string {
  const arn = targetGroupArns[key];
  if (!arn)
    throw new WorkflowContractError(`state.loadBalancer.targetGroupArns has no ${key}; CreateLoadBalancer makes one per target group`);
  return arn;
}

/**
 * Registers each node with its target groups, only where it is not registered yet (a rerun makes no
 * call). Throws ResourceNotReady while any node is pending. Returns target group key → instance ids.
 */
export async function registerTargets(
  clients: AwsClients,
  plan: Plan,
  targetGroupArns: Record<string, string>,
  nodes: NodeRecord[],
): Promise<TargetsResult> {
  await requireRunning(clients, nodes);
  const registered: Record<string, string[]> = {};
  for (const tg of plan.targetGroups) {
    const targetGroupArn = arnFor(targetGroupArns, tg.key);
    const wanted = nodes.filter((n) => n.role === tg.targetRole).map((n) => n.instanceId);
    // A draining target is being deregistered, so it does not count as registered: register it again.
    const present = new Set(
      (await targetHealth(clients, targetGroupArn))
        .filter((d) => d.Target?.Port === tg.targetPort && d.TargetHealth?.State !== 'draining')
        .map((d) => d.Target?.Id),
    );
    const missing = wanted.filter((id) => !present.has(id));
    if (missing.length > 0) await registerMissing(clients, targetGroupArn, missing, tg.targetPort);
    registered[tg.key] = wanted;
  }
  return { registered };
}

/**
 * InvalidTarget documents three causes: the target does not exist, is not in the target group's VPC, or
 * has an unsupported instance type (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_RegisterTargets.html).
 * Here `requireRunning` has just seen every node running through EC2, the nodes live in the build's
 * subnets (the target groups' VPC, checked by ensureTargetGroups) and their types passed Preflight; what
 * is left is "does not exist" for an instance EC2 launched moments ago: ELBv2 has not caught up
 * (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html). So here it is NotYetVisible,
 * retried, as Terraform's aws_lb_target_group_attachment retries InvalidTargetException on RegisterTargets
 * (https://github.com/hashicorp/terraform-provider-aws/blob/main/internal/service/elbv2/target_group_attachment.go).
 */
async function registerMissing(clients: AwsClients, targetGroupArn: string, instanceIds: string[], port: number): Promise<void> {
  await awsOnFreshIds('RegisterTargets', ['InvalidTarget'], () =>
    clients.elbv2.send(
      new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: instanceIds.map((Id) => ({ Id, Port: port })) }),
    ),
  );
}

/** The registered targets of each target group and their health, for the readiness step. */
export async function describeTargets(
  clients: AwsClients,
  targetGroupArns: Record<string, string>,
): Promise<Record<string, TargetHealthSummary[]>> {
  const result: Record<string, TargetHealthSummary[]> = {};
  for (const [key, targetGroupArn] of Object.entries(targetGroupArns)) {
    result[key] = (await targetHealth(clients, targetGroupArn)).map((d) => ({
      instanceId: d.Target?.Id ?? '',
      port: d.Target?.Port,
      state: d.TargetHealth?.State ?? 'unknown',
      ...(d.TargetHealth?.Reason ? { reason: d.TargetHealth.Reason } : {}),
    }));
  }
  return result;
}
