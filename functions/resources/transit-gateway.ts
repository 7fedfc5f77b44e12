import {
  CreateTransitGatewayVpcAttachmentCommand,
  DeleteTransitGatewayVpcAttachmentCommand,
  paginateDescribeTransitGateways,
  paginateDescribeTransitGatewayVpcAttachments,
  type DescribeTransitGatewayVpcAttachmentsCommandInput,
  type TransitGatewayVpcAttachment,
} from '@aws-sdk/client-ec2';
import type { AwsClients } from '../core/clients';
import { awsReading, codeOf, isNotFound, NotYetVisible, ResourceConflict, translateAwsError, WorkflowContractError } from '../core/errors';
import type { Plan } from '../core/plan';
import { fromTagList, isOwnedBy, ownedFilters, tagSpecifications } from '../core/tags';
import { carriedUnseen, describeAll, goneAs, onlyOne, resourceFailed, type Ensured } from './owned';

/**
 * The VPC's attachment to an existing Transit Gateway, often another account's, shared through RAM. The
 * gateway is the spec's, never ours: we only attach, route to it and detach. An attachment to a shared gateway
 * whose owner does not auto-accept waits in `pendingAcceptance` until the owner accepts it; then it is
 * `pending`, then `available`. It holds an interface in each of its subnets until it is `deleted`.
 * CreateTransitGatewayVpcAttachment takes no ClientToken
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateTransitGatewayVpcAttachment.html): use the id
 * carried in state, else look by tag, then create once and return at once (`created: true`).
 * @see https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html#vpc-attachment-lifecycle
 */
export interface TransitGatewayInfo {
  id: string;
  state: string;
  ownerId?: string;
  autoAcceptSharedAttachments: boolean;
}

/** States from which an attachment never carries traffic again: a lookup by tag passes over them. */
const DEAD: readonly string[] = ['deleting', 'deleted', 'rejecting', 'rejected', 'failing', 'failed'];
/** Gone for teardown's purposes: no interface left in our subnets (a rejected or failed one never provisioned or lost them). */
const GONE: readonly string[] = ['deleted', 'rejected', 'failed'];
/** The states AWS deletes an attachment from; in any other (pending, modifying…) it answers IncorrectState. */
const DELETABLE: readonly string[] = ['available', 'pendingAcceptance'];

/** The gateway as this account sees it (a shared one too), or undefined when it does not exist or is not shared with us. */
export async function describeTransitGateway(clients: AwsClients, id: string): Promise<TransitGatewayInfo | undefined> {
  const gateways = await goneAs(undefined, 'DescribeTransitGateways', () =>
    describeAll(
      'DescribeTransitGateways',
      () => paginateDescribeTransitGateways({ client: clients.ec2 }, { TransitGatewayIds: [id] }),
      (page) => page.TransitGateways,
    ),
  );
  const gateway = gateways?.find((g) => g.TransitGatewayId === id);
  if (!gateway) return undefined;
  return {
    id,
    state: gateway.State ?? 'pending',
    ownerId: gateway.OwnerId,
    autoAcceptSharedAttachments: gateway.Options?.AutoAcceptSharedAttachments === 'enable',
  };
}

/**
 * Finds the VPC's attachment to the spec's gateway, or creates it in `subnetIds` (one per zone: AWS takes
 * "only one subnet per Availability Zone"). An attachment created by this call is returned at once
 * (`created: true`), so that the state machine records its id before anything else can fail.
 */
export async function ensureAttachment(
  clients: AwsClients,
  plan: Plan,
  vpcId: string,
  subnetIds: readonly string[],
  knownId?: string,
): Promise<Ensured> {
  if (!plan.transitGateway) throw new WorkflowContractError('a Transit Gateway attachment was asked for while the plan has none');
  const gatewayId = plan.transitGateway.id;
  // The id the state carries came from this build's own create, of this VPC to this gateway: no Describe
  // (docs/design.md "13.2 Build steps: fewer calls"). Its state is read while ConnectNetwork waits (attachmentState).
  if (knownId) return { id: knownId, created: false };
  const live = (await findOwnedAttachments(clients, plan.buildId)).filter((a) => !DEAD.includes(a.State ?? ''));
  const existing = onlyOne('Transit Gateway attachment', plan.buildId, live, (a) => a.TransitGatewayAttachmentId);
  if (existing) {
    if (existing.TransitGatewayId !== gatewayId || existing.VpcId !== vpcId) {
      throw new ResourceConflict(
        `Transit Gateway attachment ${existing.TransitGatewayAttachmentId} attaches ${existing.VpcId} to ${existing.TransitGatewayId}, not ${vpcId} to ${gatewayId}`,
      );
    }
    return { id: existing.TransitGatewayAttachmentId as string, created: false };
  }
  return { id: await createAttachment(clients, plan, gatewayId, vpcId, subnetIds), created: true };
}

/**
 * The attachment's state, and the gateway owner's account while the attachment waits for it (pendingAcceptance,
 * or after a rejection), so that a message can name who must act. NotFound for the id we hold means "not visible
 * yet". States it never recovers from are terminal: `failed` (see `resourceFailed`), `rejected` (the owner
 * refused it), `deleting`/`deleted` (someone deleted it during the build).
 */
export async function attachmentState(clients: AwsClients, id: string): Promise<{ state: string; transitGatewayOwnerId?: string }> {
  const attachment = await attachmentById(clients, id);
  if (!attachment) throw new NotYetVisible(`Transit Gateway attachment ${id} is not visible yet`);
  const state = attachment.State ?? 'pending';
  const needsOwner = ['pendingAcceptance', 'rejecting', 'rejected'].includes(state);
  const transitGatewayOwnerId = needsOwner
    ? (await describeTransitGateway(clients, attachment.TransitGatewayId as string))?.ownerId
    : undefined;
  if (state === 'failed' || state === 'failing') throw resourceFailed(`Transit Gateway attachment ${id}`, {});
  if (state === 'rejected' || state === 'rejecting') {
    throw new ResourceConflict(
      `Transit Gateway attachment ${id} was rejected by the owner of ${attachment.TransitGatewayId} (account ${transitGatewayOwnerId ?? 'unknown'}); ask them to accept the build's attachment, delete the build and build again`,
    );
  }
  if (state === 'deleting' || state === 'deleted') {
    throw new ResourceConflict(
      `Transit Gateway attachment ${id} is ${state}: it was deleted outside this build; delete the build and build again`,
    );
  }
  return { state, ...(transitGatewayOwnerId && { transitGatewayOwnerId }) };
}

/**
 * Deletes the build's attachment(s) (by tag, and the id the state carries). Its interfaces hold the private
 * subnets until it is `deleted`, so until then it is returned in `pending`. AWS deletes only an `available` or
 * `pendingAcceptance` attachment; one still on its way there (pending, modifying…) stays `pending` and is
 * deleted by a later run. Already gone is success.
 */
export async function deleteAttachments(
  clients: AwsClients,
  buildId: string,
  carriedId?: string,
): Promise<{ deleted: string[]; pending: string[] }> {
  const attachments = await findOwnedAttachments(clients, buildId);
  attachments.push(
    ...(await carriedUnseen(
      attachments.map((a) => a.TransitGatewayAttachmentId),
      [carriedId],
      (id) => attachmentById(clients, id),
      (TransitGatewayAttachmentId): TransitGatewayVpcAttachment => ({ TransitGatewayAttachmentId }),
    )),
  );
  const deleted: string[] = [];
  const pending: string[] = [];
  for (const attachment of attachments) {
    const id = attachment.TransitGatewayAttachmentId as string;
    const state = attachment.State;
    // A carried one not found by id either (no state) is left to its delete: "already gone" is success there.
    if (state && GONE.includes(state)) deleted.push(id);
    else if (state && !DELETABLE.includes(state)) pending.push(id);
    else ((await deleteAttachment(clients, id)) ? pending : deleted).push(id);
  }
  return { deleted, pending };
}

/** True when the delete was accepted; false when the attachment was already gone. */
async function deleteAttachment(clients: AwsClients, id: string): Promise<boolean> {
  try {
    await clients.ec2.send(new DeleteTransitGatewayVpcAttachmentCommand({ TransitGatewayAttachmentId: id }));
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    // It moved out of a deletable state since we described it (a delete already under way, or modifying):
    // still on its way, which is what `pending` says.
    if (codeOf(error) === 'IncorrectState') return true;
    throw translateAwsError(error, 'DeleteTransitGatewayVpcAttachment');
  }
}

/**
 * Sent once (`ec2Once`): an SDK resend after a lost answer would be a second request. AWS refuses a second live
 * attachment of the same VPC to the same gateway (DuplicateTransitGatewayAttachment): then the first one is
 * looked up by VPC and gateway, and used if it is ours.
 */
async function createAttachment(
  clients: AwsClients,
  plan: Plan,
  gatewayId: string,
  vpcId: string,
  subnetIds: readonly string[],
): Promise<string> {
  const attachment = plan.transitGateway?.attachment;
  if (!attachment) throw new WorkflowContractError('a Transit Gateway attachment was asked for while the plan has none');
  try {
    const out = await clients.ec2Once.send(
      new CreateTransitGatewayVpcAttachmentCommand({
        TransitGatewayId: gatewayId,
        VpcId: vpcId,
        SubnetIds: [...subnetIds],
        TagSpecifications: tagSpecifications('transit-gateway-attachment', attachment.tags),
      }),
    );
    const id = out.TransitGatewayVpcAttachment?.TransitGatewayAttachmentId;
    if (!id) throw new NotYetVisible('CreateTransitGatewayVpcAttachment returned no attachment id');
    return id;
  } catch (error) {
    if (codeOf(error) !== 'DuplicateTransitGatewayAttachment') throw translateAwsError(error, 'CreateTransitGatewayVpcAttachment');
    return existingAttachmentId(clients, plan.buildId, gatewayId, vpcId, error);
  }
}

async function existingAttachmentId(
  clients: AwsClients,
  buildId: string,
  gatewayId: string,
  vpcId: string,
  cause: unknown,
): Promise<string> {
  const [match] = (
    await describeAttachments(clients, {
      Filters: [
        { Name: 'vpc-id', Values: [vpcId] },
        { Name: 'transit-gateway-id', Values: [gatewayId] },
      ],
    })
  ).filter((a) => !DEAD.includes(a.State ?? ''));
  if (!match?.TransitGatewayAttachmentId) {
    throw new NotYetVisible(
      `${vpcId} is attached to ${gatewayId} (DuplicateTransitGatewayAttachment), but the attachment is not visible yet`,
      {
        cause,
      },
    );
  }
  if (!isOwnedBy(fromTagList(match.Tags), buildId)) {
    throw new ResourceConflict(
      `${vpcId} is already attached to ${gatewayId} by ${match.TransitGatewayAttachmentId}, which is not tagged as belonging to build ${buildId}`,
      { cause },
    );
  }
  return match.TransitGatewayAttachmentId;
}

/** By an id this build holds, NotFound can only mean "not visible yet" (NotYetVisible, retried; "gone" to a delete). */
async function attachmentById(clients: AwsClients, id: string): Promise<TransitGatewayVpcAttachment | undefined> {
  const attachments = await awsReading(
    'DescribeTransitGatewayVpcAttachments',
    { 'InvalidTransitGatewayAttachmentID.NotFound': NotYetVisible },
    () => describeAttachments(clients, { TransitGatewayAttachmentIds: [id] }),
  );
  return attachments[0];
}

async function findOwnedAttachments(clients: AwsClients, buildId: string): Promise<TransitGatewayVpcAttachment[]> {
  const attachments = await describeAttachments(clients, { Filters: ownedFilters(buildId, 'transit-gateway-attachment') });
  return attachments.filter((a) => a.TransitGatewayAttachmentId && isOwnedBy(fromTagList(a.Tags), buildId));
}

async function describeAttachments(
  clients: AwsClients,
  input: DescribeTransitGatewayVpcAttachmentsCommandInput,
): Promise<TransitGatewayVpcAttachment[]> {
  return describeAll(
    'DescribeTransitGatewayVpcAttachments',
    () => paginateDescribeTransitGatewayVpcAttachments({ client: clients.ec2 }, input),
    (page) => page.TransitGatewayVpcAttachments,
  );
}
