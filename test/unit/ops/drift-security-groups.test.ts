/** Security-group drift: rules added or removed by hand, egress changed, a group deleted. */
import { findDrift } from '../../../functions/ops/drift';
import { mockAws } from '../../fixtures/aws';
import { seoulPlan } from '../../fixtures/build';
import { DriftWorld } from './drift-world';

const aws = mockAws();
const plan = seoulPlan();
const WORKERS = 'security-group fin-k8s-dev-worker-sg (sg-workers)';

function world(): DriftWorld {
  return new DriftWorld(plan).install(aws.ec2, aws.elbv2);
}

const drift = (w: DriftWorld) => findDrift(aws.clients, plan, w.outputs);

describe('security-group drift', () => {
  it('reports SSH from anywhere added by hand on the worker group', async () => {
    const w = world();
    w.rules.push({ GroupId: 'sg-workers', IsEgress: false, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0' });
    expect(await drift(w)).toEqual([{ resource: WORKERS, field: 'ingress', expected: null, actual: 'tcp 22 from 0.0.0.0/0' }]);
  });

  it('names a rule from a group that is not the build’s by its id, and an IPv6 or all-traffic rule as AWS lists it', async () => {
    const w = world();
    w.rules.push(
      {
        GroupId: 'sg-controlPlane',
        IsEgress: false,
        IpProtocol: 'tcp',
        FromPort: 6443,
        ToPort: 6443,
        ReferencedGroupInfo: { GroupId: 'sg-0other' },
      },
      { GroupId: 'sg-controlPlane', IsEgress: false, IpProtocol: '-1', FromPort: -1, ToPort: -1, CidrIpv6: '::/0' },
    );
    expect(await drift(w)).toEqual([
      {
        resource: 'security-group fin-k8s-dev-control-plane-sg (sg-controlPlane)',
        field: 'ingress',
        expected: null,
        actual: 'all from ::/0',
      },
      {
        resource: 'security-group fin-k8s-dev-control-plane-sg (sg-controlPlane)',
        field: 'ingress',
        expected: null,
        actual: 'tcp 6443 from sg-0other',
      },
    ]);
  });

  it('reports a planned rule revoked by hand, its source by group name', async () => {
    const w = world();
    w.rules = w.rules.filter((r) => !(r.GroupId === 'sg-workers' && r.FromPort === 30443));
    expect(await drift(w)).toEqual([{ resource: WORKERS, field: 'ingress', expected: 'tcp 30443 from fin-k8s-dev-nlb-sg', actual: null }]);
  });

  it('reports a port range narrowed by hand as one rule missing and one added', async () => {
    const w = world();
    const etcd = w.rules.find((r) => r.GroupId === 'sg-controlPlane' && r.FromPort === 2379)!;
    etcd.ToPort = 2379;
    expect(await drift(w)).toEqual([
      {
        resource: expect.stringContaining('control-plane-sg') as string,
        field: 'ingress',
        expected: 'tcp 2379-2380 from fin-k8s-dev-control-plane-sg',
        actual: null,
      },
      {
        resource: expect.stringContaining('control-plane-sg') as string,
        field: 'ingress',
        expected: null,
        actual: 'tcp 2379 from fin-k8s-dev-control-plane-sg',
      },
    ]);
  });

  it('reports the default egress rule revoked, and an egress rule added, against the one AWS gives every group', async () => {
    const w = world();
    w.rules = w.rules.filter((r) => !(r.GroupId === 'sg-bastion' && r.IsEgress));
    w.rules.push({ GroupId: 'sg-nlb', IsEgress: true, IpProtocol: 'udp', FromPort: 53, ToPort: 53, CidrIpv4: '10.0.0.2/32' });
    expect(await drift(w)).toEqual([
      { resource: 'security-group fin-k8s-dev-bastion-sg (sg-bastion)', field: 'egress', expected: 'all to 0.0.0.0/0', actual: null },
      { resource: 'security-group fin-k8s-dev-nlb-sg (sg-nlb)', field: 'egress', expected: null, actual: 'udp 53 to 10.0.0.2/32' },
    ]);
  });

  it('reports a deleted group as not existing, and nothing about its rules', async () => {
    const w = world();
    w.groupIds = w.groupIds.filter((id) => id !== 'sg-bastion');
    w.rules = w.rules.filter((r) => r.GroupId !== 'sg-bastion');
    expect(await drift(w)).toEqual([
      { resource: 'security-group fin-k8s-dev-bastion-sg (sg-bastion)', field: 'exists', expected: true, actual: false },
    ]);
  });
});
