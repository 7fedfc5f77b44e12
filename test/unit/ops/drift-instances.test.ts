/** Instance drift: IMDSv1 back on, a node with a public IP, stopped or terminated, another type or group, gone. */
import { findDrift } from '../../../functions/ops/drift';
import { mockAws } from '../../fixtures/aws';
import { seoulPlan } from '../../fixtures/build';
import { BASTION_IP, DriftWorld } from './drift-world';

const aws = mockAws();
const plan = seoulPlan();
const CP1 = 'instance fin-k8s-dev-cp-1 (i-0fin-k8s-dev-cp-1)';
const BASTION = 'instance fin-k8s-dev-bastion (i-0bastion)';

function world(): DriftWorld {
  return new DriftWorld(plan).install(aws.ec2, aws.elbv2);
}

const drift = (w: DriftWorld) => findDrift(aws.clients, plan, w.outputs);

describe('instance drift', () => {
  it('reports IMDSv1 turned back on, and a hop limit raised, on a node', async () => {
    const w = world();
    Object.assign(w.instance('fin-k8s-dev-cp-1').MetadataOptions!, { HttpTokens: 'optional', HttpPutResponseHopLimit: 3 });
    expect(await drift(w)).toEqual([
      { resource: CP1, field: 'metadataOptions.httpTokens', expected: 'required', actual: 'optional' },
      { resource: CP1, field: 'metadataOptions.httpPutResponseHopLimit', expected: 2, actual: 3 },
    ]);
  });

  it('expects hop limit 1 on the bastion and the metadata endpoint on everywhere', async () => {
    const w = world();
    Object.assign(w.instance('fin-k8s-dev-bastion').MetadataOptions!, { HttpPutResponseHopLimit: 2, HttpEndpoint: 'disabled' });
    expect(await drift(w)).toEqual([
      { resource: BASTION, field: 'metadataOptions.httpPutResponseHopLimit', expected: 1, actual: 2 },
      { resource: BASTION, field: 'metadataOptions.httpEndpoint', expected: 'enabled', actual: 'disabled' },
    ]);
  });

  it('reports a public IP on a node, and the bastion without its Elastic IP', async () => {
    const w = world();
    w.instance('fin-k8s-dev-worker-3').PublicIpAddress = '3.36.9.9';
    w.instance('fin-k8s-dev-bastion').PublicIpAddress = undefined;
    expect(await drift(w)).toEqual([
      { resource: 'instance fin-k8s-dev-worker-3 (i-0fin-k8s-dev-worker-3)', field: 'publicIpAddress', expected: null, actual: '3.36.9.9' },
      { resource: BASTION, field: 'publicIpAddress', expected: BASTION_IP, actual: null },
    ]);
  });

  it('reports a stopped node with whatever else differs, a terminated one by its state alone, and a vanished one as gone', async () => {
    const w = world();
    Object.assign(w.instance('fin-k8s-dev-cp-1'), { State: { Name: 'stopped' }, InstanceType: 'm6i.xlarge' });
    Object.assign(w.instance('fin-k8s-dev-cp-2'), { State: { Name: 'terminated' }, PublicIpAddress: undefined, MetadataOptions: {} });
    w.instances = w.instances.filter((i) => i.InstanceId !== 'i-0fin-k8s-dev-worker-1');
    expect(await drift(w)).toEqual(
      expect.arrayContaining([
        { resource: CP1, field: 'state', expected: 'running', actual: 'stopped' },
        { resource: CP1, field: 'instanceType', expected: 'm6i.large', actual: 'm6i.xlarge' },
        { resource: 'instance fin-k8s-dev-cp-2 (i-0fin-k8s-dev-cp-2)', field: 'state', expected: 'running', actual: 'terminated' },
        { resource: 'instance fin-k8s-dev-worker-1 (i-0fin-k8s-dev-worker-1)', field: 'exists', expected: true, actual: false },
      ]),
    );
    const instanceDrift = (await drift(w)).filter((d) => d.resource.startsWith('instance '));
    expect(instanceDrift).toHaveLength(4);
  });

  it('reports a node moved into another security group', async () => {
    const w = world();
    w.instance('fin-k8s-dev-worker-2').SecurityGroups = [{ GroupId: 'sg-workers' }, { GroupId: 'sg-0debug' }];
    expect(await drift(w)).toEqual([
      {
        resource: 'instance fin-k8s-dev-worker-2 (i-0fin-k8s-dev-worker-2)',
        field: 'securityGroups',
        expected: ['sg-workers'],
        actual: ['sg-0debug', 'sg-workers'],
      },
    ]);
  });

  it('looks at no bastion when the build has none', async () => {
    const closed = seoulPlan({ bastion: { enabled: false }, endpoints: ['ssm', 'ssmmessages', 'ec2messages'] });
    const w = new DriftWorld(closed).install(aws.ec2, aws.elbv2);
    expect(w.outputs.bastion).toBeUndefined();
    w.instance('fin-k8s-dev-worker-1').MetadataOptions!.HttpTokens = 'optional';
    expect(await findDrift(aws.clients, closed, w.outputs)).toEqual([
      {
        resource: 'instance fin-k8s-dev-worker-1 (i-0fin-k8s-dev-worker-1)',
        field: 'metadataOptions.httpTokens',
        expected: 'required',
        actual: 'optional',
      },
    ]);
  });
});
