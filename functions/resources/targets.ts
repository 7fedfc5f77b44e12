import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import {
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../core/clients';
import type { NodeRecord, TargetsResult } from '../core/contracts';
import { aws, InvalidSpec, NotYetVisible, ResourceConflict, ResourceNotReady } from '../core/errors';
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
 * terminal. So check first and throw ResourceNotReady: the state machine retries until all are running.
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
  if (unseen.length > 0) throw new NotYetVisible(`DescribeInstances: ${unseen.join(', ')} not visible yet`, { details: { instanceIds: unseen } });
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
  if (!arn) throw new InvalidSpec(`state.loadBalancer.targetGroupArns has no ${key}; CreateLoadBalancer must run first`);
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
    if (missing.length > 0) {
      await aws('RegisterTargets', () =>
        clients.elbv2.send(
          new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: missing.map((Id) => ({ Id, Port: tg.targetPort })) }),
        ),
      );
    }
    registered[tg.key] = wanted;
  }
  return { registered };
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
