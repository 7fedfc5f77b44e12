import { parse } from 'yaml';
import { isArtifactName, kubeadmApiVersion, renderArtifacts } from '../../../functions/core/artifacts';
import { seoulSpec } from '../../fixtures/build';
import { seoulOutputs } from '../../fixtures/outputs';

describe('artifacts', () => {
  const outputs = seoulOutputs();
  const artifacts = renderArtifacts(outputs, seoulSpec());

  it('ssh_config reaches every node through the bastion by ProxyJump', () => {
    const config = artifacts.ssh_config;
    expect(config).toContain('Host fin-k8s-dev-bastion\n  HostName 3.34.0.10\n  User ec2-user\n  IdentityFile ~/.ssh/fin-k8s-key.pem');
    for (const node of outputs.nodes) {
      const block = config.split('\n\n').find((b) => b.startsWith(`Host ${node.name}\n`));
      expect(block).toContain(`HostName ${node.privateIp}`);
      expect(block).toContain('ProxyJump fin-k8s-dev-bastion');
    }
  });

  it('inventory.ini groups control planes as etcd and kube_control_plane, workers as kube_node, API LB = NLB DNS', () => {
    const ini = artifacts['inventory.ini'];
    const section = (name: string) => ini.split(`[${name}]\n`)[1].split('\n\n')[0].split('\n');
    expect(section('kube_control_plane')).toEqual(['fin-k8s-dev-cp-1', 'fin-k8s-dev-cp-2', 'fin-k8s-dev-cp-3']);
    expect(section('etcd')).toEqual(section('kube_control_plane'));
    expect(section('kube_node')).toEqual(['fin-k8s-dev-worker-1', 'fin-k8s-dev-worker-2', 'fin-k8s-dev-worker-3']);
    expect(ini).toContain(`apiserver_loadbalancer_domain_name=${outputs.loadBalancer.dnsName}`);
    expect(ini).toContain('loadbalancer_apiserver={"port": 6443}');
    expect(ini).toContain('loadbalancer_apiserver_localhost=false');
    expect(ini).toContain('fin-k8s-dev-cp-2 ansible_host=10.0.32.10 ip=10.0.32.10');
    expect(ini).toContain('ProxyJump=ec2-user@3.34.0.10');
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

  it('knows its artifact names', () => {
    expect(isArtifactName('ssh_config')).toBe(true);
    expect(isArtifactName('../etc/passwd')).toBe(false);
  });
});
