import type { AwsClients } from '../core/clients';
import type { BuildOutputs } from '../core/contracts';
import type { Plan } from '../core/plan';
import type { Drift } from './contracts';
import { gone, label, unlessEqual } from './drift-format';
import { describeNatGateways, describeVpcAttachments, describeVpcEndpoints, type Listed } from './inventory-ec2';

/**
 * The build's ways out of the VPC (docs/design.md "1.3 Egress, endpoints, the Transit Gateway and bastion-less access"):
 * each NAT gateway, VPC endpoint and the Transit Gateway attachment it made is still there and `available`. A
 * deleted one is listed as `deleted` for a while, then not at all: the first reads as `state`, the second as `exists`.
 * Each kind is read in one call, by filter: an id AWS no longer knows would fail a by-id request as a whole.
 */

interface Connection {
  resource: string;
  id: string;
}

function availableDrift(connections: Connection[], listed: Array<Listed<unknown>>): Drift[] {
  const stateOf = new Map(listed.map(({ id, state }) => [id, state ?? null]));
  return connections.flatMap(({ resource, id }) =>
    stateOf.has(id) ? unlessEqual(resource, 'state', 'available', stateOf.get(id)) : [gone(resource)],
  );
}

export async function connectionDrift(clients: AwsClients, plan: Plan, outputs: BuildOutputs): Promise<Drift[]> {
  const ids = outputs.connections;
  if (!ids) return [];
  const nats: Connection[] = Object.entries(ids.natGatewayIds).map(([az, id]) => ({
    resource: label('nat-gateway', plan.natGateways.find((nat) => nat.az === az)?.name ?? `NAT gateway in ${az}`, id),
    id,
  }));
  const endpoints: Connection[] = Object.entries(ids.endpointIds).map(([service, id]) => ({
    resource: label('vpc-endpoint', plan.endpoints.find((endpoint) => endpoint.service === service)?.name ?? service, id),
    id,
  }));
  const attachmentId = ids.transitGatewayAttachmentId;
  const attachments: Connection[] = attachmentId
    ? [
        {
          resource: label('transit-gateway-attachment', plan.transitGateway?.attachment.name ?? 'attachment', attachmentId),
          id: attachmentId,
        },
      ]
    : [];
  const idsOf = (connections: Connection[]) => connections.map((connection) => connection.id);

  const [natStates, endpointStates, attachmentStates] = await Promise.all([
    describeNatGateways(clients.ec2, idsOf(nats)),
    describeVpcEndpoints(clients.ec2, idsOf(endpoints)),
    describeVpcAttachments(clients.ec2, idsOf(attachments)),
  ]);
  return [
    ...availableDrift(nats, natStates),
    ...availableDrift(endpoints, endpointStates),
    ...availableDrift(attachments, attachmentStates),
  ];
}
