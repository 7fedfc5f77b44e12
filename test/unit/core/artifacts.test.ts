import { parse } from 'yaml';
import { ARTIFACT_NAMES, isArtifactName, kubeadmApiVersion, renderArtifacts } from '../../../functions/core/artifacts';
import type { BuildOutputs } from '../../../functions/core/contracts';
import { seoulSpec } from '../../fixtures/build';
import { seoulOutputs } from '../../fixtures/outputs';

const CONTROL_PLANES = ['fin-k8s-dev-cp-1', 'fin-k8s-dev-cp-2', 'fin-k8s-dev-cp-3'];
const WORKERS = ['fin-k8s-dev-worker-1', 'fin-k8s-dev-worker-2', 'fin-k8s-dev-worker-3'];
const KEY_FILE = '~/.ssh/fin-k8s-key.pem';
const SSM_PROXY =
  "aws ssm start-session --target %h --document-name AWS-StartSSHSession --parameters 'portNumber=%p' --region ap-northeast-2";

type Vars = Record<string, unknown>;
interface HostsYaml {
  all: {
    hosts: Record<string, Vars>;
    children: Record<string, { hosts?: Record<string, null>; children?: Record<string, null> }>;
    vars: Vars;
  };
}

/** Groups, host vars and vars of hosts.yaml, in the shape readIni gives. */
function readHostsYaml(text: string) {
  const { all } = parse(text) as HostsYaml;
  const groups = Object.fromEntries(
    Object.entries(all.children).map(([name, group]) => [name, Object.keys(group.hosts ?? group.children ?? {})]),
  );
  return { hosts: all.hosts, groups, vars: all.vars };
}

/**
 * An [all:vars] value as Ansible's literal_eval leaves it: True/False are booleans, digits a number, a quoted
 * string or {…} mapping its value (the inventory writes those as JSON); anything else, `false` included,
 * stays the raw string.
 */
function pythonLiteral(value: string): unknown {
  if (value === 'True' || value === 'False') return value === 'True';
  if (/^-?\d+$/.test(value)) return Number(value);
  return /^["{]/.test(value) ? (JSON.parse(value) as unknown) : value;
}

/**
 * inventory.ini read the way Ansible's INI plugin reads it: host lines as `name key=value…` (comment after
 * `#`), group sections as member lists, and [all:vars] values as Python literals.
 */
function readIni(text: string) {
  const hosts: Record<string, Vars> = {};
  const groups: Record<string, string[]> = {};
  const vars: Vars = {};
  let section = '';
  for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1].replace(/:children$/, '');
      if (section !== 'all' && section !== 'all:vars') groups[section] = [];
    } else if (section === 'all') {
      const [name, ...pairs] = line.split(' #')[0].trim().split(' ');
      hosts[name] = Object.fromEntries(pairs.map((pair) => pair.split('=') as [string, string]));
    } else if (section === 'all:vars') {
      const [key, value] = [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)];
      vars[key] = pythonLiteral(value);
    } else {
      groups[section].push(line);
    }
  }
  return { hosts, groups, vars };
}

/** The ProxyCommand inside `ansible_ssh_common_args` (`-o ProxyCommand="…"`). */
const proxyCommandOf = (args: unknown) => /-o ProxyCommand="([^"]+)"/.exec(String(args))?.[1];

const hostBlock = (config: string, host: string) =>
  config
    .split('\n\n')
    .find((b) => b.startsWith(`Host ${host}\n`))
    ?.trimEnd();

function withoutBastion(): BuildOutputs {
  const outputs: BuildOutputs = seoulOutputs();
  delete outputs.bastion;
  return outputs;
}

describe('artifacts of a build with a bastion', () => {
  const outputs = seoulOutputs();
  const artifacts = renderArtifacts(outputs, seoulSpec());
  const inventory = readHostsYaml(artifacts['hosts.yaml']);

  it('ssh_config reaches every node by private IP through ProxyJump to the bastion, which carries the key file', () => {
    const config = artifacts.ssh_config;
    expect(hostBlock(config, 'fin-k8s-dev-bastion')).toBe(
      `Host fin-k8s-dev-bastion\n  HostName 3.34.0.10\n  User ec2-user\n  IdentityFile ${KEY_FILE}\n  IdentitiesOnly yes`,
    );
    for (const node of outputs.nodes) {
      const block = hostBlock(config, node.name);
      expect(block).toContain(`HostName ${node.privateIp}`);
      expect(block).toContain(`IdentityFile ${KEY_FILE}`);
      expect(block).toContain('ProxyJump fin-k8s-dev-bastion');
    }
  });

  it('hosts.yaml groups control planes as kube_control_plane and etcd, workers as kube_node, both as k8s_cluster', () => {
    expect(inventory.groups).toEqual({
      kube_control_plane: CONTROL_PLANES,
      etcd: CONTROL_PLANES,
      kube_node: WORKERS,
      k8s_cluster: ['kube_control_plane', 'kube_node'],
    });
    expect(Object.keys(inventory.hosts)).toEqual([...CONTROL_PLANES, ...WORKERS]);
    for (const node of outputs.nodes) {
      expect(inventory.hosts[node.name]).toEqual({ ansible_host: node.privateIp, ip: node.privateIp, access_ip: node.privateIp });
    }
  });

  it('hosts.yaml declares the NLB as loadbalancer_apiserver {address, port} with real booleans', () => {
    const dnsName = outputs.loadBalancer.dnsName;
    expect(inventory.vars).toMatchObject({
      apiserver_loadbalancer_domain_name: dnsName,
      loadbalancer_apiserver: { address: dnsName, port: 6443 },
      kube_version: '1.30.4',
      kube_pods_subnet: '10.244.0.0/16',
      kube_service_addresses: '10.96.0.0/12',
    });
    expect(inventory.vars.loadbalancer_apiserver_localhost).toBe(false);
    expect(inventory.vars.populate_loadbalancer_apiserver_to_hosts_file).toBe(false);
  });

  it('hosts.yaml reaches the nodes through a ProxyCommand to the bastion that names the key file, not a bare -J', () => {
    const args = inventory.vars.ansible_ssh_common_args;
    expect(proxyCommandOf(args)).toMatch(new RegExp(`^ssh -W %h:%p -i ${KEY_FILE} .*ec2-user@3\\.34\\.0\\.10$`));
    expect(args).not.toMatch(/-J |ProxyJump/);
    expect(inventory.vars).toMatchObject({ ansible_user: 'ec2-user', ansible_ssh_private_key_file: KEY_FILE });
  });

  it('inventory.ini holds the same hosts, groups and typed vars as hosts.yaml (False, not "false")', () => {
    expect(readIni(artifacts['inventory.ini'])).toEqual(inventory);
  });

  it('kubeadm.yaml is a ClusterConfiguration whose controlPlaneEndpoint is the NLB on 6443', () => {
    const config: unknown = parse(artifacts['kubeadm.yaml']);
    expect(config).toMatchObject({
      apiVersion: 'kubeadm.k8s.io/v1beta3',
      kind: 'ClusterConfiguration',
      controlPlaneEndpoint: `${outputs.loadBalancer.dnsName}:6443`,
      networking: { podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/12' },
    });
  });

  it('picks the kubeadm config API by Kubernetes version', () => {
    expect(kubeadmApiVersion('v1.30.4')).toBe('kubeadm.k8s.io/v1beta3');
    expect(kubeadmApiVersion('1.31.0')).toBe('kubeadm.k8s.io/v1beta4');
  });

  it('knows its artifact names, the YAML inventory among them', () => {
    expect(ARTIFACT_NAMES).toEqual(['ssh_config', 'hosts.yaml', 'inventory.ini', 'kubeadm.yaml']);
    expect(isArtifactName('hosts.yaml')).toBe(true);
    expect(isArtifactName('../etc/passwd')).toBe(false);
  });
});

describe('artifacts of a build without a bastion (Session Manager)', () => {
  const outputs = withoutBastion();
  const artifacts = renderArtifacts(outputs, seoulSpec());
  const inventory = readHostsYaml(artifacts['hosts.yaml']);

  it('ssh_config has no bastion and reaches every node by instance id through the Session Manager ProxyCommand', () => {
    const config = artifacts.ssh_config;
    expect(config).not.toContain('Host fin-k8s-dev-bastion');
    expect(config).not.toContain('ProxyJump');
    for (const node of outputs.nodes) {
      expect(hostBlock(config, node.name)).toBe(
        [
          `Host ${node.name}`,
          `  HostName ${node.instanceId}`,
          '  User ec2-user',
          `  IdentityFile ${KEY_FILE}`,
          '  IdentitiesOnly yes',
          `  ProxyCommand ${SSM_PROXY}`,
        ].join('\n'),
      );
    }
  });

  it('hosts.yaml connects to the instance id through the same ProxyCommand and keeps the private IP as ip', () => {
    expect(proxyCommandOf(inventory.vars.ansible_ssh_common_args)).toBe(SSM_PROXY);
    expect(inventory.vars.ansible_ssh_private_key_file).toBe(KEY_FILE);
    for (const node of outputs.nodes) {
      expect(inventory.hosts[node.name]).toEqual({ ansible_host: node.instanceId, ip: node.privateIp, access_ip: node.privateIp });
    }
    expect(artifacts['hosts.yaml']).not.toContain('3.34.0.10');
  });

  it('inventory.ini holds the same hosts, groups and vars as hosts.yaml', () => {
    expect(readIni(artifacts['inventory.ini'])).toEqual(inventory);
  });
});
