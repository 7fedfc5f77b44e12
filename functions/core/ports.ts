import type { BuildSpec } from './spec';
import { API_SERVER_PORT } from './spec-rules';
import { resourceTags, type Owner, type Role, type Tags } from './tags';

/**
 * Security-group rules from the Kubernetes "Ports and Protocols" table (kubeadm defaults) plus the CNI
 * Kubespray installs by default (Calico). Least privilege (docs/design.md "9.1 Security groups"): nodes accept only these ports, only
 * from the groups that need them; nothing on a node is open to 0.0.0.0/0.
 */
export type SecurityGroupKey = 'bastion' | 'nlb' | 'controlPlane' | 'workers' | 'endpoints';
/** The groups every build has; `endpoints` exists only with interface endpoints. */
export type CoreSecurityGroupKey = Exclude<SecurityGroupKey, 'endpoints' | 'bastion'>;
/** `bastion` exists only with a bastion, `endpoints` only with interface endpoints. */
export type BySecurityGroup<T> = Record<CoreSecurityGroupKey, T> & { bastion?: T; endpoints?: T };
/** HTTPS: every interface endpoint answers on 443 only. */
const HTTPS = 443;
export type RuleSource = { cidr: string } | { group: SecurityGroupKey };
export interface IngressRule {
  protocol: 'tcp' | 'udp';
  fromPort: number;
  toPort: number;
  source: RuleSource;
  description: string;
}
export interface SecurityGroupPlan {
  key: SecurityGroupKey;
  name: string;
  description: string;
  tags: Tags;
  ingress: IngressRule[];
}

interface PortEntry {
  protocol: 'tcp' | 'udp';
  from: number;
  to?: number;
  purpose: string;
  sources: SecurityGroupKey[];
}

/** kubeadm control-plane ports (kubernetes.io/docs/reference/networking/ports-and-protocols). */
export const CONTROL_PLANE_PORTS: PortEntry[] = [
  { protocol: 'tcp', from: API_SERVER_PORT, purpose: 'Kubernetes API server', sources: ['controlPlane', 'workers', 'nlb'] },
  { protocol: 'tcp', from: 2379, to: 2380, purpose: 'etcd server client API', sources: ['controlPlane'] },
  { protocol: 'tcp', from: 10250, purpose: 'Kubelet API', sources: ['controlPlane'] },
  { protocol: 'tcp', from: 10259, purpose: 'kube-scheduler', sources: ['controlPlane'] },
  { protocol: 'tcp', from: 10257, purpose: 'kube-controller-manager', sources: ['controlPlane'] },
  { protocol: 'tcp', from: 10256, purpose: 'kube-proxy health', sources: ['controlPlane', 'nlb'] },
];
/** kubeadm worker ports; NodePorts are opened per ingress listener, from the NLB only. */
export const WORKER_PORTS: PortEntry[] = [
  { protocol: 'tcp', from: 10250, purpose: 'Kubelet API', sources: ['controlPlane', 'workers'] },
  { protocol: 'tcp', from: 10256, purpose: 'kube-proxy health', sources: ['workers', 'nlb'] },
];
/** Calico (Kubespray's default CNI) between all nodes: BGP, VXLAN and Typha. */
export const CNI_PORTS: PortEntry[] = [
  { protocol: 'tcp', from: 179, purpose: 'Calico BGP', sources: ['controlPlane', 'workers'] },
  { protocol: 'udp', from: 4789, purpose: 'Calico VXLAN', sources: ['controlPlane', 'workers'] },
  { protocol: 'tcp', from: 5473, purpose: 'Calico Typha', sources: ['controlPlane', 'workers'] },
];
const SSH = 22;

function expand(entries: PortEntry[]): IngressRule[] {
  return entries.flatMap((entry) =>
    entry.sources.map((group) => ({
      protocol: entry.protocol,
      fromPort: entry.from,
      toPort: entry.to ?? entry.from,
      source: { group },
      description: `${entry.purpose} from ${group}`,
    })),
  );
}

const fromCidrs = (cidrs: string[], protocol: 'tcp', port: number, purpose: string): IngressRule[] =>
  cidrs.map((cidr) => ({ protocol, fromPort: port, toPort: port, source: { cidr }, description: `${purpose} from ${cidr}` }));

export function securityGroupPlans(spec: BuildSpec, owner: Owner): BySecurityGroup<SecurityGroupPlan> {
  const group = (key: SecurityGroupKey, role: Role, suffix: string, description: string, ingress: IngressRule[]): SecurityGroupPlan => {
    const name = `${spec.name}-${suffix}`;
    return { key, name, description, tags: resourceTags(owner, role, name), ingress };
  };
  const listenerPorts = [API_SERVER_PORT, ...spec.loadBalancer.ingress.map((i) => i.port)];
  const clientCidrs = [spec.vpcCidr, ...spec.loadBalancer.allowedClientCidrs];
  // Without a bastion nodes accept no SSH from anywhere: operators reach them through Session Manager.
  const sshFromBastion: IngressRule[] = spec.bastion.enabled
    ? [{ protocol: 'tcp', fromPort: SSH, toPort: SSH, source: { group: 'bastion' }, description: 'SSH from the bastion' }]
    : [];
  const nodePortsFromNlb: IngressRule[] = spec.loadBalancer.ingress.map(({ port, nodePort }) => ({
    protocol: 'tcp',
    fromPort: nodePort,
    toPort: nodePort,
    source: { group: 'nlb' },
    description: `NodePort ${nodePort} for NLB listener ${port}`,
  }));

  return {
    ...(spec.bastion.enabled && {
      bastion: group(
        'bastion',
        'bastion-sg',
        'bastion-sg',
        'SSH bastion: SSH from the allowed CIDRs only',
        fromCidrs(spec.bastion.allowedSshCidrs, 'tcp', SSH, 'SSH'),
      ),
    }),
    nlb: group(
      'nlb',
      'nlb-sg',
      'nlb-sg',
      'Internal NLB: listener ports from the VPC and allowed client CIDRs',
      listenerPorts.flatMap((port) => fromCidrs(clientCidrs, 'tcp', port, `listener ${port}`)),
    ),
    controlPlane: group('controlPlane', 'control-plane-sg', 'control-plane-sg', 'Kubernetes control plane: kubeadm ports', [
      ...expand(CONTROL_PLANE_PORTS),
      ...expand(CNI_PORTS),
      ...sshFromBastion,
    ]),
    workers: group('workers', 'worker-sg', 'worker-sg', 'Kubernetes workers: kubelet, kube-proxy and ingress NodePorts', [
      ...expand(WORKER_PORTS),
      ...expand(CNI_PORTS),
      ...nodePortsFromNlb,
      ...sshFromBastion,
    ]),
    // Interface endpoints answer on 443 to the VPC only (AWS PrivateLink guide: "the security group must allow
    // inbound HTTPS from the resources in the VPC"); no endpoint group without interface endpoints.
    ...(spec.endpoints.some((service) => service !== 's3') && {
      endpoints: group(
        'endpoints',
        'endpoint-sg',
        'endpoint-sg',
        'VPC interface endpoints: HTTPS from the VPC only',
        fromCidrs([spec.vpcCidr], 'tcp', HTTPS, 'HTTPS'),
      ),
    }),
  };
}
