import {
  paginateDescribeNatGateways,
  paginateDescribeTransitGatewayVpcAttachments,
  paginateDescribeVpcEndpoints,
} from '@aws-sdk/client-ec2';
import type { AwsClients } from '../core/clients';
import type { BuildOutputs } from '../core/contracts';
import type { Plan } from '../core/plan';
import { describeAll } from '../resources/owned';
import type { Drift } from './contracts';
import { gone, label, unlessEqual } from './drift-format';

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

/** EC2 answers endpoint states as `available`, `pendingAcceptance`…; the SDK's type spells them `Available`…: read both alike. */
const lowerFirst = (state: string | undefined): string | null => (state ? state.charAt(0).toLowerCase() + state.slice(1) : null);

function availableDrift(connections: Connection[], stateOf: Map<string, string | null>): Drift[] {
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
    nats.length
      ? describeAll(
          'DescribeNatGateways',
          () => paginateDescribeNatGateways({ client: clients.ec2 }, { Filter: [{ Name: 'nat-gateway-id', Values: idsOf(nats) }] }),
          (page) => page.NatGateways?.map((nat) => [nat.NatGatewayId ?? '', lowerFirst(nat.State)] as const),
        )
      : [],
    endpoints.length
      ? describeAll(
          'DescribeVpcEndpoints',
          () => paginateDescribeVpcEndpoints({ client: clients.ec2 }, { Filters: [{ Name: 'vpc-endpoint-id', Values: idsOf(endpoints) }] }),
          (page) => page.VpcEndpoints?.map((endpoint) => [endpoint.VpcEndpointId ?? '', lowerFirst(endpoint.State)] as const),
        )
      : [],
    attachments.length
      ? describeAll(
          'DescribeTransitGatewayVpcAttachments',
          () =>
            paginateDescribeTransitGatewayVpcAttachments(
              { client: clients.ec2 },
              { Filters: [{ Name: 'transit-gateway-attachment-id', Values: idsOf(attachments) }] },
            ),
          (page) =>
            page.TransitGatewayVpcAttachments?.map(
              (attachment) => [attachment.TransitGatewayAttachmentId ?? '', lowerFirst(attachment.State)] as const,
            ),
        )
      : [],
  ]);
  return [
    ...availableDrift(nats, new Map(natStates)),
    ...availableDrift(endpoints, new Map(endpointStates)),
    ...availableDrift(attachments, new Map(attachmentStates)),
  ];
}
