import {
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  DeleteInternetGatewayCommand,
  DescribeInternetGatewaysCommand,
  DetachInternetGatewayCommand,
  type AttachmentStatus,
  type InternetGateway,
} from '@aws-sdk/client-ec2';
import {
  AwsThrottled,
  NotYetVisible,
  PermissionDenied,
  QuotaExceeded,
  ResourceConflict,
  ResourceNotReady,
} from '../../../functions/core/errors';
import { ownedFilters, toTagList } from '../../../functions/core/tags';
import { deleteInternetGateway, ensureInternetGateway } from '../../../functions/resources/gateways';
import { awsError, mockAws, ownedTagSpecifications } from '../../fixtures/aws';
import { BUILD_ID, seoulPlan } from '../../fixtures/build';

const { ec2, clients } = mockAws();
const plan = seoulPlan();
const VPC_ID = 'vpc-0123456789abcdef0';
const IGW_ID = 'igw-0123456789abcdef0';
const gateway = (vpcIds: string[] = []): InternetGateway => ({
  InternetGatewayId: IGW_ID,
  // AWS reports an attached Internet Gateway as `available`, a value the SDK's AttachmentStatus type lacks.
  Attachments: vpcIds.map((VpcId) => ({ VpcId, State: 'available' as AttachmentStatus })),
  Tags: toTagList(plan.internetGateway?.tags ?? {}),
});

beforeEach(() => {
  ec2.on(CreateInternetGatewayCommand).resolves({ InternetGateway: { InternetGatewayId: IGW_ID, Attachments: [] } });
  ec2.on(AttachInternetGatewayCommand).resolves({});
  ec2.on(DetachInternetGatewayCommand).resolves({});
  ec2.on(DeleteInternetGatewayCommand).resolves({});
});

describe('ensureInternetGateway', () => {
  it.each([
    { state: 'found and attached to our VPC', gateways: [gateway([VPC_ID])], creates: 0, attaches: 0 },
    { state: 'found but detached', gateways: [gateway()], creates: 0, attaches: 1 },
    { state: 'absent (created, returned at once, attached by the next run)', gateways: [], creates: 1, attaches: 0 },
  ])('makes $creates create and $attaches attach call(s) when the gateway is $state', async ({ gateways, creates, attaches }) => {
    ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: gateways });
    await expect(ensureInternetGateway(clients, plan, VPC_ID)).resolves.toEqual({ id: IGW_ID, created: creates === 1 });
    expect(ec2.commandCalls(CreateInternetGatewayCommand)).toHaveLength(creates);
    expect(ec2.commandCalls(AttachInternetGatewayCommand).map((c) => c.args[0].input)).toEqual(
      Array.from({ length: attaches }, () => ({ InternetGatewayId: IGW_ID, VpcId: VPC_ID })),
    );
    expect(ec2.commandCalls(DescribeInternetGatewaysCommand)[0].args[0].input).toEqual({
      Filters: ownedFilters(BUILD_ID, 'internet-gateway'),
    });
  });

  it('creates the gateway tagged on create as ours', async () => {
    ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: [] });
    await ensureInternetGateway(clients, plan, VPC_ID);
    expect(ec2.commandCalls(CreateInternetGatewayCommand)[0].args[0].input.TagSpecifications).toEqual(
      ownedTagSpecifications('internet-gateway', 'fin-k8s-dev-igw', 'internet-gateway', { 'kubernetes.io/cluster/fin-k8s-dev': 'owned' }),
    );
  });

  it.each([
    ['RequestLimitExceeded', AwsThrottled],
    ['UnauthorizedOperation', PermissionDenied],
  ])('classifies DescribeInternetGateways failing with %s and creates nothing', async (code, expected) => {
    ec2.on(DescribeInternetGatewaysCommand).rejects(awsError(code));
    await expect(ensureInternetGateway(clients, plan, VPC_ID)).rejects.toBeInstanceOf(expected);
    expect(ec2.commandCalls(CreateInternetGatewayCommand)).toHaveLength(0);
  });

  it('classifies CreateInternetGateway over its quota as QuotaExceeded', async () => {
    ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: [] });
    ec2.on(CreateInternetGatewayCommand).rejects(awsError('InternetGatewayLimitExceeded'));
    await expect(ensureInternetGateway(clients, plan, VPC_ID)).rejects.toBeInstanceOf(QuotaExceeded);
  });

  it('treats Resource.AlreadyAssociated on attach as already attached', async () => {
    ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: [gateway()] });
    ec2.on(AttachInternetGatewayCommand).rejects(awsError('Resource.AlreadyAssociated'));
    await expect(ensureInternetGateway(clients, plan, VPC_ID)).resolves.toEqual({ id: IGW_ID, created: false });
  });

  it('classifies an attach failing for another reason', async () => {
    ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: [gateway()] });
    ec2.on(AttachInternetGatewayCommand).rejects(awsError('InvalidVpcID.NotFound'));
    await expect(ensureInternetGateway(clients, plan, VPC_ID)).rejects.toBeInstanceOf(NotYetVisible);
  });

  it('refuses with ResourceConflict when our gateway is attached to another VPC', async () => {
    ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: [gateway(['vpc-other'])] });
    await expect(ensureInternetGateway(clients, plan, VPC_ID)).rejects.toBeInstanceOf(ResourceConflict);
    expect(ec2.commandCalls(AttachInternetGatewayCommand)).toHaveLength(0);
  });

  it('never creates a second gateway when a repeat, handed the created id by the state, would find nothing by tag yet', async () => {
    ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: [] });
    const { id } = await ensureInternetGateway(clients, plan, VPC_ID);
    await expect(ensureInternetGateway(clients, plan, VPC_ID, id)).resolves.toEqual({ id, created: false });
    expect(ec2.commandCalls(CreateInternetGatewayCommand)).toHaveLength(1);
    expect(ec2.commandCalls(DescribeInternetGatewaysCommand)).toHaveLength(1);
  });

  it.each([
    { found: 'none', gateways: [], outcome: { id: IGW_ID, created: true } },
    { found: 'one', gateways: [gateway([VPC_ID])], outcome: { id: IGW_ID, created: false } },
  ])('uses the one gateway its tags find (or creates one when they find $found)', async ({ gateways, outcome }) => {
    ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: gateways });
    await expect(ensureInternetGateway(clients, plan, VPC_ID)).resolves.toEqual(outcome);
  });

  it('raises ResourceConflict naming both when its tags find two gateways, and creates or attaches nothing', async () => {
    ec2
      .on(DescribeInternetGatewaysCommand)
      .resolves({ InternetGateways: [gateway([VPC_ID]), { ...gateway(), InternetGatewayId: 'igw-0second000000000' }] });
    const error = await ensureInternetGateway(clients, plan, VPC_ID).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceConflict);
    expect((error as Error).message).toContain(`${IGW_ID}, igw-0second000000000`);
    expect(ec2.commandCalls(CreateInternetGatewayCommand)).toHaveLength(0);
    expect(ec2.commandCalls(AttachInternetGatewayCommand)).toHaveLength(0);
  });

  it('attaches a gateway id carried in state without describing it first', async () => {
    await expect(ensureInternetGateway(clients, plan, VPC_ID, IGW_ID)).resolves.toEqual({ id: IGW_ID, created: false });
    expect(ec2.commandCalls(DescribeInternetGatewaysCommand)).toHaveLength(0);
    expect(ec2.commandCalls(CreateInternetGatewayCommand)).toHaveLength(0);
    expect(ec2.commandCalls(AttachInternetGatewayCommand).map((c) => c.args[0].input)).toEqual([
      { InternetGatewayId: IGW_ID, VpcId: VPC_ID },
    ]);
  });

  it.each([
    { state: 'attached to our VPC by an earlier attempt', byId: gateway([VPC_ID]), outcome: 'resolves' },
    { state: 'not shown attached yet', byId: gateway(), outcome: 'resolves' },
    { state: 'attached to another VPC', byId: gateway(['vpc-other']), outcome: ResourceConflict },
  ])('on Resource.AlreadyAssociated for a carried gateway id, describes it by id: $state', async ({ byId, outcome }) => {
    ec2.on(AttachInternetGatewayCommand).rejects(awsError('Resource.AlreadyAssociated'));
    ec2.on(DescribeInternetGatewaysCommand, { InternetGatewayIds: [IGW_ID] }).resolves({ InternetGateways: [byId] });
    const result = ensureInternetGateway(clients, plan, VPC_ID, IGW_ID);
    if (outcome === 'resolves') await expect(result).resolves.toEqual({ id: IGW_ID, created: false });
    else await expect(result).rejects.toBeInstanceOf(outcome);
    expect(ec2.commandCalls(CreateInternetGatewayCommand)).toHaveLength(0);
  });

  it('waits (NotYetVisible) when EC2 does not know the carried gateway id yet, and creates nothing', async () => {
    ec2.on(AttachInternetGatewayCommand).rejects(awsError('InvalidInternetGatewayID.NotFound'));
    await expect(ensureInternetGateway(clients, plan, VPC_ID, IGW_ID)).rejects.toBeInstanceOf(NotYetVisible);
    expect(ec2.commandCalls(CreateInternetGatewayCommand)).toHaveLength(0);
  });
});

describe('deleteInternetGateway', () => {
  it.each([
    { state: 'attached', gateways: [gateway([VPC_ID])], detaches: 1, deleted: [IGW_ID] },
    { state: 'detached', gateways: [gateway()], detaches: 0, deleted: [IGW_ID] },
    { state: 'absent', gateways: [], detaches: 0, deleted: [] },
  ])('detaches then deletes when the gateway is $state', async ({ gateways, detaches, deleted }) => {
    ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: gateways });
    await expect(deleteInternetGateway(clients, BUILD_ID)).resolves.toEqual(deleted);
    expect(ec2.commandCalls(DetachInternetGatewayCommand).map((c) => c.args[0].input)).toEqual(
      Array.from({ length: detaches }, () => ({ InternetGatewayId: IGW_ID, VpcId: VPC_ID })),
    );
    expect(ec2.commandCalls(DeleteInternetGatewayCommand).map((c) => c.args[0].input.InternetGatewayId)).toEqual(deleted);
  });

  it('detaches before it deletes', async () => {
    ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: [gateway([VPC_ID])] });
    await deleteInternetGateway(clients, BUILD_ID);
    const order = ec2
      .calls()
      .map((c) => c.args[0].constructor.name)
      .filter((n) => n !== 'DescribeInternetGatewaysCommand');
    expect(order).toEqual(['DetachInternetGatewayCommand', 'DeleteInternetGatewayCommand']);
  });

  it.each([
    ['Gateway.NotAttached', 'detach'],
    ['InvalidInternetGatewayID.NotFound', 'detach'],
    ['InvalidInternetGatewayID.NotFound', 'delete'],
  ])('treats %s on %s as already done', async (code, step) => {
    ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: [gateway([VPC_ID])] });
    ec2
      .on((step === 'detach' ? DetachInternetGatewayCommand : DeleteInternetGatewayCommand) as typeof DeleteInternetGatewayCommand)
      .rejects(awsError(code));
    await expect(deleteInternetGateway(clients, BUILD_ID)).resolves.toEqual([IGW_ID]);
  });

  it('waits (ResourceNotReady) while a mapped Elastic IP blocks the detach, and deletes nothing', async () => {
    ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: [gateway([VPC_ID])] });
    ec2.on(DetachInternetGatewayCommand).rejects(awsError('DependencyViolation'));
    await expect(deleteInternetGateway(clients, BUILD_ID)).rejects.toBeInstanceOf(ResourceNotReady);
    expect(ec2.commandCalls(DeleteInternetGatewayCommand)).toHaveLength(0);
  });

  it('classifies a throttled DescribeInternetGateways', async () => {
    ec2.on(DescribeInternetGatewaysCommand).rejects(awsError('RequestLimitExceeded'));
    await expect(deleteInternetGateway(clients, BUILD_ID)).rejects.toBeInstanceOf(AwsThrottled);
  });

  it('deletes the gateway the state carries (created moments ago, not visible by tag yet)', async () => {
    ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: [] });
    await expect(deleteInternetGateway(clients, BUILD_ID, IGW_ID)).resolves.toEqual([IGW_ID]);
    expect(ec2.commandCalls(DeleteInternetGatewayCommand).map((c) => c.args[0].input)).toEqual([{ InternetGatewayId: IGW_ID }]);
    await expect(deleteInternetGateway(clients, BUILD_ID)).resolves.toEqual([]);
  });
});
