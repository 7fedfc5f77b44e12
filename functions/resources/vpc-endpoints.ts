import {
  CreateVpcEndpointCommand,
  DeleteVpcEndpointsCommand,
  paginateDescribeVpcEndpoints,
  type DescribeVpcEndpointsCommandInput,
  type UnsuccessfulItem,
  type VpcEndpoint,
} from '@aws-sdk/client-ec2';
import { clientToken } from '../core/client-token';
import type { AwsClients } from '../core/clients';
import { aws, awsReading, isNotFound, NotYetVisible, translateAwsError, WorkflowContractError } from '../core/errors';
import type { EndpointPlan, Plan } from '../core/plan';
import { fromTagList, isOwnedBy, ownedFilters, TAG, tagSpecifications } from '../core/tags';
import { carriedUnseen, describeAll, onlyOne, resourceFailed } from './owned';

/**
 * VPC endpoints to AWS services, so that a closed network reaches SSM, ECR, STS, CloudWatch Logs and S3
 * without the internet. An interface endpoint puts an interface in every private subnet (one per zone), guarded
 * by the endpoint security group, with private DNS so the services' usual names resolve to it; the S3 gateway
 * endpoint adds a route to S3's prefix list in each private route table. CreateVpcEndpoint takes a ClientToken
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html): a repeat gets the first
 * endpoint back.
 */
export interface EndpointTargets {
  vpcId: string;
  /** availability zone → private subnet id */
  privateSubnetIds: Record<string, string>;
  /** availability zone → private route table id (one id for every zone unless egress is "nat-per-az") */
  privateRouteTableIds: Record<string, string>;
  /** The endpoint security group; planned whenever there is an interface endpoint. */
  endpointGroupId?: string;
}

/**
 * States from which an endpoint never serves again: a lookup by tag passes over them. EC2 answers states as
 * `pendingAcceptance`, `available`… while the SDK's `State` type spells them `PendingAcceptance`, `Available`…;
 * `stateOf` reads either as the former.
 * @see https://docs.aws.amazon.com/vpc/latest/privatelink/concepts.html#concepts-endpoint-states
 */
const DEAD: readonly string[] = ['deleting', 'deleted', 'failed', 'rejected', 'expired'];
/** States that end a build: AWS services accept every endpoint, so these mean something went wrong for good. */
const FAILED: readonly string[] = ['failed', 'rejected', 'expired'];
/** "You can provide up to 25 VPC endpoints" per DeleteVpcEndpoints (its InvalidParameter answer above that). */
const DELETE_BATCH = 25;

/** service (as the spec names it) → VPC endpoint id, for every planned endpoint; found by tag or created. */
export async function ensureEndpoints(clients: AwsClients, plan: Plan, targets: EndpointTargets): Promise<Record<string, string>> {
  if (!plan.endpoints.length) return {};
  const owned = (await findOwnedEndpoints(clients, plan.buildId)).filter((e) => e.VpcId === targets.vpcId && !DEAD.includes(stateOf(e)));
  const ids: Record<string, string> = {};
  for (const endpoint of plan.endpoints) {
    const found = onlyOne(
      `VPC endpoint ${endpoint.name}`,
      plan.buildId,
      owned.filter((e) => fromTagList(e.Tags)[TAG.name] === endpoint.name),
      (e) => e.VpcEndpointId,
    );
    ids[endpoint.service] = found?.VpcEndpointId ?? (await createEndpoint(clients, plan, endpoint, targets));
  }
  return ids;
}

/**
 * id → state as EC2 spells it (`pendingAcceptance`, `pending`, `available`, `deleting`, `deleted`) of endpoints
 * this build created. InvalidVpcEndpointId.NotFound for an id we hold means "not visible yet" (NotYetVisible);
 * a `failed` (or rejected, expired) endpoint is a terminal error naming its service and AWS's reason.
 */
export async function endpointStates(clients: AwsClients, ids: readonly string[]): Promise<Record<string, string>> {
  if (!ids.length) return {};
  const endpoints = await awsReading('DescribeVpcEndpoints', { 'InvalidVpcEndpointId.NotFound': NotYetVisible }, () =>
    describeEndpoints(clients, { VpcEndpointIds: [...ids] }),
  );
  const states: Record<string, string> = {};
  for (const endpoint of endpoints) {
    const state = stateOf(endpoint);
    if (FAILED.includes(state)) {
      throw resourceFailed(`VPC endpoint ${endpoint.VpcEndpointId} to ${endpoint.ServiceName ?? 'its service'} (${state})`, {
        code: endpoint.LastError?.Code,
        message: endpoint.LastError?.Message ?? endpoint.FailureReason,
      });
    }
    states[endpoint.VpcEndpointId as string] = state;
  }
  return states;
}

/**
 * Deletes the build's endpoints (by tag, and the ids the state carries). An interface endpoint's interfaces hold
 * the private subnets and the endpoint security group until it is `deleted`, so every endpoint not yet deleted
 * is returned in `pending`. DeleteVpcEndpoints answers per id in `Unsuccessful` rather than throwing: a NotFound
 * there is "already gone" (success), any other entry is thrown as the AWS error it names.
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteVpcEndpoints.html
 */
export async function deleteEndpoints(
  clients: AwsClients,
  buildId: string,
  carriedIds: readonly string[] = [],
): Promise<{ deleted: string[]; pending: string[] }> {
  const endpoints = await findOwnedEndpoints(clients, buildId);
  endpoints.push(
    ...(await carriedUnseen(
      endpoints.map((e) => e.VpcEndpointId),
      carriedIds,
      async (id) => (await describeEndpoints(clients, { VpcEndpointIds: [id] }))[0],
      (VpcEndpointId): VpcEndpoint => ({ VpcEndpointId }),
    )),
  );
  const deleted = endpoints.filter((e) => stateOf(e) === 'deleted').map((e) => e.VpcEndpointId as string);
  const pending = endpoints.filter((e) => stateOf(e) === 'deleting').map((e) => e.VpcEndpointId as string);
  const toDelete = endpoints.map((e) => e.VpcEndpointId as string).filter((id) => !deleted.includes(id) && !pending.includes(id));
  for (let i = 0; i < toDelete.length; i += DELETE_BATCH) {
    const batch = toDelete.slice(i, i + DELETE_BATCH);
    const out = await aws('DeleteVpcEndpoints', () => clients.ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: batch })));
    const gone = new Set<string>();
    for (const item of out.Unsuccessful ?? []) {
      if (!isNotFound(asAwsError(item))) throw translateAwsError(asAwsError(item), 'DeleteVpcEndpoints');
      if (item.ResourceId) gone.add(item.ResourceId);
    }
    for (const id of batch) (gone.has(id) ? deleted : pending).push(id);
  }
  return { deleted, pending };
}

/**
 * Interface endpoints go in every private subnet (one per zone, as AWS requires) with the endpoint group; the
 * S3 gateway endpoint in every distinct private route table. The ClientToken is the build, service and VPC:
 * the subnets and tables follow from them.
 */
async function createEndpoint(clients: AwsClients, plan: Plan, endpoint: EndpointPlan, targets: EndpointTargets): Promise<string> {
  const placement = endpoint.type === 'Interface' ? interfacePlacement(plan, targets) : gatewayPlacement(plan, targets);
  const out = await aws('CreateVpcEndpoint', () =>
    clients.ec2.send(
      new CreateVpcEndpointCommand({
        VpcId: targets.vpcId,
        ServiceName: endpoint.serviceName,
        VpcEndpointType: endpoint.type,
        ...placement,
        ClientToken: clientToken('vpc-endpoint', plan.buildId, endpoint.service, targets.vpcId),
        TagSpecifications: tagSpecifications('vpc-endpoint', endpoint.tags),
      }),
    ),
  );
  const endpointId = out.VpcEndpoint?.VpcEndpointId;
  if (!endpointId) throw new NotYetVisible(`CreateVpcEndpoint returned no endpoint id for ${endpoint.serviceName}`);
  return endpointId;
}

function interfacePlacement(plan: Plan, targets: EndpointTargets) {
  const subnetIds = plan.privateSubnets.map((s) => targets.privateSubnetIds[s.az]);
  if (!targets.endpointGroupId || subnetIds.some((id) => !id)) {
    throw new WorkflowContractError(
      'interface endpoints planned, but the network step returned no endpoint security group or private subnet',
    );
  }
  return { SubnetIds: subnetIds, SecurityGroupIds: [targets.endpointGroupId], PrivateDnsEnabled: true };
}

function gatewayPlacement(plan: Plan, targets: EndpointTargets) {
  const tableIds = [...new Set(plan.privateSubnets.map((s) => targets.privateRouteTableIds[s.az]))];
  if (tableIds.some((id) => !id))
    throw new WorkflowContractError('a gateway endpoint planned, but the network step returned no private route table');
  return { RouteTableIds: tableIds };
}

/** The state as EC2 answers it (first letter lower case), whichever spelling reaches us. */
function stateOf(endpoint: VpcEndpoint): string {
  const state = String(endpoint.State ?? '');
  return state.charAt(0).toLowerCase() + state.slice(1);
}

/** An `Unsuccessful` entry as the SDK would have thrown it, so that the one error table classifies it. */
function asAwsError(item: UnsuccessfulItem): Error {
  const code = item.Error?.Code ?? 'Unknown';
  return Object.assign(new Error(`${item.ResourceId ?? '?'}: ${item.Error?.Message ?? code}`), { name: code, Code: code });
}

async function findOwnedEndpoints(clients: AwsClients, buildId: string): Promise<VpcEndpoint[]> {
  const endpoints = await describeEndpoints(clients, { Filters: ownedFilters(buildId, 'vpc-endpoint') });
  return endpoints.filter((e) => e.VpcEndpointId && isOwnedBy(fromTagList(e.Tags), buildId));
}

async function describeEndpoints(clients: AwsClients, input: DescribeVpcEndpointsCommandInput): Promise<VpcEndpoint[]> {
  return describeAll(
    'DescribeVpcEndpoints',
    () => paginateDescribeVpcEndpoints({ client: clients.ec2 }, input),
    (page) => page.VpcEndpoints,
  );
}
