import { DescribeTargetHealthCommand, type TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../core/clients';
import type { BuildOutputs } from '../core/contracts';
import type { Plan, TargetGroupPlan } from '../core/plan';
import { describeTargetGroupAttributes } from '../resources/baseline';
import { describeTargetGroupsNamed, ownership } from '../resources/elb-owned';
import { goneAs } from '../resources/owned';
import { PRESERVE_CLIENT_IP_ATTRIBUTE } from '../resources/target-groups';
import type { Drift } from './contracts';
import { drift, gone, label, setDrift, unlessEqual } from './drift-format';

/**
 * The NLB's target groups against the plan (docs/design.md "4.1 Plan"): each still there and the build's, TCP on
 * its planned port, client IP preservation as planned (the hairpin trap of docs/design.md "1.2 AWS traps handled"),
 * and its registered targets exactly the build's nodes of its role, on that port.
 */

/** A planned target group and what AWS has under its name: ours, someone else's (`foreignArn`), or nothing. */
export interface FoundTargetGroup {
  plan: TargetGroupPlan;
  group?: TargetGroup;
  foreignArn?: string;
}

export async function findTargetGroups(clients: AwsClients, plan: Plan): Promise<FoundTargetGroup[]> {
  const groups = await describeTargetGroupsNamed(
    clients,
    plan.targetGroups.map((tg) => tg.name),
  );
  const owners = await ownership(clients, groups.map((group) => group.TargetGroupArn ?? '').filter(Boolean), plan.buildId);
  return plan.targetGroups.map((tg) => {
    const group = groups.find((candidate) => candidate.TargetGroupName === tg.name);
    const arn = group?.TargetGroupArn;
    // Deleted between the two calls, it is as gone as one never listed.
    const owned = arn ? owners.get(arn) : undefined;
    if (!group || !arn || owned === undefined) return { plan: tg };
    return owned ? { plan: tg, group } : { plan: tg, foreignArn: arn };
  });
}

/** Registered targets as `<instance id>:<port>`; a draining one is on its way out, so it no longer counts. */
async function registeredTargets(clients: AwsClients, targetGroupArn: string): Promise<string[]> {
  const out = await goneAs(undefined, 'DescribeTargetHealth', () =>
    clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })),
  );
  return (out?.TargetHealthDescriptions ?? [])
    .filter((description) => description.TargetHealth?.State !== 'draining')
    .map((description) => `${description.Target?.Id}:${description.Target?.Port}`);
}

/** What is read of each target group of ours: its attributes and its registered targets (ELBv2 has no batch call for either). */
interface TargetGroupState {
  attributes: Record<string, string>;
  targets: string[];
}

const NO_ATTRIBUTES: Record<string, Record<string, string>> = {};

async function readTargetGroup(clients: AwsClients, arn: string): Promise<TargetGroupState> {
  const [attributes, targets] = await Promise.all([
    goneAs(NO_ATTRIBUTES, 'DescribeTargetGroupAttributes', () => describeTargetGroupAttributes(clients, [arn])),
    registeredTargets(clients, arn),
  ]);
  return { attributes: attributes[arn] ?? {}, targets };
}

export async function targetGroupDrift(clients: AwsClients, outputs: BuildOutputs, found: FoundTargetGroup[]): Promise<Drift[]> {
  const arns = found.flatMap(({ group }) => (group?.TargetGroupArn ? [group.TargetGroupArn] : []));
  const states = new Map(await Promise.all(arns.map(async (arn) => [arn, await readTargetGroup(clients, arn)] as const)));
  return found.flatMap(({ plan: tg, group, foreignArn }) => {
    const resource = label('target-group', tg.name);
    if (foreignArn) return [drift(resource, 'exists', true, `only ${foreignArn}, which is not tagged as this build's`)];
    const arn = group?.TargetGroupArn;
    if (!group || !arn) return [gone(resource)];
    const expectedTargets = outputs.nodes
      .filter((node) => node.role === tg.targetRole)
      .map((node) => `${node.instanceId}:${tg.targetPort}`);
    return [
      ...unlessEqual(resource, 'protocol', 'TCP', group.Protocol ?? null),
      ...unlessEqual(resource, 'port', tg.targetPort, group.Port ?? null),
      ...unlessEqual(
        resource,
        `attributes.${PRESERVE_CLIENT_IP_ATTRIBUTE}`,
        String(tg.preserveClientIp),
        states.get(arn)?.attributes[PRESERVE_CLIENT_IP_ATTRIBUTE] ?? null,
      ),
      ...setDrift(resource, 'targets', expectedTargets, states.get(arn)?.targets ?? []),
    ];
  });
}
