/**
 * What the cost estimate asks the Price List Query API, one GetProducts question per billed kind of resource
 * (docs/design.md "12.2 Cost estimate"). Every question names the region by `regionCode` and narrows with
 * TERM_MATCH filters on the product attributes AWS publishes; the filters leave a few products of one family
 * (hours and data processed, say), and `usagetype` + `unit` pick the one billed per hour (or per GB-month).
 *
 * Usage types carry a region prefix (`APN2-NatGateway-Hours` in Seoul, none in us-east-1) that the API does not
 * map from the region code, so the question names the usage type without it and the answer is matched on it.
 */

export type PriceUnit = 'Hrs' | 'GB-Mo';

export interface PriceQuery {
  serviceCode: 'AmazonEC2' | 'AWSELB' | 'AmazonVPC';
  /** Attribute → value, each sent as a TERM_MATCH filter. */
  filters: Record<string, string>;
  /** The usage type without its region prefix, e.g. `NatGateway-Hours`. */
  usagetype: string;
  /** The price dimension's unit. */
  unit: PriceUnit;
}

/**
 * The nodes and the bastion run RHEL 8 (spec.image.family `rhel-8`), on-demand, on shared tenancy. `operation`
 * RunInstances:0010 is the billing code of EC2-included RHEL subscriptions
 * (https://docs.aws.amazon.com/license-manager/latest/userguide/linux-subscriptions-billing-information.html), so a
 * bring-your-own-subscription product cannot match; `capacitystatus` Used leaves out capacity-reservation rows.
 */
export function instanceQuery(region: string, instanceType: string): PriceQuery {
  return {
    serviceCode: 'AmazonEC2',
    filters: {
      regionCode: region,
      productFamily: 'Compute Instance',
      instanceType,
      operatingSystem: 'RHEL',
      operation: 'RunInstances:0010',
      tenancy: 'Shared',
      preInstalledSw: 'NA',
      capacitystatus: 'Used',
    },
    usagetype: `BoxUsage:${instanceType}`,
    unit: 'Hrs',
  };
}

/** gp3 storage per GB-month; gp3's baseline 3,000 IOPS and 125 MB/s are included (our volumes ask for no more). */
export function gp3StorageQuery(region: string): PriceQuery {
  return {
    serviceCode: 'AmazonEC2',
    filters: { regionCode: region, productFamily: 'Storage', volumeApiName: 'gp3' },
    usagetype: 'EBS:VolumeUsage.gp3',
    unit: 'GB-Mo',
  };
}

/** The NLB's hourly charge (its capacity units, NLCU, are billed per use and left out). */
export function networkLoadBalancerQuery(region: string): PriceQuery {
  return {
    serviceCode: 'AWSELB',
    filters: { regionCode: region, productFamily: 'Load Balancer-Network' },
    usagetype: 'LoadBalancerUsage',
    unit: 'Hrs',
  };
}

/** AWS bills every public IPv4 address by the hour, in use or idle (https://aws.amazon.com/vpc/pricing/). */
export function publicIpv4Query(region: string): PriceQuery {
  return {
    serviceCode: 'AmazonVPC',
    filters: { regionCode: region, group: 'VPCPublicIPv4Address', groupDescription: 'Hourly charge for In-use Public IPv4 Addresses' },
    usagetype: 'PublicIPv4:InUseAddress',
    unit: 'Hrs',
  };
}

export function natGatewayQuery(region: string): PriceQuery {
  return {
    serviceCode: 'AmazonEC2',
    filters: { regionCode: region, productFamily: 'NAT Gateway' },
    usagetype: 'NatGateway-Hours',
    unit: 'Hrs',
  };
}

/** An interface endpoint is billed per endpoint per Availability Zone per hour (https://aws.amazon.com/privatelink/pricing/). */
export function interfaceEndpointQuery(region: string): PriceQuery {
  return {
    serviceCode: 'AmazonVPC',
    filters: { regionCode: region, productFamily: 'VpcEndpoint' },
    usagetype: 'VpcEndpoint-Hours',
    unit: 'Hrs',
  };
}

/** A VPC attachment's hourly charge (`operation` TransitGatewayVPC; peering and VPN attachments have their own). */
export function transitGatewayAttachmentQuery(region: string): PriceQuery {
  return {
    serviceCode: 'AmazonVPC',
    filters: { regionCode: region, operation: 'TransitGatewayVPC' },
    usagetype: 'TransitGateway-Hours',
    unit: 'Hrs',
  };
}

/** Equal questions get one key, whatever the order of their filters: each is asked once. */
export function queryKey(query: PriceQuery): string {
  const filters = Object.entries(query.filters).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([query.serviceCode, filters, query.usagetype, query.unit]);
}

/** `APN2-NatGateway-Hours` and `NatGateway-Hours` match `NatGateway-Hours`; `APN2-RegionalNatGateway-Hours` does not. */
export function matchesUsageType(usagetype: string | undefined, wanted: string): boolean {
  if (usagetype === undefined) return false;
  if (usagetype === wanted) return true;
  const dash = usagetype.indexOf('-');
  return dash > 0 && /^[A-Z]+\d*$/.test(usagetype.slice(0, dash)) && usagetype.slice(dash + 1) === wanted;
}
