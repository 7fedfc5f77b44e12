/**
 * Service Quotas (AWS JSON 1.1, `X-Amz-Target: ServiceQuotasV20190624.<Action>`): just GetServiceQuota for
 * the quotas Preflight reads. The same values bound what EC2 lets a build create (VPCs, EIPs, vCPUs), so a
 * lowered quota both shows up in Preflight and makes the create call fail the way AWS would.
 */
import { CloudError } from './contract';

export const QUOTA_CODES = {
  vpcsPerRegion: 'L-F678F1CE',
  elasticIps: 'L-0263D0A3',
  networkLoadBalancers: 'L-69A177A2',
  onDemandStandardVcpus: 'L-1216C47A',
  rulesPerSecurityGroup: 'L-0EA8095F',
} as const;

interface QuotaInfo {
  serviceCode: 'vpc' | 'ec2' | 'elasticloadbalancing';
  serviceName: string;
  name: string;
  unit: string;
  value: number;
}

const CATALOG: Record<string, QuotaInfo> = {
  [QUOTA_CODES.vpcsPerRegion]: {
    serviceCode: 'vpc',
    serviceName: 'Amazon Virtual Private Cloud (Amazon VPC)',
    name: 'VPCs per Region',
    unit: 'None',
    value: 5,
  },
  [QUOTA_CODES.elasticIps]: {
    serviceCode: 'ec2',
    serviceName: 'Amazon Elastic Compute Cloud (Amazon EC2)',
    name: 'EC2-VPC Elastic IPs',
    unit: 'None',
    value: 5,
  },
  [QUOTA_CODES.networkLoadBalancers]: {
    serviceCode: 'elasticloadbalancing',
    serviceName: 'Elastic Load Balancing (ELB)',
    name: 'Network Load Balancers per Region',
    unit: 'None',
    value: 50,
  },
  // "Inbound or outbound rules per security group": 60, https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups
  [QUOTA_CODES.rulesPerSecurityGroup]: {
    serviceCode: 'vpc',
    serviceName: 'Amazon Virtual Private Cloud (Amazon VPC)',
    name: 'Inbound or outbound rules per security group',
    unit: 'None',
    value: 60,
  },
  [QUOTA_CODES.onDemandStandardVcpus]: {
    serviceCode: 'ec2',
    serviceName: 'Amazon Elastic Compute Cloud (Amazon EC2)',
    name: 'Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances',
    unit: 'None',
    value: 64,
  },
};

/** Quota values by code; overridable per cloud (`startCloud({ quotas: { 'L-F678F1CE': 1 } })`). */
export class Quotas {
  private values = new Map<string, number>();

  constructor(private readonly overrides: Record<string, number> = {}) {
    this.reset();
  }

  value(code: string): number {
    return this.values.get(code) ?? Number.POSITIVE_INFINITY;
  }

  set(code: string, value: number): void {
    if (!CATALOG[code]) throw new Error(`unknown quota code ${code}; known: ${Object.keys(CATALOG).join(', ')}`);
    this.values.set(code, value);
  }

  reset(): void {
    this.values = new Map(Object.entries(CATALOG).map(([code, q]) => [code, this.overrides[code] ?? q.value]));
  }

  /** Handles one JSON 1.1 request; returns the response body object. */
  handle(target: string, body: Record<string, unknown>, region: string, accountId: string): unknown {
    const action = target.split('.')[1] ?? '';
    if (action !== 'GetServiceQuota' && action !== 'GetAWSDefaultServiceQuota') {
      throw new CloudError('UnknownOperationException', `The operation ${action} is not supported by the embedded cloud.`);
    }
    const serviceCode = body.ServiceCode;
    const quotaCode = body.QuotaCode;
    if (typeof serviceCode !== 'string' || typeof quotaCode !== 'string') {
      throw new CloudError('ValidationException', 'ServiceCode and QuotaCode are required.');
    }
    const info = CATALOG[quotaCode];
    if (!info || info.serviceCode !== serviceCode) {
      throw new CloudError(
        'NoSuchResourceException',
        `The request failed because the specified quota ${quotaCode} for service ${serviceCode} does not exist.`,
      );
    }
    const value = action === 'GetServiceQuota' ? this.value(quotaCode) : info.value;
    return {
      Quota: {
        ServiceCode: serviceCode,
        ServiceName: info.serviceName,
        QuotaArn: `arn:aws:servicequotas:${region}:${accountId}:${serviceCode}/${quotaCode}`,
        QuotaCode: quotaCode,
        QuotaName: info.name,
        Value: value,
        Unit: info.unit,
        Adjustable: true,
        GlobalQuota: false,
      },
    };
  }
}
