import { stringify } from 'yaml';
import type { BuildOutputs, NodeRecord } from './contracts';
import type { BuildSpec } from './spec';
import { API_SERVER_PORT } from './spec-rules';

/**
 * Hand-off artifacts for the platform team, made from a finished build's outputs (pure functions):
 * an ssh_config that jumps through the bastion, a Kubespray inventory and a kubeadm ClusterConfiguration.
 */
export const ARTIFACT_NAMES = ['ssh_config', 'inventory.ini', 'kubeadm.yaml'] as const;
export type ArtifactName = (typeof ARTIFACT_NAMES)[number];

/** RHEL AMIs log in as ec2-user. */
export const SSH_USER = 'ec2-user';

export function isArtifactName(name: string): name is ArtifactName {
  return (ARTIFACT_NAMES as readonly string[]).includes(name);
}

export function renderArtifact(name: ArtifactName, outputs: BuildOutputs, spec: BuildSpec): string {
  switch (name) {
    case 'ssh_config':
      return sshConfig(outputs, spec);
    case 'inventory.ini':
      return kubesprayInventory(outputs);
    case 'kubeadm.yaml':
      return kubeadmConfig(outputs);
  }
}

export function renderArtifacts(outputs: BuildOutputs, spec: BuildSpec): Record<ArtifactName, string> {
  return Object.fromEntries(ARTIFACT_NAMES.map((name) => [name, renderArtifact(name, outputs, spec)])) as Record<ArtifactName, string>;
}

const byRole = (nodes: NodeRecord[], role: NodeRecord['role']) =>
  nodes.filter((n) => n.role === role).sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));

/** OpenSSH client config: the bastion by its Elastic IP, every node by private IP through ProxyJump. */
export function sshConfig(outputs: BuildOutputs, spec: BuildSpec): string {
  const bastionAlias = `${outputs.clusterName}-bastion`;
  const identity = `~/.ssh/${spec.keyName}.pem`;
  const block = (host: string, lines: string[]) => [`Host ${host}`, ...lines.map((l) => `  ${l}`)].join('\n');
  const nodes = [...byRole(outputs.nodes, 'control-plane'), ...byRole(outputs.nodes, 'worker')];
  return (
    [
      `# ${outputs.clusterName} (build ${outputs.buildId}, ${outputs.region}) — written by k8s-ec2-builder`,
      `# Usage: ssh -F ssh_config ${nodes[0]?.name ?? bastionAlias}`,
      block(bastionAlias, [`HostName ${outputs.bastion.publicIp}`, `User ${SSH_USER}`, `IdentityFile ${identity}`, 'IdentitiesOnly yes']),
      ...nodes.map((node) =>
        block(node.name, [
          `HostName ${node.privateIp ?? node.instanceId}`,
          `User ${SSH_USER}`,
          `IdentityFile ${identity}`,
          'IdentitiesOnly yes',
          `ProxyJump ${bastionAlias}`,
        ]),
      ),
    ].join('\n\n') + '\n'
  );
}

/**
 * Kubespray inventory (INI). Written by hand: Kubespray's host lines (`name ansible_host=… ip=…`) are not
 * key=value pairs, so a generic INI encoder cannot produce them.
 */
export function kubesprayInventory(outputs: BuildOutputs): string {
  const controlPlanes = byRole(outputs.nodes, 'control-plane');
  const workers = byRole(outputs.nodes, 'worker');
  const hostLine = (n: NodeRecord) => `${n.name} ansible_host=${n.privateIp} ip=${n.privateIp} # ${n.instanceId} ${n.az}`;
  const proxy = `-o ProxyJump=${SSH_USER}@${outputs.bastion.publicIp} -o StrictHostKeyChecking=accept-new`;
  return [
    `# Kubespray inventory for ${outputs.clusterName} (build ${outputs.buildId}) — written by k8s-ec2-builder`,
    '[all]',
    ...[...controlPlanes, ...workers].map(hostLine),
    '',
    '[kube_control_plane]',
    ...controlPlanes.map((n) => n.name),
    '',
    '[etcd]',
    ...controlPlanes.map((n) => n.name),
    '',
    '[kube_node]',
    ...workers.map((n) => n.name),
    '',
    '[k8s_cluster:children]',
    'kube_control_plane',
    'kube_node',
    '',
    '[all:vars]',
    `ansible_user=${SSH_USER}`,
    `ansible_ssh_common_args='${proxy}'`,
    // An external API load balancer: `loadbalancer_apiserver` declares it (only its port: an NLB has no fixed
    // address, and Kubespray writes `address` into /etc/hosts), the domain name is what every kubeconfig uses,
    // and the per-node localhost proxy is off. (`loadbalancer_apiserver_port` is that proxy's port: not ours.)
    `apiserver_loadbalancer_domain_name=${outputs.loadBalancer.dnsName}`,
    `loadbalancer_apiserver={"port": ${API_SERVER_PORT}}`,
    'loadbalancer_apiserver_localhost=false',
    `kube_version=${outputs.kubernetes.version}`,
    `kube_pods_subnet=${outputs.kubernetes.podCidr}`,
    `kube_service_addresses=${outputs.kubernetes.serviceCidr}`,
    `cluster_name=${outputs.clusterName}.local`,
    '',
  ].join('\n');
}

/** kubeadm v1beta4 is the config API from Kubernetes 1.31 on; earlier releases read v1beta3. */
export function kubeadmApiVersion(version: string): string {
  const minor = Number(version.replace(/^v/, '').split('.')[1]);
  return minor >= 31 ? 'kubeadm.k8s.io/v1beta4' : 'kubeadm.k8s.io/v1beta3';
}

export function kubeadmConfig(outputs: BuildOutputs): string {
  const config = {
    apiVersion: kubeadmApiVersion(outputs.kubernetes.version),
    kind: 'ClusterConfiguration',
    clusterName: outputs.clusterName,
    kubernetesVersion: outputs.kubernetes.version,
    controlPlaneEndpoint: outputs.loadBalancer.apiEndpoint,
    networking: { podSubnet: outputs.kubernetes.podCidr, serviceSubnet: outputs.kubernetes.serviceCidr, dnsDomain: 'cluster.local' },
    apiServer: { certSANs: [outputs.loadBalancer.dnsName] },
  };
  return `# kubeadm init --config kubeadm.yaml --upload-certs   (${outputs.clusterName}, build ${outputs.buildId})\n${stringify(config)}`;
}
