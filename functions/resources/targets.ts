import { RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../core/clients';
import type { NodeRecord, TargetsResult } from '../core/contracts';
import { awsOnFreshIds, WorkflowContractError } from '../core/errors';
import type { Plan } from '../core/plan';

/**
 * Registration of the nodes with the NLB's target groups: control planes → `api` on 6443, workers → each
 * `ingress-<port>` group on its NodePort. "If the target is an EC2 instance, it must be in the running state
 * when you register it" (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_RegisterTargets.html),
 * so RegisterTargets runs after WaitUntilReady has seen every node running with both status checks ok, and
 * registers the instance ids the state carries without describing anything first: one RegisterTargets per
 * target group, whatever is registered already. ELBv2 keys a registration by instance and port ("You can
 * register each EC2 instance … with the same target group multiple times using different ports", same page),
 * so registering an instance again on the same port names the registration it has, and the page lists no
 * error for it (only InvalidTarget, TargetGroupNotFound, TooManyRegistrationsForTargetId, TooManyTargets); the
 * embedded cloud answers it as a no-op (local/cloud/elbv2/targets.ts). So a retried step repeats its calls
 * safely, at the cost a Describe per group would have had anyway.
 */

function arnFor(targetGroupArns: Record<string, string>, key: string): string {
  const arn = targetGroupArns[key];
  if (!arn)
    throw new WorkflowContractError(`state.loadBalancer.targetGroupArns has no ${key}; CreateLoadBalancer makes one per target group`);
  return arn;
}

/** Registers each node with its role's target groups (one call per group). Returns target group key → instance ids. */
export async function registerTargets(
  clients: AwsClients,
  plan: Plan,
  targetGroupArns: Record<string, string>,
  nodes: NodeRecord[],
): Promise<TargetsResult> {
  const registered: Record<string, string[]> = {};
  for (const tg of plan.targetGroups) {
    const targetGroupArn = arnFor(targetGroupArns, tg.key);
    const wanted = nodes.filter((n) => n.role === tg.targetRole).map((n) => n.instanceId);
    if (wanted.length > 0) await register(clients, targetGroupArn, wanted, tg.targetPort);
    registered[tg.key] = wanted;
  }
  return { registered };
}

/**
 * InvalidTarget documents three causes: the target does not exist, is not in the target group's VPC, or
 * has an unsupported instance type (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_RegisterTargets.html).
 * Here WaitUntilReady has just seen every node running through EC2, the nodes live in the build's
 * subnets (the target groups' VPC, checked by ensureTargetGroups) and their types passed Preflight; what
 * is left is "does not exist" for an instance EC2 launched not long ago: ELBv2 has not caught up
 * (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html). So here it is NotYetVisible,
 * retried, as Terraform's aws_lb_target_group_attachment retries InvalidTargetException on RegisterTargets
 * (https://github.com/hashicorp/terraform-provider-aws/blob/main/internal/service/elbv2/target_group_attachment.go).
 */
async function register(clients: AwsClients, targetGroupArn: string, instanceIds: string[], port: number): Promise<void> {
  await awsOnFreshIds('RegisterTargets', ['InvalidTarget'], () =>
    clients.elbv2.send(
      new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: instanceIds.map((Id) => ({ Id, Port: port })) }),
    ),
  );
}
