import { loadBalancerName, targetGroupName, zoneOfNode } from './plan';
import { securityGroupPlans, type BySecurityGroup, type IngressRule, type SecurityGroupKey, type SecurityGroupPlan } from './ports';
import type { BuildSpec, SpecError } from './spec';
import { API_SERVER_PORT } from './spec-rules';

/**
 * AWS's documented limits on what the spec derives (resource names, security-group rules, NLB targets),
 * checked before any execution starts: a spec that passes cannot meet one of them half way through a build.
 * Each rule cites its AWS page; the embedded cloud enforces the same pages on its side (local/cloud/).
 */
export const SPEC_LIMIT_CODES = {
  reservedNamePrefix: 'NAME_RESERVED_PREFIX',
  invalidDerivedName: 'NAME_INVALID_FOR_AWS',
  securityGroupRules: 'SECURITY_GROUP_RULE_LIMIT',
  nlbTargets: 'NLB_TARGET_LIMIT',
} as const;

/**
 * ELBv2 names: "a maximum of 32 characters, must contain only alphanumeric characters or hyphens, must not
 * begin or end with a hyphen, and must not begin with 'internal-'" (the last for load balancers only).
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html
 */
const ELB_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;
const LOAD_BALANCER_RESERVED_PREFIX = 'internal-';
/** Security group names: "Up to 255 characters in length. Cannot start with sg-." https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html */
const SECURITY_GROUP_RESERVED_PREFIX = 'sg-';
const MAX_SECURITY_GROUP_NAME = 255;
/** "Inbound or outbound rules per security group": 60 each way. https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups */
export const AWS_RULES_PER_SECURITY_GROUP = 60;
/**
 * NLB targets: with cross-zone load balancing on, 500 per load balancer; off, 500 per zone and 3,000 per
 * load balancer; a target in N target groups counts N times. https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-limits.html
 */
export const AWS_NLB_TARGETS_CROSS_ZONE = 500;
export const AWS_NLB_TARGETS_PER_ZONE = 500;
export const AWS_NLB_TARGETS = 3000;

export function checkAwsLimits(spec: BuildSpec): SpecError[] {
  return [...checkDerivedNames(spec), ...checkSecurityGroupRules(spec), ...checkNlbTargets(spec)];
}

const groupsOf = (spec: BuildSpec) => securityGroupPlans(spec, { buildId: '', clusterName: spec.name, userTags: {} });

function checkDerivedNames(spec: BuildSpec): SpecError[] {
  const errors: SpecError[] = [];
  const nameError = (code: string, message: string) => errors.push({ code, field: 'name', message });
  const lb = loadBalancerName(spec.name);
  if (lb.toLowerCase().startsWith(LOAD_BALANCER_RESERVED_PREFIX)) {
    nameError(
      SPEC_LIMIT_CODES.reservedNamePrefix,
      `the load balancer would be named "${lb}", and AWS refuses load balancer names that begin with "${LOAD_BALANCER_RESERVED_PREFIX}"; pick a cluster name that does not begin with "${LOAD_BALANCER_RESERVED_PREFIX}"`,
    );
  }
  const elbNames = [
    lb,
    ...[API_SERVER_PORT, ...spec.loadBalancer.ingress.map((i) => i.port)].map((port) => targetGroupName(spec.name, port)),
  ];
  const badElb = elbNames.find((n) => !ELB_NAME.test(n));
  if (badElb) {
    nameError(
      SPEC_LIMIT_CODES.invalidDerivedName,
      `the derived name "${badElb}" breaks AWS's load balancer and target group name rule (1–32 letters, digits or hyphens, not beginning or ending with a hyphen); use a shorter cluster name`,
    );
  }
  const groupNames = Object.values(groupsOf(spec)).map((g) => g.name);
  const reserved = groupNames.find((n) => n.startsWith(SECURITY_GROUP_RESERVED_PREFIX));
  if (reserved) {
    nameError(
      SPEC_LIMIT_CODES.reservedNamePrefix,
      `the security groups would be named like "${reserved}", and AWS refuses security group names that begin with "${SECURITY_GROUP_RESERVED_PREFIX}"; pick a cluster name that does not begin with "${SECURITY_GROUP_RESERVED_PREFIX}"`,
    );
  }
  const long = groupNames.find((n) => n.length > MAX_SECURITY_GROUP_NAME);
  if (long)
    nameError(
      SPEC_LIMIT_CODES.invalidDerivedName,
      `the security group name "${long}" is longer than AWS's ${MAX_SECURITY_GROUP_NAME} characters; use a shorter cluster name`,
    );
  return errors;
}

export interface RuleCount {
  inbound: number;
  outbound: number;
}

const ruleKey = (r: IngressRule) =>
  `${r.protocol}:${r.fromPort}:${r.toPort}:${'cidr' in r.source ? r.source.cidr : `group:${r.source.group}`}`;

/**
 * Rules per group as AWS counts them: one per CIDR and one per referenced group, for each protocol and port
 * range (a repeated rule is one rule); https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html#security-group-size
 * Outbound: the build keeps the one allow-all rule AWS gives every new group and adds none.
 */
export function plannedRuleCounts(groups: BySecurityGroup<SecurityGroupPlan>): BySecurityGroup<RuleCount> {
  const count = (g: SecurityGroupPlan): RuleCount => ({ inbound: new Set(g.ingress.map(ruleKey)).size, outbound: 1 });
  return {
    nlb: count(groups.nlb),
    controlPlane: count(groups.controlPlane),
    workers: count(groups.workers),
    ...(groups.bastion && { bastion: count(groups.bastion) }),
    ...(groups.endpoints && { endpoints: count(groups.endpoints) }),
  };
}

/** The field whose entries add rules to each group, and how to stay under the limit. */
function ruleGrowth(spec: BuildSpec, key: SecurityGroupKey): { field: string; label: string; fix: string } {
  const listenerPorts = 1 + spec.loadBalancer.ingress.length;
  switch (key) {
    case 'nlb': {
      const room = Math.max(0, Math.floor(AWS_RULES_PER_SECURITY_GROUP / listenerPorts) - 1);
      return {
        field: 'loadBalancer.allowedClientCidrs',
        label: `NLB (${listenerPorts} listener ports × ${1 + spec.loadBalancer.allowedClientCidrs.length} client CIDRs: the VPC CIDR and each allowed client CIDR)`,
        fix: `with ${listenerPorts} listener ports give at most ${room} allowed client CIDRs (summarise them into wider ones) or fewer loadBalancer.ingress listeners`,
      };
    }
    case 'bastion':
      return { field: 'bastion.allowedSshCidrs', label: 'bastion (one SSH rule per CIDR)', fix: 'give fewer CIDRs' };
    case 'workers':
      return {
        field: 'loadBalancer.ingress',
        label: 'worker (kubelet, kube-proxy, Calico, SSH and one NodePort rule per ingress listener)',
        fix: 'give fewer ingress listeners',
      };
    case 'endpoints':
      return { field: 'endpoints', label: 'endpoints (HTTPS from the VPC)', fix: 'this group has one fixed rule; report it as a bug' };
    case 'controlPlane':
      return {
        field: 'controlPlane',
        label: 'control-plane (kubeadm and Calico ports)',
        fix: 'this group has fixed rules; report it as a bug',
      };
  }
}

function checkSecurityGroupRules(spec: BuildSpec): SpecError[] {
  const counts = plannedRuleCounts(groupsOf(spec));
  return (Object.entries(counts) as Array<[SecurityGroupKey, RuleCount]>).flatMap(([key, count]) =>
    (['inbound', 'outbound'] as const)
      .filter((direction) => count[direction] > AWS_RULES_PER_SECURITY_GROUP)
      .map((direction) => {
        const { field, label, fix } = ruleGrowth(spec, key);
        return {
          code: SPEC_LIMIT_CODES.securityGroupRules,
          field,
          message: `the ${label} security group would need ${count[direction]} ${direction} rules, and AWS allows ${AWS_RULES_PER_SECURITY_GROUP} ${direction} rules per security group; ${fix}`,
        };
      }),
  );
}

/** Target registrations per zone: each control plane in the API target group, each worker in every ingress group. */
export function plannedTargetsPerZone(spec: BuildSpec): Map<string, number> {
  const perZone = new Map<string, number>();
  const add = (zone: string, n: number) => perZone.set(zone, (perZone.get(zone) ?? 0) + n);
  for (let i = 0; i < spec.controlPlane.count; i++) add(zoneOfNode(spec.availabilityZones, i), 1);
  for (let i = 0; i < spec.workers.count; i++) add(zoneOfNode(spec.availabilityZones, i), spec.loadBalancer.ingress.length);
  return perZone;
}

function checkNlbTargets(spec: BuildSpec): SpecError[] {
  const perZone = plannedTargetsPerZone(spec);
  const total = [...perZone.values()].reduce((a, b) => a + b, 0);
  const busiest = Math.max(0, ...perZone.values());
  const what = `${spec.controlPlane.count} control planes + ${spec.workers.count} workers × ${spec.loadBalancer.ingress.length} ingress listeners`;
  const fix = 'use fewer workers or fewer loadBalancer.ingress listeners';
  const error = (message: string): SpecError[] => [
    { code: SPEC_LIMIT_CODES.nlbTargets, field: 'loadBalancer.ingress', message: `${message}; ${fix}` },
  ];
  if (spec.loadBalancer.crossZone) {
    if (total <= AWS_NLB_TARGETS_CROSS_ZONE) return [];
    return error(
      `the NLB would hold ${total} targets (${what}), and AWS allows ${AWS_NLB_TARGETS_CROSS_ZONE} per NLB with cross-zone load balancing on`,
    );
  }
  if (total > AWS_NLB_TARGETS) return error(`the NLB would hold ${total} targets (${what}), and AWS allows ${AWS_NLB_TARGETS} per NLB`);
  if (busiest > AWS_NLB_TARGETS_PER_ZONE)
    return error(
      `the NLB would hold ${busiest} targets in one zone (${what}), and AWS allows ${AWS_NLB_TARGETS_PER_ZONE} per zone with cross-zone load balancing off`,
    );
  return [];
}
