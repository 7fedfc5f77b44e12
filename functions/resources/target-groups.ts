import {
  CreateTargetGroupCommand,
  DeleteTargetGroupCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  ModifyTargetGroupAttributesCommand,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../core/clients';
import { aws, NotYetVisible, ResourceConflict } from '../core/errors';
import type { Plan, TargetGroupPlan } from '../core/plan';
import { elbTags, lookupOwned, type Lookup } from './elb-owned';
import { wasDeleted } from './owned';

/**
 * The NLB's target groups (one per listener, `plan.targetGroups`): instance targets over TCP, health
 * checked on the traffic port. Found by name, and only treated as ours when tagged with our build id.
 */
export const PRESERVE_CLIENT_IP_ATTRIBUTE = 'preserve_client_ip.enabled';
export const DEREGISTRATION_DELAY_ATTRIBUTE = 'deregistration_delay.timeout_seconds';
/**
 * AWS's default is 300 s. Nodes here are replaced by rebuilding, not drained one by one, and a teardown
 * should not wait five minutes per target; 30 s still lets in-flight API requests finish.
 */
export const DEREGISTRATION_DELAY_SECONDS = 30;
/** TCP health check on the traffic port: an API server or ingress NodePort that accepts a connection is up. */
export const HEALTH_CHECK = {
  HealthCheckProtocol: 'TCP',
  HealthCheckPort: 'traffic-port',
  HealthCheckIntervalSeconds: 10,
  HealthyThresholdCount: 3,
  UnhealthyThresholdCount: 3,
} as const;

function findTargetGroup(clients: AwsClients, plan: Plan, tg: TargetGroupPlan): Promise<Lookup<TargetGroup>> {
  const Names = [tg.name];
  return lookupOwned(
    clients,
    plan.buildId,
    'DescribeTargetGroups',
    async () => (await clients.elbv2.send(new DescribeTargetGroupsCommand({ Names }))).TargetGroups,
    (group) => group.TargetGroupArn,
  );
}

/** Ensures every planned target group and its attributes. Returns target group key → ARN. */
export async function ensureTargetGroups(clients: AwsClients, plan: Plan, vpcId: string): Promise<Record<string, string>> {
  const arns: Record<string, string> = {};
  for (const tg of plan.targetGroups) {
    arns[tg.key] = await ensureTargetGroup(clients, plan, tg, vpcId);
    await ensureAttributes(clients, arns[tg.key], tg);
  }
  return arns;
}

async function ensureTargetGroup(clients: AwsClients, plan: Plan, tg: TargetGroupPlan, vpcId: string): Promise<string> {
  const found = await findTargetGroup(clients, plan, tg);
  if (found.kind === 'foreign') {
    throw new ResourceConflict(
      `targetGroups.${tg.key}: the name ${tg.name} is used by a target group that is not part of build ${plan.buildId} (${found.arn}); ` +
        'pick another cluster name or delete that target group',
      { details: { field: 'name', targetGroupArn: found.arn } },
    );
  }
  if (found.kind === 'owned') {
    // A target group cannot move between VPCs; one of ours elsewhere means the network was rebuilt under it.
    if (found.resource.VpcId !== vpcId) {
      throw new ResourceConflict(
        `targetGroups.${tg.key}: ${tg.name} is in ${found.resource.VpcId}, not ${vpcId}; tear the build down and start again`,
        {
          details: { targetGroupArn: found.arn },
        },
      );
    }
    return found.arn;
  }
  // CreateTargetGroup takes no ClientToken but is idempotent by name: the same name with the same settings
  // returns the existing group, so a Describe that lags behind an earlier create cannot lead to a second one
  // (different settings answer DuplicateTargetGroupName → ResourceConflict).
  const out = await aws('CreateTargetGroup', () =>
    clients.elbv2.send(
      new CreateTargetGroupCommand({
        Name: tg.name,
        Protocol: 'TCP',
        Port: tg.targetPort,
        TargetType: 'instance',
        VpcId: vpcId,
        ...HEALTH_CHECK,
        Tags: elbTags(tg.tags),
      }),
    ),
  );
  const arn = out.TargetGroups?.[0]?.TargetGroupArn;
  if (!arn) throw new NotYetVisible(`CreateTargetGroup: no target group returned for ${tg.name}`);
  return arn;
}

/** Sets only the attributes that differ, so a rerun on a finished build makes no change. */
async function ensureAttributes(clients: AwsClients, targetGroupArn: string, tg: TargetGroupPlan): Promise<void> {
  const wanted: Record<string, string> = {
    // NLB hairpin: with instance targets and client IP preservation on, a control plane that reaches the API
    // through the NLB and is routed to itself receives a packet from its own IP, answers itself directly
    // instead of through the NLB, and the connection times out (kubeadm init/join hangs). The plan turns it
    // off unless the spec asks for it.
    // https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-troubleshooting.html#loopback-timeout
    [PRESERVE_CLIENT_IP_ATTRIBUTE]: String(tg.preserveClientIp),
    [DEREGISTRATION_DELAY_ATTRIBUTE]: String(DEREGISTRATION_DELAY_SECONDS),
  };
  const out = await aws('DescribeTargetGroupAttributes', () =>
    clients.elbv2.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: targetGroupArn })),
  );
  const current = new Map((out.Attributes ?? []).map((a) => [a.Key, a.Value]));
  const changes = Object.entries(wanted)
    .filter(([key, value]) => current.get(key) !== value)
    .map(([Key, Value]) => ({ Key, Value }));
  if (changes.length === 0) return;
  await aws('ModifyTargetGroupAttributes', () =>
    clients.elbv2.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: targetGroupArn, Attributes: changes })),
  );
}

/**
 * Deletes the build's target groups. Absent, or same-named groups that are not ours, are skipped. A group
 * still used by a listener answers ResourceInUse → ResourceNotReady, so the state machine retries after the
 * listeners are gone. Returns the ARNs deleted.
 */
export async function deleteTargetGroups(clients: AwsClients, plan: Plan): Promise<string[]> {
  const deleted: string[] = [];
  for (const tg of plan.targetGroups) {
    const found = await findTargetGroup(clients, plan, tg);
    if (found.kind !== 'owned') continue;
    if (await wasDeleted('DeleteTargetGroup', () => clients.elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: found.arn }))))
      deleted.push(found.arn);
  }
  return deleted;
}
