import { DescribeAddressesCommand } from '@aws-sdk/client-ec2';
import { GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import type { AwsClients } from '../core/clients';
import { aws, translateAwsError } from '../core/errors';
import type { Plan } from '../core/plan';
import type { Problem } from './account';
import { accountListings, once, type AccountListings } from './account-listings';
import { whyUnanswered } from './unanswered';
import { ON_DEMAND_VCPU_QUOTAS, onDemandVcpusInUse, vcpuDemands, type QuotaDef } from './vcpu-quotas';

/**
 * Quota headroom for what one build adds: 1 VPC, 1 Elastic IP, 1 NLB and the nodes' vCPUs. Limits come
 * from Service Quotas. A limit it cannot give (see whyUnanswered) is not guessed, since a guess such as
 * AWS's default of 5 vCPUs would refuse builds the account has room for: preflight notes the quota as not
 * checked and goes on. AWS enforces every quota at the create call (`enforcedAt`), and a refusal there
 * rolls the build back.
 */
export const QUOTAS = {
  vpcs: { serviceCode: 'vpc', quotaCode: 'L-F678F1CE', label: 'VPCs per Region', enforcedAt: 'CreateVpc' },
  elasticIps: { serviceCode: 'ec2', quotaCode: 'L-0263D0A3', label: 'EC2-VPC Elastic IPs', enforcedAt: 'AllocateAddress' },
  networkLoadBalancers: {
    serviceCode: 'elasticloadbalancing',
    quotaCode: 'L-69A177A2',
    label: 'Network Load Balancers per Region',
    enforcedAt: 'CreateLoadBalancer',
  },
  standardVcpus: ON_DEMAND_VCPU_QUOTAS.standard,
} as const satisfies Record<string, QuotaDef>;

type QuotaLimit = { value: number } | { unanswered: string };

export async function quotaLimit(clients: AwsClients, quota: QuotaDef): Promise<QuotaLimit> {
  try {
    const result = await clients.quotas.send(new GetServiceQuotaCommand({ ServiceCode: quota.serviceCode, QuotaCode: quota.quotaCode }));
    const value = result.Quota?.Value;
    return typeof value === 'number' ? { value } : { unanswered: 'Service Quotas answered without a value' };
  } catch (error) {
    const why = whyUnanswered(error);
    if (why) return { unanswered: `Service Quotas did not answer (${why})` };
    throw translateAwsError(error, 'servicequotas:GetServiceQuota');
  }
}

const notCheckedNote = (quota: QuotaDef, reason: string): string =>
  `${quota.label} quota ${quota.quotaCode} not checked: ${reason}; AWS enforces it at ${quota.enforcedAt}`;

interface Demand {
  quota: QuotaDef;
  wanted: number;
  /** The spec field a refusal names. */
  field: string;
  /** Read only when the limit is known. */
  inUse: () => Promise<number>;
}

interface Outcome {
  check?: string;
  note?: string;
  problem?: Problem;
}

async function checkDemand(clients: AwsClients, { quota, wanted, field, inUse }: Demand): Promise<Outcome> {
  const limit = await quotaLimit(clients, quota);
  if ('unanswered' in limit) return { note: notCheckedNote(quota, limit.unanswered) };
  const used = await inUse();
  const check = `${quota.label}: ${used} used + ${wanted} needed of ${limit.value}`;
  if (used + wanted <= limit.value) return { check };
  const message = `${quota.label} quota ${quota.quotaCode} is ${limit.value}, ${used} in use and this build needs ${wanted}; request an increase in Service Quotas or free some`;
  return { check, problem: { check: 'quotas', field, message } };
}

/** `listings`: the VPCs and load balancers, read once for this and the cluster-name check (see account-listings.ts). */
export async function checkQuotas(
  clients: AwsClients,
  plan: Plan,
  listings: AccountListings = accountListings(clients),
): Promise<{ problems: Problem[]; checks: string[]; notes: string[] }> {
  const vcpus = await vcpuDemands(clients, plan);
  const vcpusInUse = once(() => onDemandVcpusInUse(clients));
  const demands: Demand[] = [
    {
      quota: QUOTAS.vpcs,
      wanted: 1,
      field: 'vpcCidr',
      inUse: async () => (await listings.vpcs()).length,
    },
    // DescribeAddresses has no pagination: it returns every address of the region.
    {
      quota: QUOTAS.elasticIps,
      // The bastion's address (if any) and one per NAT gateway.
      wanted: (plan.spec.bastion.enabled ? 1 : 0) + plan.natGateways.length,
      field: plan.natGateways.length ? 'egress' : 'bastion',
      inUse: () =>
        aws('ec2:DescribeAddresses', () => clients.ec2.send(new DescribeAddressesCommand({}))).then((r) => r.Addresses?.length ?? 0),
    },
    {
      quota: QUOTAS.networkLoadBalancers,
      wanted: 1,
      field: 'loadBalancer',
      inUse: async () => (await listings.loadBalancers()).filter((lb) => lb.Type === 'network').length,
    },
    ...vcpus.demands.map((d) => ({ ...d, inUse: async () => (await vcpusInUse()).get(d.quota.quotaCode) ?? 0 })),
  ];
  const outcomes = await Promise.all(demands.map((d) => checkDemand(clients, d)));
  return {
    problems: outcomes.flatMap((o) => o.problem ?? []),
    checks: outcomes.flatMap((o) => o.check ?? []),
    notes: [...outcomes.flatMap((o) => o.note ?? []), ...vcpus.notes],
  };
}
