import { paginateDescribeNetworkInterfaces, type NetworkInterface } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../core/clients';
import { ResourceNotReady } from '../core/errors';
import { describeAll } from './owned';

/**
 * After DeleteLoadBalancer, an NLB's network interfaces stay in its subnets for a few minutes (AWS removes
 * them itself; nobody may delete them). Until they are gone, deleting the subnets or the NLB's security
 * group fails with DependencyViolation. Teardown checks here first and waits (ResourceNotReady) instead of
 * hammering the deletes.
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/requester-managed-eni.html
 */
export interface LingeringInterface {
  networkInterfaceId: string;
  subnetId?: string;
  description?: string;
  status?: string;
}

/** `ELB net/<name>/<id>`: how AWS describes the interfaces of a network load balancer. */
const NLB_DESCRIPTION = /^ELB net\/([^/]+)\//;

/**
 * The NLB interfaces still in the VPC: interface type `network_load_balancer`, or (older interfaces and
 * some emulators) an `ELB net/…` description; with `loadBalancerName`, only that load balancer's.
 */
export async function findLingeringInterfaces(
  clients: AwsClients,
  vpcId: string,
  loadBalancerName?: string,
): Promise<LingeringInterface[]> {
  const input = { Filters: [{ Name: 'vpc-id', Values: [vpcId] }] };
  const interfaces = await describeAll(
    'DescribeNetworkInterfaces',
    () => paginateDescribeNetworkInterfaces({ client: clients.ec2 }, input),
    (page) => page.NetworkInterfaces,
  );
  return interfaces
    .filter((eni) => isLoadBalancerInterface(eni, loadBalancerName))
    .map((eni) => ({
      networkInterfaceId: eni.NetworkInterfaceId as string,
      subnetId: eni.SubnetId,
      description: eni.Description,
      status: eni.Status,
    }));
}

/** Throws ResourceNotReady, naming the interfaces, while any NLB interface remains in the VPC. */
export async function assertLoadBalancerInterfacesGone(clients: AwsClients, vpcId: string, loadBalancerName?: string): Promise<void> {
  const lingering = await findLingeringInterfaces(clients, vpcId, loadBalancerName);
  if (lingering.length === 0) return;
  const ids = lingering.map((eni) => eni.networkInterfaceId);
  throw new ResourceNotReady(`waiting for ${ids.length} load balancer network interface(s) in ${vpcId} to go away: ${ids.join(', ')}`, {
    details: { vpcId, networkInterfaceIds: ids },
  });
}

function isLoadBalancerInterface(eni: NetworkInterface, loadBalancerName?: string): boolean {
  if (!eni.NetworkInterfaceId) return false;
  const described = NLB_DESCRIPTION.exec(eni.Description ?? '');
  if (loadBalancerName) return described?.[1] === loadBalancerName;
  return eni.InterfaceType === 'network_load_balancer' || described !== null;
}
