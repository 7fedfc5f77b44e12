/**
 * The AWS services a VPC endpoint can reach in a region, and DescribeVpcEndpointServices over them. Names are
 * `com.amazonaws.<region>.<service>`; S3 is offered both as a gateway and as an interface service
 * (https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-privatelink-support.html,
 * https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html). Private DNS names are the
 * services' regional endpoints (https://docs.aws.amazon.com/general/latest/gr/aws-service-information.html).
 * An unknown name answers InvalidServiceName "The Vpc Endpoint Service '…' does not exist", as AWS does
 * (seen in terraform-aws-modules/terraform-aws-vpc#481, hashicorp/terraform-provider-aws#24216).
 */
import { createHash } from 'node:crypto';
import { CloudError } from '../contract';
import { Actions, Args } from './args';
import { availabilityZones } from './catalog';
import { applyFilters, FilterFields, paginate } from './filters';
import { Ec2Store, Tags } from './store';

export interface EndpointService {
  name: string;
  type: 'Interface' | 'Gateway';
  serviceId: string;
  privateDnsName?: string;
  baseEndpointDnsName: string;
  /** A gateway service's prefix list (the destination of its routes). */
  prefixListId?: string;
  tags: Tags;
}

/** [service, private DNS name pattern] of the interface services this cloud offers (`{r}` = region). */
const INTERFACE_SERVICES: Array<[string, string]> = [
  ['ssm', 'ssm.{r}.amazonaws.com'],
  ['ssmmessages', 'ssmmessages.{r}.amazonaws.com'],
  ['ec2messages', 'ec2messages.{r}.amazonaws.com'],
  ['ec2', 'ec2.{r}.amazonaws.com'],
  ['s3', '*.s3.{r}.amazonaws.com'],
  ['ecr.api', 'api.ecr.{r}.amazonaws.com'],
  ['ecr.dkr', '*.dkr.ecr.{r}.amazonaws.com'],
  ['sts', 'sts.{r}.amazonaws.com'],
  ['logs', 'logs.{r}.amazonaws.com'],
  ['kms', 'kms.{r}.amazonaws.com'],
  ['elasticloadbalancing', 'elasticloadbalancing.{r}.amazonaws.com'],
  ['autoscaling', 'autoscaling.{r}.amazonaws.com'],
];

/**
 * S3's AWS-managed prefix list in Seoul is `pl-78a54011` (as DescribeRouteTables shows it in that region); other
 * regions get a stable made-up id of the same form.
 */
const S3_PREFIX_LISTS: Record<string, string> = { 'ap-northeast-2': 'pl-78a54011' };

const hex = (text: string, length: number) => createHash('sha256').update(text).digest('hex').slice(0, length);

export function endpointServices(region: string): EndpointService[] {
  const services: EndpointService[] = INTERFACE_SERVICES.map(([svc, dns]) => ({
    name: `com.amazonaws.${region}.${svc}`,
    type: 'Interface',
    serviceId: `vpce-svc-${hex(`${region}/${svc}/Interface`, 17)}`,
    privateDnsName: dns.replace('{r}', region),
    baseEndpointDnsName: `${svc}.${region}.vpce.amazonaws.com`,
    tags: new Map(),
  }));
  services.push({
    name: `com.amazonaws.${region}.s3`,
    type: 'Gateway',
    serviceId: `vpce-svc-${hex(`${region}/s3/Gateway`, 17)}`,
    baseEndpointDnsName: `s3.${region}.amazonaws.com`,
    prefixListId: S3_PREFIX_LISTS[region] ?? `pl-${hex(`${region}/s3`, 8)}`,
    tags: new Map(),
  });
  return services;
}

export const invalidServiceName = (name: string) =>
  new CloudError('InvalidServiceName', `The Vpc Endpoint Service '${name}' does not exist`);

function serviceWire(region: string, x: EndpointService) {
  const zones = availabilityZones(region);
  return {
    serviceName: x.name,
    serviceId: x.serviceId,
    serviceType: [{ serviceType: x.type }],
    availabilityZoneSet: zones.map((z) => z.name),
    availabilityZoneIdSet: zones.map((z) => z.id),
    owner: 'amazon',
    baseEndpointDnsNameSet: [x.baseEndpointDnsName],
    privateDnsName: x.privateDnsName,
    privateDnsNameSet: x.privateDnsName ? [{ privateDnsName: x.privateDnsName }] : undefined,
    vpcEndpointPolicySupported: true,
    acceptanceRequired: false,
    managesVpcEndpoints: false,
    privateDnsNameVerificationState: x.privateDnsName ? 'verified' : undefined,
    supportedIpAddressTypeSet: ['ipv4'],
  };
}

export function endpointServiceActions(s: Ec2Store): Actions {
  const fields: FilterFields<EndpointService> = {
    'service-name': (x) => x.name,
    'service-type': (x) => x.type,
    'service-region': () => s.region,
    owner: () => 'amazon',
  };
  return {
    DescribeVpcEndpointServices(a: Args) {
      const all = endpointServices(s.region);
      const names = a.strings('ServiceName');
      const unknown = names.find((n) => !all.some((x) => x.name === n));
      if (unknown) throw invalidServiceName(unknown);
      const selected = names.length ? all.filter((x) => names.includes(x.name)) : all;
      const { page, nextToken } = paginate(applyFilters(selected, a, fields), a);
      return {
        serviceNameSet: [...new Set(page.map((x) => x.name))],
        serviceDetailSet: page.map((x) => serviceWire(s.region, x)),
        nextToken,
      };
    },
  };
}
