import { DescribeInstancesCommand, DescribeInstanceTypesCommand, type DescribeInstanceTypesCommandInput } from '@aws-sdk/client-ec2';
import { onDemandVcpusInUse, ON_DEMAND_VCPU_QUOTAS, seriesOf, vcpuDemands, vcpuQuotaOf } from '../../../functions/resources/vcpu-quotas';
import { mockAws } from '../../fixtures/aws';
import { seoulPlan } from '../../fixtures/build';

const { ec2, clients } = mockAws();
const Q = ON_DEMAND_VCPU_QUOTAS;

/** Every type has 4 vCPUs, except where a test says otherwise. */
function arrangeVcpus(vcpus: Record<string, number> = {}) {
  ec2.on(DescribeInstanceTypesCommand).callsFake((input: DescribeInstanceTypesCommandInput) => ({
    InstanceTypes: (input.InstanceTypes as string[]).map((InstanceType) => ({
      InstanceType,
      VCpuInfo: { DefaultVCpus: vcpus[InstanceType] ?? 4 },
    })),
  }));
}

describe('vcpuQuotaOf', () => {
  // The quota names list their families; the series is the letters before the generation digit.
  it.each<[string, keyof typeof Q]>([
    ['a1.large', 'standard'],
    ['c7gn.large', 'standard'],
    ['d3en.xlarge', 'standard'],
    ['h1.2xlarge', 'standard'],
    ['i4i.large', 'standard'],
    ['im4gn.large', 'standard'],
    ['is4gen.medium', 'standard'],
    ['m6i.large', 'standard'],
    ['m7i-flex.large', 'standard'],
    ['r7iz.large', 'standard'],
    ['t3.micro', 'standard'],
    ['z1d.large', 'standard'],
    ['dl1.24xlarge', 'dl'],
    ['dl2q.24xlarge', 'dl'],
    ['f1.2xlarge', 'f'],
    ['g5.xlarge', 'gAndVt'],
    ['gr6.4xlarge', 'gAndVt'],
    ['vt1.3xlarge', 'gAndVt'],
    ['hpc7g.16xlarge', 'hpc'],
    ['u-6tb1.metal', 'highMemory'],
    ['u7i-12tb.224xlarge', 'highMemory'],
    ['inf2.xlarge', 'inf'],
    ['p4d.24xlarge', 'p'],
    ['p5.48xlarge', 'p'],
    ['trn1.32xlarge', 'trn'],
    ['x2idn.16xlarge', 'x'],
  ])('%s draws on the %s quota', (type, key) => {
    expect(vcpuQuotaOf(type)).toEqual({ quota: Q[key] });
  });

  it.each([
    ['inf1.xlarge', 'inf'],
    ['trn1n.32xlarge', 'trn'],
    ['hpc6a.48xlarge', 'hpc'],
    ['mac2-m2pro.metal', 'mac'],
    ['u-3tb1.56xlarge', 'u'],
  ])('%s belongs to the %s series, not to its first letter', (type, series) => {
    expect(seriesOf(type)).toBe(series);
  });

  it.each([
    ['mac1.metal', /Dedicated Hosts/],
    ['qq9.large', /no On-Demand vCPU quota is known for the qq family/],
  ])('%s is not checked against a vCPU quota: %s', (type, reason) => {
    const lookup = vcpuQuotaOf(type);
    expect(Object.keys(lookup)).toEqual(['unchecked']);
    expect('unchecked' in lookup ? lookup.unchecked : undefined).toMatch(reason);
  });
});

describe('onDemandVcpusInUse', () => {
  it('counts pending and running On-Demand instances by quota, without Spot Instances', async () => {
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        { Instances: [{ InstanceType: 'm5.2xlarge' }, { InstanceType: 'm5.2xlarge', InstanceLifecycle: 'spot' }] },
        {
          Instances: [
            { InstanceType: 'inf2.xlarge' },
            { InstanceType: 'trn1.32xlarge' },
            { InstanceType: 'mac1.metal' },
            { InstanceType: 'g5.xlarge', InstanceLifecycle: 'spot' },
          ],
        },
      ],
    });
    arrangeVcpus({ 'm5.2xlarge': 8, 'trn1.32xlarge': 128 });
    const inUse = await onDemandVcpusInUse(clients);
    expect(Object.fromEntries(inUse)).toEqual({ [Q.standard.quotaCode]: 8, [Q.inf.quotaCode]: 4, [Q.trn.quotaCode]: 128 });
    expect(ec2.commandCalls(DescribeInstancesCommand)[0].args[0].input.Filters).toEqual([
      { Name: 'instance-state-name', Values: ['pending', 'running'] },
    ]);
  });
});

describe('vcpuDemands', () => {
  it('asks the Standard quota for the Seoul build: 3 × m6i.large + 3 × m6i.xlarge + t3.micro', async () => {
    arrangeVcpus({ 'm6i.large': 2, 'm6i.xlarge': 4, 't3.micro': 2 });
    const { demands, notes } = await vcpuDemands(clients, seoulPlan());
    expect(demands).toEqual([{ quota: Q.standard, wanted: 20, field: 'controlPlane.instanceTypes' }]);
    expect(notes).toEqual([]);
  });

  it('asks each family’s own quota, and notes the families no quota covers', async () => {
    arrangeVcpus({ 'g5.xlarge': 4 });
    const plan = seoulPlan({
      workers: { count: 2, instanceTypes: ['g5.xlarge'] },
      bastion: { instanceType: 'mac1.metal', allowedSshCidrs: ['203.0.113.0/24'] },
    });
    const { demands, notes } = await vcpuDemands(clients, plan);
    expect(demands.map((d) => [d.quota.quotaCode, d.wanted, d.field])).toEqual([
      [Q.standard.quotaCode, 12, 'controlPlane.instanceTypes'],
      [Q.gAndVt.quotaCode, 8, 'workers.instanceTypes'],
    ]);
    expect(notes).toEqual([
      'vCPU quota for mac1.metal not checked: Mac instances run only on Dedicated Hosts, whose quotas count hosts, not vCPUs; AWS enforces its limits at RunInstances',
    ]);
  });
});
