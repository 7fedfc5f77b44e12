import {
  DescribeAddressesCommand,
  DescribeInstanceTypesCommand,
  paginateDescribeInstances,
  paginateDescribeVpcs,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import { paginateDescribeLoadBalancers } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import type { AwsClients } from '../core/clients';
import { aws, awsErrorCode, translateAwsError } from '../core/errors';
import type { Plan } from '../core/plan';
import type { Problem } from './account';

/**
 * Quota headroom for what one build adds: 1 VPC, 1 Elastic IP, 1 NLB and the nodes' vCPUs. Limits come
 * from Service Quotas; where it cannot answer (no permission, or the quota is not listed) the AWS default
 * applies and preflight says so.
 */
interface QuotaDef { serviceCode: string; quotaCode: string; awsDefault: number; label: string }

export const QUOTAS = {
  vpcs: { serviceCode: 'vpc', quotaCode: 'L-F678F1CE', awsDefault: 5, label: 'VPCs per Region' },
  elasticIps: { serviceCode: 'ec2', quotaCode: 'L-0263D0A3', awsDefault: 5, label: 'EC2-VPC Elastic IPs' },
  networkLoadBalancers: { serviceCode: 'elasticloadbalancing', quotaCode: 'L-69A177A2', awsDefault: 50, label: 'Network Load Balancers per Region' },
  standardVcpus: { serviceCode: 'ec2', quotaCode: 'L-1216C47A', awsDefault: 5, label: 'Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances vCPUs' },
} as const satisfies Record<string, QuotaDef>;

const STANDARD_FAMILY = /^[acdhimrtz]/;

export async function quotaLimit(clients: AwsClients, quota: QuotaDef): Promise<{ value: number; source: 'service-quotas' | 'aws-default' }> {
  try {
    const result = await clients.quotas.send(new GetServiceQuotaCommand({ ServiceCode: quota.serviceCode, QuotaCode: quota.quotaCode }));
    const value = result.Quota?.Value;
    if (typeof value === 'number') return { value, source: 'service-quotas' };
  } catch (error) {
    if (!cannotAnswer(error)) throw translateAwsError(error, 'servicequotas:GetServiceQuota');
  }
  return { value: quota.awsDefault, source: 'aws-default' };
}

/**
 * Service Quotas has nothing to say: the quota is not listed, we may not ask, or the endpoint (LocalStack,
 * moto) does not implement the service. Throttling and outages are not this: they are retried as usual.
 */
const NO_ANSWER = new Set(['NoSuchResourceException', 'AccessDeniedException', 'UnknownOperationException', 'InvalidAction', 'NotImplemented', 'UnsupportedOperation']);

function cannotAnswer(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return NO_ANSWER.has(awsErrorCode(error) ?? '') || status === 404 || status === 501;
}

async function count<T>(operation: string, pages: AsyncIterable<T>, size: (page: T) => number): Promise<number> {
  try {
    let total = 0;
    for await (const page of pages) total += size(page);
    return total;
  } catch (error) {
    throw translateAwsError(error, operation);
  }
}

async function vcpusOf(clients: AwsClients, types: string[]): Promise<Map<string, number>> {
  if (types.length === 0) return new Map();
  const result = await aws('ec2:DescribeInstanceTypes', () =>
    clients.ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: types as _InstanceType[] })),
  );
  return new Map((result.InstanceTypes ?? []).map((t) => [t.InstanceType as string, t.VCpuInfo?.DefaultVCpus ?? 0]));
}

async function standardVcpusInUse(clients: AwsClients): Promise<{ used: number; types: Map<string, number> }> {
  const running: string[] = [];
  await count('ec2:DescribeInstances', paginateDescribeInstances({ client: clients.ec2 }, { Filters: [{ Name: 'instance-state-name', Values: ['pending', 'running'] }] }), (page) => {
    for (const r of page.Reservations ?? []) for (const i of r.Instances ?? []) if (i.InstanceType) running.push(i.InstanceType);
    return 0;
  });
  const standard = running.filter((t) => STANDARD_FAMILY.test(t));
  const types = await vcpusOf(clients, [...new Set(standard)]);
  return { used: standard.reduce((sum, t) => sum + (types.get(t) ?? 0), 0), types };
}

/** vCPUs the build asks for: each node's first-choice type, plus the bastion. */
async function vcpusNeeded(clients: AwsClients, plan: Plan): Promise<number> {
  const wanted = [...plan.nodes.map((n) => n.instanceTypes[0]), plan.bastion.instanceType].filter((t) => STANDARD_FAMILY.test(t));
  const types = await vcpusOf(clients, [...new Set(wanted)]);
  return wanted.reduce((sum, t) => sum + (types.get(t) ?? 0), 0);
}

export async function checkQuotas(clients: AwsClients, plan: Plan): Promise<{ problems: Problem[]; notes: string[] }> {
  const [vpcs, eips, nlbs, vcpus] = await Promise.all([
    quotaLimit(clients, QUOTAS.vpcs),
    quotaLimit(clients, QUOTAS.elasticIps),
    quotaLimit(clients, QUOTAS.networkLoadBalancers),
    quotaLimit(clients, QUOTAS.standardVcpus),
  ]);
  const [vpcsUsed, eipsUsed, nlbsUsed, vcpuUse, vcpusWanted] = await Promise.all([
    count('ec2:DescribeVpcs', paginateDescribeVpcs({ client: clients.ec2 }, {}), (p) => p.Vpcs?.length ?? 0),
    // DescribeAddresses has no pagination: it returns every address of the region.
    aws('ec2:DescribeAddresses', () => clients.ec2.send(new DescribeAddressesCommand({}))).then((r) => r.Addresses?.length ?? 0),
    count('elbv2:DescribeLoadBalancers', paginateDescribeLoadBalancers({ client: clients.elbv2 }, {}), (p) => (p.LoadBalancers ?? []).filter((lb) => lb.Type === 'network').length),
    standardVcpusInUse(clients),
    vcpusNeeded(clients, plan),
  ]);
  const rows: Array<[QuotaDef, { value: number; source: string }, number, number, string]> = [
    [QUOTAS.vpcs, vpcs, vpcsUsed, 1, 'vpcCidr'],
    [QUOTAS.elasticIps, eips, eipsUsed, 1, 'bastion'],
    [QUOTAS.networkLoadBalancers, nlbs, nlbsUsed, 1, 'loadBalancer'],
    [QUOTAS.standardVcpus, vcpus, vcpuUse.used, vcpusWanted, 'controlPlane.instanceTypes'],
  ];
  const problems: Problem[] = [];
  const notes: string[] = [];
  for (const [quota, limit, used, wanted, field] of rows) {
    notes.push(`${quota.label}: ${used} used + ${wanted} needed of ${limit.value}${limit.source === 'aws-default' ? ' (AWS default; Service Quotas did not answer)' : ''}`);
    if (used + wanted > limit.value) {
      problems.push({
        check: 'quotas',
        field,
        message: `${quota.label} quota ${quota.quotaCode} is ${limit.value}, ${used} in use and this build needs ${wanted}; request an increase in Service Quotas or free some`,
      });
    }
  }
  return { problems, notes };
}
