import {
  CreateTransitGatewayVpcAttachmentCommand,
  DeleteTransitGatewayVpcAttachmentCommand,
  DescribeTransitGatewaysCommand,
  DescribeTransitGatewayVpcAttachmentsCommand,
  type TransitGatewayAttachmentState,
  type TransitGatewayVpcAttachment,
} from '@aws-sdk/client-ec2';
import {
  AwsThrottled,
  AwsUnavailable,
  NotYetVisible,
  PermissionDenied,
  ResourceConflict,
  WorkflowContractError,
} from '../../../functions/core/errors';
import { ownedFilters, toTagList } from '../../../functions/core/tags';
import { attachmentState, deleteAttachments, describeTransitGateway, ensureAttachment } from '../../../functions/resources/transit-gateway';
import { awsError, mockAws, ownedTagSpecifications } from '../../fixtures/aws';
import { BUILD_ID, closedNetworkPlan, seoulPlan, TRANSIT_GATEWAY_ID } from '../../fixtures/build';

const { ec2, clients } = mockAws();
const plan = closedNetworkPlan();
const VPC_ID = 'vpc-1';
const SUBNETS = ['subnet-a', 'subnet-b', 'subnet-c'];
const OWNER = '111122223333';
const attachment = (
  state: TransitGatewayAttachmentState,
  extra: Partial<TransitGatewayVpcAttachment> = {},
): TransitGatewayVpcAttachment => ({
  TransitGatewayAttachmentId: 'tgw-attach-1',
  TransitGatewayId: TRANSIT_GATEWAY_ID,
  VpcId: VPC_ID,
  State: state,
  SubnetIds: SUBNETS,
  Tags: toTagList(plan.transitGateway?.attachment.tags ?? {}),
  ...extra,
});
const byId = (id = 'tgw-attach-1') => ({ TransitGatewayAttachmentIds: [id] });
const createCalls = () => ec2.commandCalls(CreateTransitGatewayVpcAttachmentCommand);

beforeEach(() => {
  ec2
    .on(CreateTransitGatewayVpcAttachmentCommand)
    .resolves({ TransitGatewayVpcAttachment: { TransitGatewayAttachmentId: 'tgw-attach-1', State: 'pending' } });
  ec2.on(DeleteTransitGatewayVpcAttachmentCommand).resolves({});
  ec2.on(DescribeTransitGatewaysCommand).resolves({
    TransitGateways: [
      { TransitGatewayId: TRANSIT_GATEWAY_ID, State: 'available', OwnerId: OWNER, Options: { AutoAcceptSharedAttachments: 'disable' } },
    ],
  });
});

describe('describeTransitGateway', () => {
  it('answers the gateway as this account sees it', async () => {
    await expect(describeTransitGateway(clients, TRANSIT_GATEWAY_ID)).resolves.toEqual({
      id: TRANSIT_GATEWAY_ID,
      state: 'available',
      ownerId: OWNER,
      autoAcceptSharedAttachments: false,
    });
    expect(ec2.commandCalls(DescribeTransitGatewaysCommand)[0].args[0].input).toMatchObject({ TransitGatewayIds: [TRANSIT_GATEWAY_ID] });
  });

  it.each([
    ['AWS does not know it', () => ec2.on(DescribeTransitGatewaysCommand).rejects(awsError('InvalidTransitGatewayID.NotFound'))],
    ['the answer is empty', () => ec2.on(DescribeTransitGatewaysCommand).resolves({ TransitGateways: [] })],
  ])('answers undefined when %s', async (_case, answer) => {
    answer();
    await expect(describeTransitGateway(clients, TRANSIT_GATEWAY_ID)).resolves.toBeUndefined();
  });

  it.each([
    ['RequestLimitExceeded', AwsThrottled],
    ['UnauthorizedOperation', PermissionDenied],
  ])('classifies DescribeTransitGateways failing with %s', async (code, expected) => {
    ec2.on(DescribeTransitGatewaysCommand).rejects(awsError(code));
    await expect(describeTransitGateway(clients, TRANSIT_GATEWAY_ID)).rejects.toBeInstanceOf(expected);
  });
});

describe('ensureAttachment', () => {
  it.each([
    { state: 'available', created: false },
    { state: 'pendingAcceptance', created: false },
    { state: 'pending', created: false },
    { state: 'deleting', created: true },
    { state: 'deleted', created: true },
    { state: 'rejected', created: true },
    { state: 'failed', created: true },
  ] as const)('when its tags find an attachment $state it answers created: $created', async ({ state, created }) => {
    ec2.on(DescribeTransitGatewayVpcAttachmentsCommand).resolves({ TransitGatewayVpcAttachments: [attachment(state)] });
    await expect(ensureAttachment(clients, plan, VPC_ID, SUBNETS)).resolves.toEqual({ id: 'tgw-attach-1', created });
    expect(createCalls()).toHaveLength(created ? 1 : 0);
    expect(ec2.commandCalls(DescribeTransitGatewayVpcAttachmentsCommand)[0].args[0].input).toMatchObject({
      Filters: ownedFilters(BUILD_ID, 'transit-gateway-attachment'),
    });
  });

  it('attaches the private subnets, tagged on create, through the client that never resends', async () => {
    ec2.on(DescribeTransitGatewayVpcAttachmentsCommand).resolves({ TransitGatewayVpcAttachments: [] });
    await ensureAttachment(clients, plan, VPC_ID, SUBNETS);
    const [create] = createCalls();
    expect(create.args[0].input).toEqual({
      TransitGatewayId: TRANSIT_GATEWAY_ID,
      VpcId: VPC_ID,
      SubnetIds: SUBNETS,
      TagSpecifications: ownedTagSpecifications('transit-gateway-attachment', 'fin-k8s-dev-tgw-attachment', 'transit-gateway-attachment'),
    });
    expect(create.thisValue === clients.ec2Once ? 'ec2Once' : 'ec2').toBe('ec2Once');
  });

  it('creates no second attachment when a repeat, handed the first by the state, does not see it by tag yet', async () => {
    ec2.on(DescribeTransitGatewayVpcAttachmentsCommand).resolves({ TransitGatewayVpcAttachments: [] });
    const first = await ensureAttachment(clients, plan, VPC_ID, SUBNETS);
    ec2.on(DescribeTransitGatewayVpcAttachmentsCommand, byId()).resolves({ TransitGatewayVpcAttachments: [attachment('pending')] });
    await expect(ensureAttachment(clients, plan, VPC_ID, SUBNETS, first.id)).resolves.toEqual({ id: 'tgw-attach-1', created: false });
    expect(createCalls()).toHaveLength(1);
  });

  it('uses the attachment id the state carries without a Describe: it came from this build’s own create', async () => {
    await expect(ensureAttachment(clients, plan, VPC_ID, SUBNETS, 'tgw-attach-1')).resolves.toEqual({ id: 'tgw-attach-1', created: false });
    expect(ec2.calls()).toHaveLength(0);
  });

  it.each([
    ['another gateway', { TransitGatewayId: 'tgw-0fffffffffffffff0' }],
    ['another VPC', { VpcId: 'vpc-other' }],
  ])('refuses with ResourceConflict when its attachment goes to %s', async (_case, extra) => {
    ec2.on(DescribeTransitGatewayVpcAttachmentsCommand).resolves({ TransitGatewayVpcAttachments: [attachment('available', extra)] });
    await expect(ensureAttachment(clients, plan, VPC_ID, SUBNETS)).rejects.toBeInstanceOf(ResourceConflict);
  });

  describe('when AWS answers DuplicateTransitGatewayAttachment (an earlier create whose answer was lost)', () => {
    const byVpcAndGateway = {
      Filters: [
        { Name: 'vpc-id', Values: [VPC_ID] },
        { Name: 'transit-gateway-id', Values: [TRANSIT_GATEWAY_ID] },
      ],
    };
    beforeEach(() => {
      ec2.on(DescribeTransitGatewayVpcAttachmentsCommand).resolves({ TransitGatewayVpcAttachments: [] });
      ec2.on(CreateTransitGatewayVpcAttachmentCommand).rejects(awsError('DuplicateTransitGatewayAttachment'));
    });

    it.each([
      [
        'uses the live one when it is ours',
        [attachment('deleted', { TransitGatewayAttachmentId: 'old' }), attachment('pending')],
        'resolves',
      ],
      ['refuses when it is not ours', [attachment('available', { Tags: [] })], ResourceConflict],
      ['waits while it is not visible yet', [], NotYetVisible],
    ] as const)('%s', async (_case, found, outcome) => {
      ec2.on(DescribeTransitGatewayVpcAttachmentsCommand, byVpcAndGateway).resolves({ TransitGatewayVpcAttachments: [...found] });
      const result = ensureAttachment(clients, plan, VPC_ID, SUBNETS);
      if (outcome === 'resolves') await expect(result).resolves.toEqual({ id: 'tgw-attach-1', created: true });
      else await expect(result).rejects.toBeInstanceOf(outcome);
      expect(createCalls()).toHaveLength(1);
    });
  });

  it('surfaces a create whose answer was lost as a retryable error, without sending it again', async () => {
    ec2.on(DescribeTransitGatewayVpcAttachmentsCommand).resolves({ TransitGatewayVpcAttachments: [] });
    ec2.on(CreateTransitGatewayVpcAttachmentCommand).rejects(awsError('InternalError', 500));
    await expect(ensureAttachment(clients, plan, VPC_ID, SUBNETS)).rejects.toBeInstanceOf(AwsUnavailable);
    expect(createCalls()).toHaveLength(1);
  });

  it('refuses when the plan has no Transit Gateway', async () => {
    await expect(ensureAttachment(clients, seoulPlan(), VPC_ID, SUBNETS)).rejects.toBeInstanceOf(WorkflowContractError);
    expect(ec2.calls()).toHaveLength(0);
  });
});

describe('attachmentState', () => {
  it.each(['available', 'pending', 'modifying'] as const)('answers %s without asking about the gateway', async (state) => {
    ec2.on(DescribeTransitGatewayVpcAttachmentsCommand, byId()).resolves({ TransitGatewayVpcAttachments: [attachment(state)] });
    await expect(attachmentState(clients, 'tgw-attach-1')).resolves.toEqual({ state });
    expect(ec2.commandCalls(DescribeTransitGatewaysCommand)).toHaveLength(0);
  });

  it('names the gateway owner’s account while the attachment waits for its acceptance', async () => {
    ec2
      .on(DescribeTransitGatewayVpcAttachmentsCommand, byId())
      .resolves({ TransitGatewayVpcAttachments: [attachment('pendingAcceptance')] });
    await expect(attachmentState(clients, 'tgw-attach-1')).resolves.toEqual({ state: 'pendingAcceptance', transitGatewayOwnerId: OWNER });
  });

  it.each([
    ['rejected', ResourceConflict, `account ${OWNER}`],
    ['failed', ResourceConflict, 'tgw-attach-1 failed'],
    ['deleted', ResourceConflict, 'deleted outside this build'],
  ] as const)('throws a terminal error when the attachment is %s', async (state, expected, text) => {
    ec2.on(DescribeTransitGatewayVpcAttachmentsCommand, byId()).resolves({ TransitGatewayVpcAttachments: [attachment(state)] });
    const error = await attachmentState(clients, 'tgw-attach-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(expected);
    expect((error as Error).message).toContain(text);
  });

  it.each([
    ['NotFound', () => ec2.on(DescribeTransitGatewayVpcAttachmentsCommand).rejects(awsError('InvalidTransitGatewayAttachmentID.NotFound'))],
    ['an empty answer', () => ec2.on(DescribeTransitGatewayVpcAttachmentsCommand).resolves({ TransitGatewayVpcAttachments: [] })],
  ])('reads %s for the id it holds as not visible yet', async (_case, answer) => {
    answer();
    await expect(attachmentState(clients, 'tgw-attach-1')).rejects.toBeInstanceOf(NotYetVisible);
  });
});

describe('deleteAttachments', () => {
  const deletes = () => ec2.commandCalls(DeleteTransitGatewayVpcAttachmentCommand).map((c) => c.args[0].input);

  it.each([
    { state: 'available', deletes: 1, outcome: { deleted: [], pending: ['tgw-attach-1'] } },
    { state: 'pendingAcceptance', deletes: 1, outcome: { deleted: [], pending: ['tgw-attach-1'] } },
    { state: 'pending', deletes: 0, outcome: { deleted: [], pending: ['tgw-attach-1'] } },
    { state: 'modifying', deletes: 0, outcome: { deleted: [], pending: ['tgw-attach-1'] } },
    { state: 'deleting', deletes: 0, outcome: { deleted: [], pending: ['tgw-attach-1'] } },
    { state: 'deleted', deletes: 0, outcome: { deleted: ['tgw-attach-1'], pending: [] } },
    { state: 'rejected', deletes: 0, outcome: { deleted: ['tgw-attach-1'], pending: [] } },
  ] as const)('with the attachment $state it sends $deletes delete(s) and answers $outcome', async ({ state, deletes: count, outcome }) => {
    ec2.on(DescribeTransitGatewayVpcAttachmentsCommand).resolves({ TransitGatewayVpcAttachments: [attachment(state)] });
    await expect(deleteAttachments(clients, BUILD_ID)).resolves.toEqual(outcome);
    expect(deletes()).toEqual(Array.from({ length: count }, () => ({ TransitGatewayAttachmentId: 'tgw-attach-1' })));
  });

  it('deletes the attachment the state carries before a Describe by tag shows it', async () => {
    ec2.on(DescribeTransitGatewayVpcAttachmentsCommand).resolves({ TransitGatewayVpcAttachments: [] });
    ec2.on(DescribeTransitGatewayVpcAttachmentsCommand, byId()).resolves({ TransitGatewayVpcAttachments: [attachment('available')] });
    await expect(deleteAttachments(clients, BUILD_ID, 'tgw-attach-1')).resolves.toEqual({ deleted: [], pending: ['tgw-attach-1'] });
    expect(deletes()).toEqual([{ TransitGatewayAttachmentId: 'tgw-attach-1' }]);
  });

  it.each([
    ['already gone', 'InvalidTransitGatewayAttachmentID.NotFound', { deleted: ['tgw-attach-1'], pending: [] }],
    ['moved on since it was described', 'IncorrectState', { deleted: [], pending: ['tgw-attach-1'] }],
  ])('reads a delete refused as %s', async (_case, code, outcome) => {
    ec2.on(DescribeTransitGatewayVpcAttachmentsCommand).resolves({ TransitGatewayVpcAttachments: [] });
    ec2.on(DescribeTransitGatewayVpcAttachmentsCommand, byId()).rejects(awsError('InvalidTransitGatewayAttachmentID.NotFound'));
    ec2.on(DeleteTransitGatewayVpcAttachmentCommand).rejects(awsError(code));
    await expect(deleteAttachments(clients, BUILD_ID, 'tgw-attach-1')).resolves.toEqual(outcome);
  });

  it('classifies a delete refused for another reason', async () => {
    ec2.on(DescribeTransitGatewayVpcAttachmentsCommand).resolves({ TransitGatewayVpcAttachments: [attachment('available')] });
    ec2.on(DeleteTransitGatewayVpcAttachmentCommand).rejects(awsError('UnauthorizedOperation'));
    await expect(deleteAttachments(clients, BUILD_ID)).rejects.toBeInstanceOf(PermissionDenied);
  });

  it('deletes nothing when there is nothing to delete', async () => {
    ec2.on(DescribeTransitGatewayVpcAttachmentsCommand).resolves({ TransitGatewayVpcAttachments: [] });
    await expect(deleteAttachments(clients, BUILD_ID)).resolves.toEqual({ deleted: [], pending: [] });
    expect(deletes()).toEqual([]);
  });
});
