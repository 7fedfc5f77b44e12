import { DescribeVpcsCommand, paginateDescribeVpcs, type Vpc } from '@aws-sdk/client-ec2';
import { AwsThrottled, NotYetVisible, PermissionDenied, ResourceConflict, ResourceNotReady } from '../../../functions/core/errors';
import { recallCreated, rememberCreated } from '../../../functions/core/ledger';
import { toTagList } from '../../../functions/core/tags';
import { describeAll, forgetAll, ignoringGone, rememberedButUnseen, requireCarried } from '../../../functions/resources/owned';
import { awsError, mockAws } from '../../fixtures/aws';
import { BUILD_ID, seoulPlan } from '../../fixtures/build';

const { ec2, clients } = mockAws();
const KEYS = ['thing/0', 'thing/1', 'thing/2'];

describe('rememberedButUnseen', () => {
  it.each([
    { case: 'nothing is remembered', remembered: {}, seen: ['id-a'], expected: [] },
    { case: 'the remembered id is already seen by tag', remembered: { 'thing/0': 'id-a' }, seen: ['id-a'], expected: [] },
    { case: 'two keys remember unseen ids', remembered: { 'thing/0': 'id-b', 'thing/2': 'id-c' }, seen: ['id-a'], expected: ['id-b', 'id-c'] },
    { case: 'two keys remember the same id', remembered: { 'thing/0': 'id-b', 'thing/1': 'id-b' }, seen: [], expected: ['id-b'] },
  ])('returns the remembered ids Describe did not show when $case', ({ remembered, seen, expected }) => {
    for (const [key, id] of Object.entries(remembered)) rememberCreated(BUILD_ID, key, id);
    expect(rememberedButUnseen(BUILD_ID, KEYS, seen)).toEqual(expected);
  });

  it('does not see what another build remembered, and forgetAll empties the keys', () => {
    rememberCreated('another-build', 'thing/0', 'id-x');
    rememberCreated(BUILD_ID, 'thing/1', 'id-b');
    expect(rememberedButUnseen(BUILD_ID, KEYS, [])).toEqual(['id-b']);
    forgetAll(BUILD_ID, KEYS);
    expect(rememberedButUnseen(BUILD_ID, KEYS, [])).toEqual([]);
    expect(recallCreated('another-build', 'thing/0')).toBe('id-x');
  });
});

describe('ignoringGone', () => {
  it.each([
    { case: 'succeeds', error: undefined, alsoGone: [] },
    { case: 'answers a NotFound code', error: awsError('InvalidVpcID.NotFound'), alsoGone: [] },
    { case: 'answers one of the alsoGone codes', error: awsError('Gateway.NotAttached'), alsoGone: ['Gateway.NotAttached'] },
  ])('resolves when the call $case', async ({ error, alsoGone }) => {
    await expect(ignoringGone('DeleteThing', () => (error ? Promise.reject(error) : Promise.resolve({})), alsoGone)).resolves.toBeUndefined();
  });

  it.each([
    ['DependencyViolation', ResourceNotReady],
    ['UnauthorizedOperation', PermissionDenied],
    ['Gateway.NotAttached', undefined],
  ])('translates %s (not an "already gone" code here), naming the operation', async (code, expected) => {
    const raw = awsError(code);
    const error = await ignoringGone('DeleteThing', () => Promise.reject(raw)).catch((e: unknown) => e);
    if (expected) {
      expect(error).toBeInstanceOf(expected);
      expect((error as Error).message).toMatch(/^DeleteThing: /);
    } else {
      expect(error).toBe(raw);
    }
  });
});

describe('requireCarried', () => {
  const ours: Vpc = { VpcId: 'vpc-1', Tags: toTagList(seoulPlan().vpc.tags) };

  it('returns the described resource when it is tagged as ours', () => {
    expect(requireCarried('VPC', 'vpc-1', BUILD_ID, ours)).toBe(ours);
  });

  it.each([
    { case: 'not described (not visible yet)', described: undefined, errorClass: NotYetVisible, message: 'VPC vpc-1 of build fin-k8s-dev-20261125-ab12 is not visible yet' },
    { case: 'tagged as another build’s', described: { ...ours, Tags: toTagList(seoulPlan({}, 'other').vpc.tags) }, errorClass: ResourceConflict, message: 'VPC vpc-1 is not tagged as belonging to build fin-k8s-dev-20261125-ab12' },
  ])('throws when the resource is $case', ({ described, errorClass, message }) => {
    expect(() => requireCarried('VPC', 'vpc-1', BUILD_ID, described)).toThrow(errorClass);
    expect(() => requireCarried('VPC', 'vpc-1', BUILD_ID, described)).toThrow(message);
  });
});

describe('describeAll', () => {
  const all = () => describeAll('DescribeVpcs', () => paginateDescribeVpcs({ client: clients.ec2 }, {}), (page) => page.Vpcs);

  it('collects every page, treating a page without items as empty', async () => {
    ec2.on(DescribeVpcsCommand)
      .resolvesOnce({ Vpcs: [{ VpcId: 'vpc-1' }], NextToken: 'p2' })
      .resolvesOnce({ NextToken: 'p3' })
      .resolvesOnce({ Vpcs: [{ VpcId: 'vpc-2' }] });
    await expect(all()).resolves.toEqual([{ VpcId: 'vpc-1' }, { VpcId: 'vpc-2' }]);
    // The paginator reuses one input object, so only the count of calls (one per page) is telling here.
    expect(ec2.commandCalls(DescribeVpcsCommand)).toHaveLength(3);
  });

  it('translates a failing page with the operation name', async () => {
    ec2.on(DescribeVpcsCommand).resolvesOnce({ Vpcs: [{ VpcId: 'vpc-1' }], NextToken: 'p2' }).rejects(awsError('RequestLimitExceeded'));
    await expect(all()).rejects.toThrow(AwsThrottled);
    await expect(all()).rejects.toThrow(/^DescribeVpcs: RequestLimitExceeded/);
  });
});
