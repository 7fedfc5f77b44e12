import type { BaselineResult } from './contracts';
import type { Plan } from './plan';
import type { BySecurityGroup } from './ports';

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
  groupIds: BySecurityGroup<string>;
  ingressRules: RuleFacts[];
  privateSubnetRoutes: Record<string, string[]>;
  loadBalancer: { scheme?: string; securityGroups: string[]; attributes: Record<string, string> };
  targetGroupAttributes: Record<string, Record<string, string>>;
  /** NAT gateway, endpoint and Transit Gateway attachment id → state, as AWS reports it now. */
  connectionStates: Record<string, string>;
  /** The VPC's DNS attributes, read only when the build has interface endpoints (their private DNS needs both). */
  vpcDns?: { support: boolean; hostnames: boolean };
  /** Private subnet id → the NAT gateway its zone's traffic must leave through (empty with `egress: "none"`). */
  natOfSubnet?: Record<string, string>;
}

type Check = BaselineResult['checks'][number];
/** Routes as resources/baseline.ts reads them: `<destination>→<target id>`. */
const DEFAULT_ROUTE = /^(0\.0\.0\.0\/0|::\/0)→/;
const WORLD = new Set(['0.0.0.0/0', '::/0']);

function check(id: string, failures: string[], okDetail: string): Check {
  return failures.length ? { id, ok: false, detail: failures.join('; ') } : { id, ok: true, detail: okDetail };
}

/**
 * `egress: "none"`: no private subnet has a default route (a closed network). With NAT: each private subnet's
 * only default route goes to a NAT gateway, never straight to the Internet Gateway.
 */
function egressCheck(facts: BaselineFacts, plan: Plan): Check {
  const routes = Object.entries(facts.privateSubnetRoutes);
  if (plan.spec.egress === 'none') {
    return check(
      'private-subnets-closed',
      routes.flatMap(([subnet, list]) => list.filter((r) => DEFAULT_ROUTE.test(r)).map((r) => `${subnet} routes ${r}`)),
      'private subnets have no route to the internet',
    );
  }
  return check(
    'private-egress-through-nat',
    routes.flatMap(([subnet, list]) => {
      const defaults = list.filter((r) => DEFAULT_ROUTE.test(r));
      const nat = facts.natOfSubnet?.[subnet];
      if (!defaults.length) return [`${subnet} has no default route to its NAT gateway${nat ? ` ${nat}` : ''}`];
      // nat-per-az: each zone through its own zone's NAT gateway, so that no zone depends on another.
      return defaults
        .filter((r) => (nat ? !r.includes(`→${nat}`) : !r.includes('→nat-')))
        .map((r) => `${subnet} routes ${r}, not through ${nat ?? 'a NAT gateway'}`);
    }),
    `private subnets reach the internet only through NAT gateways (${plan.spec.egress})`,
  );
}

/** Every routed CIDR goes to the spec's Transit Gateway from every private subnet. */
function transitGatewayChecks(facts: BaselineFacts, plan: Plan): Check[] {
  const gateway = plan.transitGateway;
  if (!gateway) return [];
  return [
    check(
      'transit-gateway-routes',
      Object.entries(facts.privateSubnetRoutes).flatMap(([subnet, list]) =>
        gateway.routes
          .filter((cidr) => !list.includes(`${cidr}→${gateway.id}`))
          .map((cidr) => `${subnet} has no route ${cidr}→${gateway.id}`),
      ),
      `${gateway.routes.join(', ')} routed to ${gateway.id} from every private subnet`,
    ),
  ];
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
      plan.spec.bastion.enabled ? `bastion SSH only from ${[...bastionCidrs].join(', ')}` : 'no bastion: no SSH ingress from anywhere',
    ),
    egressCheck(facts, plan),
    ...transitGatewayChecks(facts, plan),
    ...(facts.vpcDns
      ? [
          check(
            'vpc-dns-for-endpoints',
            [...(facts.vpcDns.support ? [] : ['DNS support is off']), ...(facts.vpcDns.hostnames ? [] : ['DNS hostnames are off'])],
            'DNS support and hostnames on: the interface endpoints answer under their service names',
          ),
        ]
      : []),
    check(
      'connections-available',
      Object.entries(facts.connectionStates)
        .filter(([, state]) => state !== 'available')
        .map(([id, state]) => `${id} is ${state}`),
      `${Object.keys(facts.connectionStates).length} NAT gateways, endpoints and attachments available`,
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
