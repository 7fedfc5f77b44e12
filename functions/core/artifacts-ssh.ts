import type { BuildOutputs, NodeRecord } from './contracts';
import type { BuildSpec } from './spec';

/**
 * How an operator's machine reaches the nodes, which have private addresses only: through the bastion
 * when the build has one, otherwise through AWS Systems Manager Session Manager (no inbound port at all).
 * The ssh_config and both Kubespray inventories take their connection settings from here, so all three
 * reach a node the same way.
 */

/** RHEL AMIs log in as ec2-user. */
export const SSH_USER = 'ec2-user';

export type NodeAccess = { via: 'bastion'; bastionIp: string; bastionAlias: string } | { via: 'session-manager'; region: string };

export function nodeAccess(outputs: BuildOutputs): NodeAccess {
  return outputs.bastion
    ? { via: 'bastion', bastionIp: outputs.bastion.publicIp, bastionAlias: `${outputs.clusterName}-bastion` }
    : { via: 'session-manager', region: outputs.region };
}

/** The EC2 key pair's private key, where `aws ec2 create-key-pair` users usually keep it. */
export function identityFile(spec: BuildSpec): string {
  return `~/.ssh/${spec.keyName}.pem`;
}

/**
 * The address SSH is given for a node: its private IP behind the bastion; its instance id through Session
 * Manager, whose ProxyCommand passes the host (`%h`) as the session's `--target`.
 */
export function sshHostOf(node: NodeRecord, access: NodeAccess): string {
  return access.via === 'bastion' ? (node.privateIp ?? node.instanceId) : node.instanceId;
}

/**
 * AWS's documented ProxyCommand for SSH over Session Manager, with the region pinned so that it does not
 * depend on the operator's default profile. AWS's snippet wraps it in `sh -c "…"`; OpenSSH already runs a
 * ProxyCommand through the user's shell, so the bare command behaves the same. Needs the AWS CLI with the
 * Session Manager plugin (1.1.23.0 or later) and `ssm:StartSession` on the `AWS-StartSSHSession` document.
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-getting-started-enable-ssh-connections.html
 */
export function sessionManagerProxyCommand(region: string): string {
  return `aws ssm start-session --target %h --document-name AWS-StartSSHSession --parameters 'portNumber=%p' --region ${region}`;
}

/**
 * `ansible_ssh_common_args` for the nodes. Behind a bastion it is a ProxyCommand (`ssh -W`) that names
 * the key file itself: `-J`/ProxyJump starts the jump's ssh without the command line's `-i` (it passes on
 * only `-F`, `-v` and the like), and Ansible's `ansible_ssh_private_key_file` reaches the final hop only, so
 * with a bare `-J` the bastion would be offered the default keys (~/.ssh/id_*), never `<keyName>.pem`.
 * Kubespray's own bastion support builds the same `ssh -W … -i <key>` command.
 */
export function ansibleSshCommonArgs(access: NodeAccess, spec: BuildSpec): string {
  const proxyCommand =
    access.via === 'bastion'
      ? `ssh -W %h:%p -i ${identityFile(spec)} -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new ${SSH_USER}@${access.bastionIp}`
      : sessionManagerProxyCommand(access.region);
  return `-o ProxyCommand="${proxyCommand}" -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new`;
}

const byName = (a: NodeRecord, b: NodeRecord) => a.name.localeCompare(b.name, 'en', { numeric: true });

/** Nodes of one role in name order (cp-2 before cp-10). */
export function nodesOfRole(nodes: NodeRecord[], role: NodeRecord['role']): NodeRecord[] {
  return nodes.filter((n) => n.role === role).sort(byName);
}

/**
 * OpenSSH client config. Behind a bastion: the bastion by its Elastic IP, every node by private IP through
 * ProxyJump to that alias; `ssh -F ssh_config` hands the same `-F` to the jump's ssh, so the bastion block's
 * IdentityFile applies to the first hop too. Without a bastion: every node by instance id through Session Manager.
 */
export function sshConfig(outputs: BuildOutputs, spec: BuildSpec): string {
  const access = nodeAccess(outputs);
  const identity = [`User ${SSH_USER}`, `IdentityFile ${identityFile(spec)}`, 'IdentitiesOnly yes'];
  const block = (host: string, lines: string[]) => [`Host ${host}`, ...lines.map((l) => `  ${l}`)].join('\n');
  const nodes = [...nodesOfRole(outputs.nodes, 'control-plane'), ...nodesOfRole(outputs.nodes, 'worker')];
  const route = access.via === 'bastion' ? `ProxyJump ${access.bastionAlias}` : `ProxyCommand ${sessionManagerProxyCommand(access.region)}`;
  const header = [
    `# ${outputs.clusterName} (build ${outputs.buildId}, ${outputs.region}) — written by k8s-ec2-builder`,
    `# Usage: ssh -F ssh_config ${nodes[0]?.name ?? '<node>'}`,
    ...(access.via === 'session-manager'
      ? ['# No bastion: nodes are reached through Session Manager (AWS CLI + Session Manager plugin, ssm:StartSession).']
      : []),
  ].join('\n');
  return (
    [
      header,
      ...(access.via === 'bastion' ? [block(access.bastionAlias, [`HostName ${access.bastionIp}`, ...identity])] : []),
      ...nodes.map((node) => block(node.name, [`HostName ${sshHostOf(node, access)}`, ...identity, route])),
    ].join('\n\n') + '\n'
  );
}
