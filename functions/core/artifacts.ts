import { stringify } from 'yaml';
import { kubesprayHostsYaml, kubesprayInventoryIni } from './artifacts-kubespray';
import { sshConfig } from './artifacts-ssh';
import type { BuildOutputs } from './contracts';
import type { BuildSpec } from './spec';

/**
 * Hand-off artifacts for the platform team, made from a finished build's outputs (pure functions): an
 * ssh_config (through the bastion, or Session Manager when the build has none), Kubespray's inventory in
 * YAML and INI, and a kubeadm ClusterConfiguration.
 */
export const ARTIFACT_NAMES = ['ssh_config', 'hosts.yaml', 'inventory.ini', 'kubeadm.yaml'] as const;
export type ArtifactName = (typeof ARTIFACT_NAMES)[number];

export function isArtifactName(name: string): name is ArtifactName {
  return (ARTIFACT_NAMES as readonly string[]).includes(name);
}

export function renderArtifact(name: ArtifactName, outputs: BuildOutputs, spec: BuildSpec): string {
  switch (name) {
    case 'ssh_config':
      return sshConfig(outputs, spec);
    case 'hosts.yaml':
      return kubesprayHostsYaml(outputs, spec);
    case 'inventory.ini':
      return kubesprayInventoryIni(outputs, spec);
    case 'kubeadm.yaml':
      return kubeadmConfig(outputs);
  }
}

export function renderArtifacts(outputs: BuildOutputs, spec: BuildSpec): Record<ArtifactName, string> {
  return Object.fromEntries(ARTIFACT_NAMES.map((name) => [name, renderArtifact(name, outputs, spec)])) as Record<ArtifactName, string>;
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
