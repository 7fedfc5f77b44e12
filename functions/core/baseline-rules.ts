import type { BaselineResult } from './contracts';
import type { Plan } from './plan';

/**
 * The security invariants of docs/design.md "9.3 VerifyBaseline", evaluated on facts read back from AWS (not on what we asked for):
 * a pure function so each rule is tested on its own.
 */
export interface InstanceFacts {
  instanceId: string;
  name: string;
  role: string;
  publicIp?: string;
  httpTokens?: string;
  volumes: Array<{ volumeId: string; encrypted?: boolean; volumeType?: string }>;
}
export interface RuleFacts {
  groupId: string;
  fromPort?: number;
  toPort?: number;
  cidr?: string;
  referencedGroupId?: string;
}
export interface BaselineFacts {
  nodes: InstanceFacts[];
  bastion?: InstanceFacts;
  groupIds: { bastion: string; nlb: string; controlPlane: string; workers: string };
  ingressRules: RuleFacts[];
  privateSubnetRoutes: Record<string, string[]>;
  loadBalancer: { scheme?: string; securityGroups: string[]; attributes: Record<string, string> };
  targetGroupAttributes: Record<string, Record<string, string>>;
}

type Check = BaselineResult['checks'][number];
const WORLD = new Set(['0.0.0.0/0', '::/0']);

function check(id: string, failures: string[], okDetail: string): Check {
  return failures.length ? { id, ok: false, detail: failures.join('; ') } : { id, ok: true, detail: okDetail };
}

export function evaluateBaseline(facts: BaselineFacts, plan: Plan): BaselineResult {
  const instances = [...facts.nodes, ...(facts.bastion ? [facts.bastion] : [])];
  const nodeGroups = new Set([facts.groupIds.controlPlane, facts.groupIds.workers]);
  const bastionCidrs = new Set(plan.spec.bastion.allowedSshCidrs);
  const wantPreserve = String(plan.spec.loadBalancer.preserveClientIp);
  const wantCrossZone = String(plan.spec.loadBalancer.crossZone);

  const checks: Check[] = [
    check(
      'imdsv2-required',
      instances.filter((i) => i.httpTokens !== 'required').map((i) => `${i.name} (${i.instanceId}) allows IMDSv1`),
      `${instances.length} instances require IMDSv2 tokens`,
    ),
    check(
      'volumes-encrypted-gp3',
      instances.flatMap((i) =>
        i.volumes
          .filter((v) => !v.encrypted || v.volumeType !== 'gp3')
          .map((v) => `${i.name} volume ${v.volumeId} is ${v.encrypted ? '' : 'unencrypted '}${v.volumeType}`),
      ),
      `${instances.reduce((n, i) => n + i.volumes.length, 0)} volumes encrypted gp3`,
    ),
    check(
      'no-node-public-ip',
      facts.nodes.filter((n) => n.publicIp).map((n) => `${n.name} has public IP ${n.publicIp}`),
      `${facts.nodes.length} nodes have private addresses only`,
    ),
    check(
      'no-node-rule-from-anywhere',
      facts.ingressRules
        .filter((r) => nodeGroups.has(r.groupId) && r.cidr && WORLD.has(r.cidr))
        .map((r) => `${r.groupId} allows ${r.fromPort}-${r.toPort} from ${r.cidr}`),
      'no node security-group rule admits 0.0.0.0/0',
    ),
    check(
      'bastion-ssh-restricted',
      facts.ingressRules
        .filter(
          (r) => r.groupId === facts.groupIds.bastion && (r.fromPort !== 22 || r.toPort !== 22 || !r.cidr || !bastionCidrs.has(r.cidr)),
        )
        .map((r) => `bastion group allows ${r.fromPort}-${r.toPort} from ${r.cidr ?? r.referencedGroupId}`),
      `bastion SSH only from ${[...bastionCidrs].join(', ')}`,
    ),
    check(
      'private-subnets-closed',
      Object.entries(facts.privateSubnetRoutes).flatMap(([subnet, routes]) =>
        routes.filter((r) => r.startsWith('0.0.0.0/0') || r.startsWith('::/0')).map((r) => `${subnet} routes ${r}`),
      ),
      'private subnets have no route to the internet',
    ),
    check(
      'nlb-internal-with-security-group',
      [
        ...(facts.loadBalancer.scheme === 'internal' ? [] : [`scheme is ${facts.loadBalancer.scheme}`]),
        ...(facts.loadBalancer.securityGroups.includes(facts.groupIds.nlb) ? [] : ['NLB security group not attached']),
        ...(facts.loadBalancer.attributes['load_balancing.cross_zone.enabled'] === wantCrossZone
          ? []
          : [`cross-zone is ${facts.loadBalancer.attributes['load_balancing.cross_zone.enabled']}, want ${wantCrossZone}`]),
      ],
      `internal NLB with its security group, cross-zone ${wantCrossZone}`,
    ),
    check(
      'hairpin-safe-target-groups',
      Object.entries(facts.targetGroupAttributes)
        .filter(([, a]) => a['preserve_client_ip.enabled'] !== wantPreserve)
        .map(([arn, a]) => `${arn} preserve_client_ip.enabled=${a['preserve_client_ip.enabled']}`),
      `${Object.keys(facts.targetGroupAttributes).length} target groups with client IP preservation ${wantPreserve === 'true' ? 'on (as asked)' : 'off'}`,
    ),
  ];
  return { checks };
}
