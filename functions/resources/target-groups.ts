import {
  CreateTargetGroupCommand,
  DeleteTargetGroupCommand,
  ModifyTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../core/clients';
import { aws, codeOf, NotYetVisible, ResourceConflict } from '../core/errors';
import type { Plan, TargetGroupPlan } from '../core/plan';
import { describeTargetGroupsNamed, elbTags } from './elb-owned';
import { wasDeleted } from './owned';

/**
 * The NLB's target groups (one per listener, `plan.targetGroups`): instance targets over TCP, health
 * checked on the traffic port. The teardown finds them by name and treats them as ours only when tagged with
 * our build id; the build gets them from CreateTargetGroup itself (see ensureTargetGroups).
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

/**
 * Creates every planned target group, or gets back the ones an earlier attempt created, and sets their
 * attributes. Returns target group key → ARN. No lookup comes first (docs/design.md "13.2 Build steps: fewer
 * calls"): CreateTargetGroup is idempotent, "If you attempt to create multiple target groups with the same
 * settings, each call succeeds" (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html),
 * and answers with the existing group. The settings include the build's VPC, so what it answers is ours and in
 * that VPC; a same-named group with other settings (another build's, one left in another VPC, one changed by
 * hand) is DuplicateTargetGroupName, a ResourceConflict.
 */
export async function ensureTargetGroups(clients: AwsClients, plan: Plan, vpcId: string): Promise<Record<string, string>> {
  const arns: Record<string, string> = {};
  for (const tg of plan.targetGroups) {
    arns[tg.key] = await createTargetGroup(clients, plan, tg, vpcId);
    await setAttributes(clients, arns[tg.key], tg);
  }
  return arns;
}

async function createTargetGroup(clients: AwsClients, plan: Plan, tg: TargetGroupPlan, vpcId: string): Promise<string> {
  // CreateTargetGroup takes no ClientToken but is idempotent by name (see ensureTargetGroups).
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
  ).catch((error: unknown) => {
    if (codeOf(error) !== 'DuplicateTargetGroupName') throw error;
    throw new ResourceConflict(
      `targetGroups.${tg.key}: the name ${tg.name} is used by a target group with other settings than build ${plan.buildId} plans in ${vpcId} ` +
        "(another build's, one left in another VPC, or changed by hand); pick another cluster name, or tear that build down",
      { cause: error, details: { field: 'name' } },
    );
  });
  const arn = out.TargetGroups?.[0]?.TargetGroupArn;
  if (!arn) throw new NotYetVisible(`CreateTargetGroup: no target group returned for ${tg.name}`);
  return arn;
}

/**
 * Sets the attributes without reading them first: ModifyTargetGroupAttributes sets the values given and
 * leaves the others as they are
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_ModifyTargetGroupAttributes.html),
 * so a repeat changes nothing. VerifyBaseline reads them back.
 */
async function setAttributes(clients: AwsClients, targetGroupArn: string, tg: TargetGroupPlan): Promise<void> {
  const wanted: Record<string, string> = {
    // NLB hairpin: with instance targets and client IP preservation on, a control plane that reaches the API
    // through the NLB and is routed to itself receives a packet from its own IP, answers itself directly
    // instead of through the NLB, and the connection times out (kubeadm init/join hangs). The plan turns it
    // off unless the spec asks for it.
    // https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-troubleshooting.html#loopback-timeout
    [PRESERVE_CLIENT_IP_ATTRIBUTE]: String(tg.preserveClientIp),
    [DEREGISTRATION_DELAY_ATTRIBUTE]: String(DEREGISTRATION_DELAY_SECONDS),
  };
  await aws('ModifyTargetGroupAttributes', () =>
    clients.elbv2.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: targetGroupArn,
        Attributes: Object.entries(wanted).map(([Key, Value]) => ({ Key, Value })),
      }),
    ),
  );
}

/**
 * The ARNs of the target groups named in the plan, whoever owns them (the caller checks their tags, with the
 * load balancer's, in one DescribeTags): one DescribeTargetGroups by all the names. One that does not exist fails
 * that call as a whole (TargetGroupNotFound); the names are then asked one by one, and the missing one left out.
 */
export async function namedTargetGroupArns(clients: AwsClients, plan: Plan): Promise<string[]> {
  const groups = await describeTargetGroupsNamed(
    clients,
    plan.targetGroups.map((tg) => tg.name),
  );
  return groups.map((group) => group.TargetGroupArn).filter((arn): arn is string => Boolean(arn));
}

/**
 * Deletes target groups the caller has found to be ours. A group still used by a listener answers ResourceInUse
 * → ResourceNotReady, so the state machine runs the step again; one already gone is success. Returns the ARNs
 * deleted.
 */
export async function deleteTargetGroups(clients: AwsClients, targetGroupArns: readonly string[]): Promise<string[]> {
  const deleted: string[] = [];
  for (const arn of targetGroupArns) {
    if (await wasDeleted('DeleteTargetGroup', () => clients.elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn }))))
      deleted.push(arn);
  }
  return deleted;
}
