import {
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  DeleteInternetGatewayCommand,
  DetachInternetGatewayCommand,
  paginateDescribeInternetGateways,
  type DescribeInternetGatewaysCommandInput,
  type InternetGateway,
} from '@aws-sdk/client-ec2';
import type { AwsClients } from '../core/clients';
import { aws, codeOf, NotYetVisible, ResourceConflict, translateAwsError, WorkflowContractError } from '../core/errors';
import type { Plan } from '../core/plan';
import { fromTagList, isOwnedBy, ownedFilters, tagSpecifications } from '../core/tags';
import { carriedUnseen, describeAll, ignoringGone, onlyOne, type Ensured } from './owned';

/**
 * The Internet Gateway that gives the public subnet (and so the bastion) its route to the internet.
 * CreateInternetGateway takes no ClientToken: use the id carried in state, else look by tag, then create;
 * two gateways tagged for the build are a ResourceConflict naming both.
 */
/** Besides NotFound, Gateway.NotAttached also says the wanted end state already holds. */
const ALREADY_DETACHED = ['Gateway.NotAttached'];

/**
 * Finds the gateway and attaches it to the VPC, or creates it. A gateway created by this call is returned
 * at once (`created: true`), unattached: the next run receives its id as `knownId` and attaches it. That id
 * came from this build's own CreateInternetGateway, so it is attached without a Describe first (docs/design.md
 * "13.2 Build steps: fewer calls"); a gateway EC2 does not show yet answers InvalidInternetGatewayID.NotFound
 * (NotYetVisible, retried), never a reason to create again.
 */
export async function ensureInternetGateway(clients: AwsClients, plan: Plan, vpcId: string, knownId?: string): Promise<Ensured> {
  if (knownId) {
    await sendAttach(clients, knownId, vpcId);
    return { id: knownId, created: false };
  }
  const existing = onlyOne('Internet Gateway', plan.buildId, await findOwnedGateways(clients, plan.buildId), (g) => g.InternetGatewayId);
  if (!existing) return { id: await createGateway(clients, plan), created: true };
  await attach(clients, existing, vpcId);
  return { id: existing.InternetGatewayId as string, created: false };
}

/**
 * Detaches and deletes the build's Internet Gateway. While an Elastic IP is still mapped in the VPC (the
 * bastion's), AWS refuses the detach with DependencyViolation: classified ResourceNotReady, so the teardown
 * retries once the address is released. Already gone (or already detached) is success.
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DetachInternetGateway.html
 */
export async function deleteInternetGateway(clients: AwsClients, buildId: string, carriedId?: string): Promise<string[]> {
  const gateways = await findOwnedGateways(clients, buildId);
  gateways.push(
    ...(await carriedUnseen(
      gateways.map((g) => g.InternetGatewayId),
      [carriedId],
      async (id) => (await describeGateways(clients, { InternetGatewayIds: [id] }))[0],
      (InternetGatewayId): InternetGateway => ({ InternetGatewayId }),
    )),
  );
  const deleted: string[] = [];
  for (const gateway of gateways) {
    const gatewayId = gateway.InternetGatewayId as string;
    for (const attachment of gateway.Attachments ?? []) {
      await ignoringGone(
        'DetachInternetGateway',
        () => clients.ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: gatewayId, VpcId: attachment.VpcId })),
        ALREADY_DETACHED,
      );
    }
    // A carried gateway we could not describe may still be attached: AWS then answers DependencyViolation.
    await ignoringGone(
      'DeleteInternetGateway',
      () => clients.ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: gatewayId })),
      ALREADY_DETACHED,
    );
    deleted.push(gatewayId);
  }
  return deleted;
}

async function attach(clients: AwsClients, gateway: InternetGateway, vpcId: string): Promise<void> {
  const attachments = (gateway.Attachments ?? []).filter((a) => a.State !== 'detached');
  if (attachments.some((a) => a.VpcId === vpcId)) return;
  const elsewhere = attachments.find((a) => a.VpcId);
  if (elsewhere) {
    throw new ResourceConflict(
      `Internet Gateway ${gateway.InternetGatewayId} is attached to ${elsewhere.VpcId}, not to the build's VPC ${vpcId}`,
    );
  }
  await sendAttach(clients, gateway.InternetGatewayId as string, vpcId);
}

/**
 * AttachInternetGateway. Resource.AlreadyAssociated means an earlier attempt attached it (done), unless the
 * gateway, described by id only on this answer, is attached to another VPC: a ResourceConflict.
 */
async function sendAttach(clients: AwsClients, gatewayId: string, vpcId: string): Promise<void> {
  try {
    await clients.ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: gatewayId, VpcId: vpcId }));
  } catch (error) {
    if (codeOf(error) !== 'Resource.AlreadyAssociated') throw translateAwsError(error, 'AttachInternetGateway');
    const [gateway] = await describeGateways(clients, { InternetGatewayIds: [gatewayId] });
    const elsewhere = (gateway?.Attachments ?? []).find((a) => a.State !== 'detached' && a.VpcId && a.VpcId !== vpcId);
    if (elsewhere) {
      throw new ResourceConflict(`Internet Gateway ${gatewayId} is attached to ${elsewhere.VpcId}, not to the build's VPC ${vpcId}`, {
        cause: error,
      });
    }
  }
}

async function findOwnedGateways(clients: AwsClients, buildId: string): Promise<InternetGateway[]> {
  const gateways = await describeGateways(clients, { Filters: ownedFilters(buildId, 'internet-gateway') });
  return gateways.filter((g) => g.InternetGatewayId && isOwnedBy(fromTagList(g.Tags), buildId));
}

/** Sent once (`ec2Once`): an SDK resend after a lost answer would make a second gateway (see createClients). */
async function createGateway(clients: AwsClients, plan: Plan): Promise<string> {
  if (!plan.internetGateway) throw new WorkflowContractError('an Internet Gateway was asked for while the plan has none');
  const tags = plan.internetGateway.tags;
  const out = await aws('CreateInternetGateway', () =>
    clients.ec2Once.send(new CreateInternetGatewayCommand({ TagSpecifications: tagSpecifications('internet-gateway', tags) })),
  );
  const gatewayId = out.InternetGateway?.InternetGatewayId;
  if (!gatewayId) throw new NotYetVisible('CreateInternetGateway returned no gateway id');
  return gatewayId;
}

async function describeGateways(clients: AwsClients, input: DescribeInternetGatewaysCommandInput): Promise<InternetGateway[]> {
  return describeAll(
    'DescribeInternetGateways',
    () => paginateDescribeInternetGateways({ client: clients.ec2 }, input),
    (page) => page.InternetGateways,
  );
}
