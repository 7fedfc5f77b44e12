import { stringify } from 'yaml';
import { ansibleSshCommonArgs, identityFile, nodeAccess, nodesOfRole, sshHostOf, SSH_USER } from './artifacts-ssh';
import type { BuildOutputs, NodeRecord } from './contracts';
import type { BuildSpec } from './spec';
import { API_SERVER_PORT } from './spec-rules';

/**
 * Kubespray inventories, YAML (`hosts.yaml`) and INI (`inventory.ini`), both rendered from one model so
 * that they always hold the same hosts, groups and variables.
 * @see https://github.com/kubernetes-sigs/kubespray/blob/master/docs/ansible/inventory.md
 */

/** A variable's value: typed, because Kubespray asserts real booleans and reads `loadbalancer_apiserver.port`. */
type InventoryValue = string | number | boolean | { [key: string]: InventoryValue };

interface KubesprayInventory {
  /** host name → host vars (`ansible_host`, `ip`, `access_ip`) */
  hosts: Record<string, Record<string, string>>;
  controlPlanes: NodeRecord[];
  workers: NodeRecord[];
  vars: Record<string, InventoryValue>;
}

function kubesprayModel(outputs: BuildOutputs, spec: BuildSpec): KubesprayInventory {
  const access = nodeAccess(outputs);
  const controlPlanes = nodesOfRole(outputs.nodes, 'control-plane');
  const workers = nodesOfRole(outputs.nodes, 'worker');
  // `ip` binds the Kubernetes services and `access_ip` is how the other nodes reach this one: both the
  // private IP. `ansible_host` is only how Ansible connects (the instance id through Session Manager).
  const hostVars = (node: NodeRecord): Record<string, string> => ({
    ansible_host: sshHostOf(node, access),
    ...(node.privateIp ? { ip: node.privateIp, access_ip: node.privateIp } : {}),
  });
  const dnsName = outputs.loadBalancer.dnsName;
  return {
    hosts: Object.fromEntries([...controlPlanes, ...workers].map((node) => [node.name, hostVars(node)])),
    controlPlanes,
    workers,
    vars: {
      ansible_user: SSH_USER,
      ansible_ssh_private_key_file: identityFile(spec),
      ansible_ssh_common_args: ansibleSshCommonArgs(access, spec),
      // The NLB is the external API load balancer (Kubespray docs/operations/ha-mode.md). Kubespray documents
      // `address` as an IP, but an NLB has only a DNS name whose IPs AWS may change (kubespray#2937), so the
      // address is that name too: it lands in the certificate SANs and no_proxy, where a name is valid.
      // Releases that still write `<address> <domain name>` into /etc/hosts are told not to
      // (`populate_loadbalancer_apiserver_to_hosts_file`, kubespray#9331): nodes resolve the name through the
      // VPC's DNS. Declaring it turns the per-node localhost proxy off; `loadbalancer_apiserver_localhost`
      // says so explicitly. (`loadbalancer_apiserver_port` is that proxy's port: not ours.)
      apiserver_loadbalancer_domain_name: dnsName,
      loadbalancer_apiserver: { address: dnsName, port: API_SERVER_PORT },
      loadbalancer_apiserver_localhost: false,
      populate_loadbalancer_apiserver_to_hosts_file: false,
      // Kubespray 2.28 and later take versions without the leading "v" and stop on one (kubespray#11890).
      kube_version: outputs.kubernetes.version.replace(/^v/, ''),
      kube_pods_subnet: outputs.kubernetes.podCidr,
      kube_service_addresses: outputs.kubernetes.serviceCidr,
      cluster_name: `${outputs.clusterName}.local`,
    },
  };
}

function header(outputs: BuildOutputs, inventoryFile: string, twin: string): string[] {
  return [
    `# Kubespray inventory for ${outputs.clusterName} (build ${outputs.buildId}) — written by k8s-ec2-builder; ${twin} holds the same.`,
    `# Usage (in a Kubespray checkout): ansible-playbook -i ${inventoryFile} --become cluster.yml`,
    '# The vars below are group vars of the inventory file: a group_vars/ directory beside it (as in a copy of',
    "# Kubespray's inventory/sample) overrides any variable it also sets.",
  ];
}

/** Kubespray's YAML inventory: all.hosts with their addresses, the groups as children, the cluster vars. */
export function kubesprayHostsYaml(outputs: BuildOutputs, spec: BuildSpec): string {
  const model = kubesprayModel(outputs, spec);
  const members = (nodes: NodeRecord[]) => ({ hosts: Object.fromEntries(nodes.map((n) => [n.name, null])) });
  const inventory = {
    all: {
      hosts: model.hosts,
      children: {
        kube_control_plane: members(model.controlPlanes),
        etcd: members(model.controlPlanes),
        kube_node: members(model.workers),
        k8s_cluster: { children: { kube_control_plane: null, kube_node: null } },
      },
      vars: model.vars,
    },
  };
  // lineWidth 0: the SSH arguments stay on one line instead of being folded.
  return [...header(outputs, 'hosts.yaml', 'inventory.ini'), stringify(inventory, { nullStr: '', lineWidth: 0 })].join('\n');
}

/**
 * A value as Ansible's INI reader takes it: it parses every value as a Python literal (ansible.plugins.
 * inventory.ini `_parse_value`, `ast.literal_eval`), so `False` is a boolean but `false` the string "false"
 * (which Jinja finds true), and `{"port": 6443}` a mapping. A JSON string is a valid Python string literal.
 */
function iniLiteral(value: InventoryValue): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  return `{${Object.entries(value)
    .map(([key, inner]) => `${JSON.stringify(key)}: ${iniLiteral(inner)}`)
    .join(', ')}}`;
}

/**
 * The same inventory in INI. Written by hand: Kubespray's host lines (`name ansible_host=… ip=…`) are not
 * key=value pairs, so a generic INI encoder cannot produce them.
 */
export function kubesprayInventoryIni(outputs: BuildOutputs, spec: BuildSpec): string {
  const model = kubesprayModel(outputs, spec);
  const hostLine = (node: NodeRecord) => {
    const hostVars = Object.entries(model.hosts[node.name]).map(([key, value]) => `${key}=${value}`);
    return [node.name, ...hostVars, `# ${node.instanceId} ${node.az}`].join(' ');
  };
  const names = (nodes: NodeRecord[]) => nodes.map((n) => n.name);
  return [
    ...header(outputs, 'inventory.ini', 'hosts.yaml'),
    '# Values under [all:vars] are Python literals, as Ansible reads them: False is a boolean, {…} a mapping.',
    '[all]',
    ...[...model.controlPlanes, ...model.workers].map(hostLine),
    '',
    '[kube_control_plane]',
    ...names(model.controlPlanes),
    '',
    '[etcd]',
    ...names(model.controlPlanes),
    '',
    '[kube_node]',
    ...names(model.workers),
    '',
    '[k8s_cluster:children]',
    'kube_control_plane',
    'kube_node',
    '',
    '[all:vars]',
    ...Object.entries(model.vars).map(([key, value]) => `${key}=${iniLiteral(value)}`),
    '',
  ].join('\n');
}
