import { paginateDescribeNetworkInterfaces, type NetworkInterface } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../core/clients';
import { ResourceNotReady } from '../core/errors';
import { describeAll } from './owned';

/**
 * What still holds a build's network when DeleteNetwork runs: the network interfaces in its VPC. Every interface
 * sits in a subnet and carries security groups, so while one remains AWS refuses to delete them
 * (DependencyViolation). By then the teardown has sent every delete, and what is left goes at AWS's pace:
 * - an instance's interface, when the instance is `terminated`;
 * - an NLB's, a minute or so after DeleteLoadBalancer (AWS removes them itself; nobody may delete them,
 *   https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/requester-managed-eni.html);
 * - a NAT gateway's, an interface endpoint's or a Transit Gateway attachment's, when that is `deleted`.
 * DeleteNetwork checks once, before any delete, and waits (ResourceNotReady) instead of sending deletes that fail.
 */
export interface RemainingInterface {
  networkInterfaceId: string;
  subnetId?: string;
  /** What it belongs to, for the wait message: `instance i-…`, `load balancer <name>`, `nat_gateway`… */
  holder: string;
}

/** `ELB net/<name>/<id>`: how AWS describes the interfaces of a network load balancer. */
const NLB_DESCRIPTION = /^ELB net\/([^/]+)\//;

/** Every network interface in the VPCs, in one DescribeNetworkInterfaces (filtered by VPC, paged). */
export async function interfacesIn(clients: AwsClients, vpcIds: readonly string[]): Promise<RemainingInterface[]> {
  if (vpcIds.length === 0) return [];
  const input = { Filters: [{ Name: 'vpc-id', Values: [...vpcIds] }] };
  const interfaces = await describeAll(
    'DescribeNetworkInterfaces',
    () => paginateDescribeNetworkInterfaces({ client: clients.ec2 }, input),
    (page) => page.NetworkInterfaces,
  );
  return interfaces
    .filter((eni) => eni.NetworkInterfaceId)
    .map((eni) => ({ networkInterfaceId: eni.NetworkInterfaceId as string, subnetId: eni.SubnetId, holder: holderOf(eni) }));
}

/** Throws ResourceNotReady, naming each interface and what holds it, while any interface remains in the VPCs. */
export async function assertInterfacesGone(clients: AwsClients, vpcIds: readonly string[]): Promise<void> {
  const remaining = await interfacesIn(clients, vpcIds);
  if (remaining.length === 0) return;
  const named = remaining.map((eni) => `${eni.networkInterfaceId} (${eni.holder})`);
  throw new ResourceNotReady(
    `waiting for ${remaining.length} network interface(s) in ${vpcIds.join(', ')} to go away: ${named.join(', ')}`,
    {
      details: { vpcIds, networkInterfaceIds: remaining.map((eni) => eni.networkInterfaceId) },
    },
  );
}

function holderOf(eni: NetworkInterface): string {
  if (eni.Attachment?.InstanceId) return `instance ${eni.Attachment.InstanceId}`;
  const loadBalancer = NLB_DESCRIPTION.exec(eni.Description ?? '')?.[1];
  if (loadBalancer) return `load balancer ${loadBalancer}`;
  if (eni.InterfaceType && eni.InterfaceType !== 'interface') return eni.InterfaceType;
  return eni.Description || 'unknown';
}
