import { DescribeVpcEndpointServicesCommand } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../core/clients';
import { aws, codeOf, translateAwsError } from '../core/errors';
import type { EndpointPlan, Plan } from '../core/plan';
import type { Problem } from './account';
import { describeTransitGateway } from './transit-gateway';

/**
 * Preflight's read-only checks of what ConnectNetwork will use (docs/design.md "5.2 Preflight"): the Transit
 * Gateway must exist in the region (shared gateways are visible to the account they are shared with) and be
 * `available`; each endpoint service must exist in the region with the endpoint type we will ask for.
 */
export async function checkTransitGateway(clients: AwsClients, plan: Plan): Promise<Problem[]> {
  if (!plan.transitGateway) return [];
  const { id } = plan.transitGateway;
  const gateway = await describeTransitGateway(clients, id);
  const problem = (message: string): Problem[] => [{ check: 'transit-gateway', field: 'transitGateway.id', message }];
  if (!gateway)
    return problem(`${id} does not exist in ${plan.spec.region} or is not shared with this account; check the id and the RAM share`);
  if (gateway.state !== 'available') return problem(`${id} is ${gateway.state}; a VPC can be attached only to an available gateway`);
  return [];
}

/**
 * DescribeVpcEndpointServices answers InvalidServiceName for the whole request when one name is unknown, so
 * the names are asked for together and, only then, one by one to name each unknown one.
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcEndpointServices.html
 */
export async function checkEndpointServices(clients: AwsClients, plan: Plan): Promise<Problem[]> {
  if (!plan.endpoints.length) return [];
  const together = await offeredTypes(clients, plan.endpoints);
  const types = together ?? new Map<string, string[]>();
  if (!together)
    for (const endpoint of plan.endpoints) for (const [name, t] of (await offeredTypes(clients, [endpoint])) ?? []) types.set(name, t);
  return plan.endpoints.flatMap((endpoint): Problem[] => {
    const index = plan.spec.endpoints.indexOf(endpoint.service);
    const field = `endpoints[${index}]`;
    const offered = types.get(endpoint.serviceName);
    if (!offered)
      return [
        {
          check: 'endpoint-services',
          field,
          message: `${endpoint.serviceName} is not an endpoint service in ${plan.spec.region}; check the name (e.g. ssm, ecr.dkr, s3)`,
        },
      ];
    if (!offered.includes(endpoint.type))
      return [
        {
          check: 'endpoint-services',
          field,
          message: `${endpoint.serviceName} offers ${offered.join(' and ')} endpoints, not ${endpoint.type}; only s3 is built as a Gateway endpoint`,
        },
      ];
    return [];
  });
}

/** service name → endpoint types offered, or undefined when AWS refused the names as unknown. */
async function offeredTypes(clients: AwsClients, endpoints: EndpointPlan[]): Promise<Map<string, string[]> | undefined> {
  try {
    const out = await aws('ec2:DescribeVpcEndpointServices', () =>
      clients.ec2.send(new DescribeVpcEndpointServicesCommand({ ServiceNames: endpoints.map((e) => e.serviceName) })),
    );
    const types = new Map<string, string[]>();
    for (const detail of out.ServiceDetails ?? []) {
      if (!detail.ServiceName) continue;
      const offered = (detail.ServiceType ?? []).flatMap((t): string[] => (t.ServiceType ? [String(t.ServiceType)] : []));
      types.set(detail.ServiceName, [...(types.get(detail.ServiceName) ?? []), ...offered]);
    }
    return types;
  } catch (error) {
    if (codeOf(error) === 'InvalidServiceName') return undefined;
    throw translateAwsError(error, 'DescribeVpcEndpointServices');
  }
}
