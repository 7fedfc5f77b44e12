import { paginateDescribeInstances, paginateDescribeInstanceTypes, type _InstanceType } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../core/clients';
import type { Plan } from '../core/plan';
import { describeAll } from './owned';

/** A Service Quotas quota a build draws on (the vCPU quotas here, the others in quotas.ts). */
export interface QuotaDef {
  serviceCode: string;
  quotaCode: string;
  label: string;
  /** The call at which AWS refuses what the quota does not allow. */
  enforcedAt: string;
}

/**
 * EC2 limits running On-Demand instances by vCPUs, with one quota per group of instance families
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-on-demand-instances.html#ec2-on-demand-instances-limits;
 * quota codes: https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html). A build is
 * checked against the quota of each family it launches, and only instances of that family count.
 */
const onDemand = (quotaCode: string, families: string): QuotaDef => ({
  serviceCode: 'ec2',
  quotaCode,
  label: `Running On-Demand ${families} instances vCPUs`,
  enforcedAt: 'RunInstances',
});

export const ON_DEMAND_VCPU_QUOTAS = {
  standard: onDemand('L-1216C47A', 'Standard (A, C, D, H, I, M, R, T, Z)'),
  dl: onDemand('L-6E869C2A', 'DL'),
  f: onDemand('L-74FC7D96', 'F'),
  gAndVt: onDemand('L-DB2E81BA', 'G and VT'),
  hpc: onDemand('L-F7808C92', 'HPC'),
  highMemory: onDemand('L-43DA4232', 'High Memory'),
  inf: onDemand('L-1945791B', 'Inf'),
  p: onDemand('L-417A185B', 'P'),
  trn: onDemand('L-2C3B7624', 'Trn'),
  x: onDemand('L-7295265B', 'X'),
} as const satisfies Record<string, QuotaDef>;

/**
 * The family series of a type is the letters before its generation digit: `c` of c7gn.large, `hpc` of
 * hpc7g.16xlarge, `u` of u-6tb1.metal and u7i-12tb.224xlarge
 * (https://docs.aws.amazon.com/ec2/latest/instancetypes/instance-type-names.html). A first letter is not
 * enough: inf, trn, dl, hpc and mac start with letters of the Standard quota but have quotas of their own.
 */
const SERIES_QUOTA: Record<string, QuotaDef> = {
  ...Object.fromEntries(['a', 'c', 'd', 'h', 'i', 'im', 'is', 'm', 'r', 't', 'z'].map((s) => [s, ON_DEMAND_VCPU_QUOTAS.standard])),
  dl: ON_DEMAND_VCPU_QUOTAS.dl,
  f: ON_DEMAND_VCPU_QUOTAS.f,
  g: ON_DEMAND_VCPU_QUOTAS.gAndVt,
  gr: ON_DEMAND_VCPU_QUOTAS.gAndVt,
  vt: ON_DEMAND_VCPU_QUOTAS.gAndVt,
  hpc: ON_DEMAND_VCPU_QUOTAS.hpc,
  u: ON_DEMAND_VCPU_QUOTAS.highMemory,
  inf: ON_DEMAND_VCPU_QUOTAS.inf,
  p: ON_DEMAND_VCPU_QUOTAS.p,
  trn: ON_DEMAND_VCPU_QUOTAS.trn,
  x: ON_DEMAND_VCPU_QUOTAS.x,
};

/** Series that no On-Demand vCPU quota covers, and why. */
const NOT_COUNTED: Record<string, string> = {
  // https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-mac-instances.html: Mac instances run only on Dedicated Hosts.
  mac: 'Mac instances run only on Dedicated Hosts, whose quotas count hosts, not vCPUs',
};

export const seriesOf = (instanceType: string): string => /^[a-z]+/.exec(instanceType)?.[0] ?? '';

/** The On-Demand vCPU quota a type draws on, or why there is none to check. */
export function vcpuQuotaOf(instanceType: string): { quota: QuotaDef } | { unchecked: string } {
  const series = seriesOf(instanceType);
  const quota = SERIES_QUOTA[series];
  if (quota) return { quota };
  return { unchecked: NOT_COUNTED[series] ?? `no On-Demand vCPU quota is known for the ${series || instanceType} family` };
}

async function vcpusOf(clients: AwsClients, types: string[]): Promise<Map<string, number>> {
  if (types.length === 0) return new Map();
  const found = await describeAll(
    'ec2:DescribeInstanceTypes',
    () => paginateDescribeInstanceTypes({ client: clients.ec2 }, { InstanceTypes: types as _InstanceType[] }),
    (p) => p.InstanceTypes,
  );
  return new Map(found.map((t) => [t.InstanceType as string, t.VCpuInfo?.DefaultVCpus ?? 0]));
}

/** vCPUs by quota code, summed over instances of the given types. */
async function vcpusByQuota(clients: AwsClients, types: string[]): Promise<Map<string, number>> {
  const perType = await vcpusOf(clients, [...new Set(types)]);
  const totals = new Map<string, number>();
  for (const type of types) {
    const owner = vcpuQuotaOf(type);
    if ('quota' in owner) totals.set(owner.quota.quotaCode, (totals.get(owner.quota.quotaCode) ?? 0) + (perType.get(type) ?? 0));
  }
  return totals;
}

/**
 * vCPUs of the account's On-Demand instances, by quota code. Spot Instances are left out: they have quotas
 * of their own (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-spot-limits.html) and carry
 * InstanceLifecycle `spot`, which an On-Demand instance does not. AWS counts only `running` instances;
 * `pending` ones are counted too, as they are seconds from running when this build's launches arrive.
 */
export async function onDemandVcpusInUse(clients: AwsClients): Promise<Map<string, number>> {
  const instances = await describeAll(
    'ec2:DescribeInstances',
    () =>
      paginateDescribeInstances({ client: clients.ec2 }, { Filters: [{ Name: 'instance-state-name', Values: ['pending', 'running'] }] }),
    (page) => (page.Reservations ?? []).flatMap((r) => r.Instances ?? []),
  );
  const onDemandTypes = instances.filter((i) => i.InstanceLifecycle !== 'spot' && i.InstanceType).map((i) => i.InstanceType as string);
  return vcpusByQuota(
    clients,
    onDemandTypes.filter((t) => 'quota' in vcpuQuotaOf(t)),
  );
}

export interface VcpuDemand {
  quota: QuotaDef;
  wanted: number;
  field: string;
}

/**
 * What the build asks of each On-Demand vCPU quota: each node's first-choice type and the bastion, with
 * the spec field of the first role that draws on it; and a note for each type no quota covers.
 */
export async function vcpuDemands(clients: AwsClients, plan: Plan): Promise<{ demands: VcpuDemand[]; notes: string[] }> {
  const launches = [
    ...plan.nodes.map((n) => ({
      type: n.instanceTypes[0],
      field: n.role === 'worker' ? 'workers.instanceTypes' : 'controlPlane.instanceTypes',
    })),
    { type: plan.bastion.instanceType, field: 'bastion.instanceType' },
  ];
  const counted = launches.filter((l) => 'quota' in vcpuQuotaOf(l.type));
  const wanted = await vcpusByQuota(
    clients,
    counted.map((l) => l.type),
  );
  const demands = new Map<string, VcpuDemand>();
  for (const { type, field } of counted) {
    const { quota } = vcpuQuotaOf(type) as { quota: QuotaDef };
    if (!demands.has(quota.quotaCode)) demands.set(quota.quotaCode, { quota, wanted: wanted.get(quota.quotaCode) ?? 0, field });
  }
  const notes = [...new Set(launches.map((l) => l.type))].flatMap((type) => {
    const owner = vcpuQuotaOf(type);
    return 'unchecked' in owner ? [`vCPU quota for ${type} not checked: ${owner.unchecked}; AWS enforces its limits at RunInstances`] : [];
  });
  return { demands: [...demands.values()], notes };
}
