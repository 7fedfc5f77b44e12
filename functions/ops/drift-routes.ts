import type { AwsClients } from '../core/clients';
import type { BuildOutputs } from '../core/contracts';
import { S3_GATEWAY_SERVICE, type Plan } from '../core/plan';
import { describeSubnetRoutes } from '../resources/baseline';
import { INTERNET } from '../resources/route-tables';
import type { Drift } from './contracts';
import { setDrift } from './drift-format';

/**
 * What each of the build's subnets routes, against what the build routed (docs/design.md "1.3 Egress, endpoints, the
 * Transit Gateway and bastion-less access"), read per subnet as VerifyBaseline reads it (`<destination>→<target id>`):
 * a private subnet its VPC locally, `0.0.0.0/0` to its own zone's NAT gateway (with NAT), the Transit Gateway's CIDRs
 * to the gateway, S3's prefix list to the S3 gateway endpoint; a public subnet its VPC, `0.0.0.0/0` to the Internet
 * Gateway and the Transit Gateway's CIDRs. A route added by hand (`0.0.0.0/0` straight to the Internet Gateway from a
 * private subnet) reads as `expected: null`; a subnet whose table was disassociated or deleted has no routes of its
 * own and reads as every route missing.
 */

export interface BuiltSubnet {
  resource: string;
  id: string;
  az: string;
  public: boolean;
}

/** A gateway endpoint's route is to a prefix list whose id the build never held: it reads as `prefix-list→vpce-…`. */
const PREFIX_LIST = /^pl-[^→]*→/;
const normalised = (route: string): string => route.replace(PREFIX_LIST, 'prefix-list→');

function expectedRoutes(plan: Plan, outputs: BuildOutputs, subnet: BuiltSubnet, internetGateway: string | undefined): string[] {
  const local = `${plan.vpc.cidr}→local`;
  const gateway = plan.transitGateway;
  const toGateway = gateway ? gateway.routes.map((cidr) => `${cidr}→${gateway.id}`) : [];
  if (subnet.public) return [local, ...(internetGateway ? [`${INTERNET}→${internetGateway}`] : []), ...toGateway];
  const connections = outputs.connections;
  const nat = plan.natGateways.find((candidate) => candidate.zones.includes(subnet.az));
  const natId = nat && connections?.natGatewayIds[nat.az];
  const s3 = connections?.endpointIds[S3_GATEWAY_SERVICE];
  return [local, ...(natId ? [`${INTERNET}→${natId}`] : []), ...toGateway, ...(s3 ? [`prefix-list→${s3}`] : [])];
}

/**
 * `internetGateway`: the id of the build's gateway as found now, or, when it is gone, its planned name (so that the
 * public default route reads as missing rather than silently expected nowhere).
 */
export async function routeDrift(
  clients: AwsClients,
  plan: Plan,
  outputs: BuildOutputs,
  subnets: BuiltSubnet[],
  internetGateway: string | undefined,
): Promise<Drift[]> {
  if (subnets.length === 0) return [];
  const routes = await describeSubnetRoutes(
    clients,
    subnets.map((subnet) => subnet.id),
  );
  return subnets.flatMap((subnet) =>
    setDrift(subnet.resource, 'routes', expectedRoutes(plan, outputs, subnet, internetGateway), (routes[subnet.id] ?? []).map(normalised)),
  );
}
