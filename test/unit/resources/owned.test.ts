import { DescribeVpcsCommand, paginateDescribeVpcs, type Vpc } from '@aws-sdk/client-ec2';
import { aws, AwsThrottled, NotYetVisible, PermissionDenied, ResourceConflict, ResourceNotReady } from '../../../functions/core/errors';
import { toTagList } from '../../../functions/core/tags';
import { describeAll, goneAs, ignoringGone, onlyOne, requireCarried, wasDeleted, withCarried } from '../../../functions/resources/owned';
import { awsError, mockAws } from '../../fixtures/aws';
import { BUILD_ID, seoulPlan } from '../../fixtures/build';

const { ec2, clients } = mockAws();

describe('onlyOne', () => {
  const id = (thing: { Id: string }) => thing.Id;
  it.each([
    { case: 'none', found: [], expected: undefined },
    { case: 'one', found: [{ Id: 'id-a' }], expected: { Id: 'id-a' } },
  ])('returns the one thing a lookup found, or undefined, when it found $case', ({ found, expected }) => {
    expect(onlyOne('thing', BUILD_ID, found, id)).toEqual(expected);
  });

  it('raises ResourceConflict naming every id when a lookup found two or more, never picks one', () => {
    const error = (() => {
      try {
        return onlyOne('VPC', BUILD_ID, [{ Id: 'vpc-1' }, { Id: 'vpc-2' }], id);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ResourceConflict);
    expect((error as Error).message).toMatch(/found 2 VPCs tagged for build fin-k8s-dev-20261125-ab12 \(vpc-1, vpc-2\)/);
    expect((error as ResourceConflict).details).toEqual({ ids: ['vpc-1', 'vpc-2'] });
  });
});

describe('withCarried', () => {
  it.each([
    { case: 'nothing is carried', seen: ['id-a'], carried: [], expected: ['id-a'] },
    { case: 'the carried id is already seen by tag', seen: ['id-a'], carried: ['id-a'], expected: ['id-a'] },
    { case: 'carried ids are not seen yet', seen: ['id-a'], carried: ['id-b', undefined, 'id-c'], expected: ['id-a', 'id-b', 'id-c'] },
    { case: 'two carried ids are the same', seen: [], carried: ['id-b', 'id-b'], expected: ['id-b'] },
  ])('covers what Describe showed and what the state carries, each once, when $case', ({ seen, carried, expected }) => {
    expect(withCarried(seen, carried)).toEqual(expected);
  });
});

describe('ignoringGone', () => {
  it.each([
    { case: 'succeeds', error: undefined, alsoGone: [] },
    { case: 'answers a NotFound code', error: awsError('InvalidVpcID.NotFound'), alsoGone: [] },
    { case: 'answers one of the alsoGone codes', error: awsError('Gateway.NotAttached'), alsoGone: ['Gateway.NotAttached'] },
  ])('resolves when the call $case', async ({ error, alsoGone }) => {
    await expect(
      ignoringGone('DeleteThing', () => (error ? Promise.reject(error) : Promise.resolve({})), alsoGone),
    ).resolves.toBeUndefined();
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

describe('goneAs and wasDeleted', () => {
  it('answer the call’s result, or the stand-in when the resource is already gone', async () => {
    await expect(goneAs([], 'DescribeThings', () => Promise.resolve(['a']))).resolves.toEqual(['a']);
    await expect(goneAs([], 'DescribeThings', () => Promise.reject(awsError('LoadBalancerNotFound')))).resolves.toEqual([]);
    await expect(wasDeleted('DeleteThing', () => Promise.resolve({}))).resolves.toBe(true);
    await expect(wasDeleted('DeleteThing', () => Promise.reject(awsError('TargetGroupNotFound')))).resolves.toBe(false);
  });

  it('read "already gone" through a call that translates its own errors (NotFound → NotYetVisible)', async () => {
    const translating = () => aws('DescribeListeners', () => Promise.reject(awsError('LoadBalancerNotFound')));
    await expect(translating()).rejects.toBeInstanceOf(NotYetVisible);
    await expect(goneAs('gone', 'DescribeListeners', translating)).resolves.toBe('gone');
  });

  it('translate every other error, naming the operation', async () => {
    const error = await wasDeleted('DeleteThing', () => Promise.reject(awsError('ResourceInUse'))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceNotReady);
    expect((error as Error).message).toMatch(/^DeleteThing: ResourceInUse/);
  });
});

describe('requireCarried', () => {
  const ours: Vpc = { VpcId: 'vpc-1', Tags: toTagList(seoulPlan().vpc.tags) };

  it('returns the described resource when it is tagged as ours', () => {
    expect(requireCarried('VPC', 'vpc-1', BUILD_ID, ours)).toBe(ours);
  });

  it.each([
    {
      case: 'not described (not visible yet)',
      described: undefined,
      errorClass: NotYetVisible,
      message: 'VPC vpc-1 of build fin-k8s-dev-20261125-ab12 is not visible yet',
    },
    {
      case: 'tagged as another build’s',
      described: { ...ours, Tags: toTagList(seoulPlan({}, 'other').vpc.tags) },
      errorClass: ResourceConflict,
      message: 'VPC vpc-1 is not tagged as belonging to build fin-k8s-dev-20261125-ab12',
    },
  ])('throws when the resource is $case', ({ described, errorClass, message }) => {
    expect(() => requireCarried('VPC', 'vpc-1', BUILD_ID, described)).toThrow(errorClass);
    expect(() => requireCarried('VPC', 'vpc-1', BUILD_ID, described)).toThrow(message);
  });
});

describe('describeAll', () => {
  const all = () =>
    describeAll(
      'DescribeVpcs',
      () => paginateDescribeVpcs({ client: clients.ec2 }, {}),
      (page) => page.Vpcs,
    );

  it('collects every page, treating a page without items as empty', async () => {
    ec2
      .on(DescribeVpcsCommand)
      .resolvesOnce({ Vpcs: [{ VpcId: 'vpc-1' }], NextToken: 'p2' })
      .resolvesOnce({ NextToken: 'p3' })
      .resolvesOnce({ Vpcs: [{ VpcId: 'vpc-2' }] });
    await expect(all()).resolves.toEqual([{ VpcId: 'vpc-1' }, { VpcId: 'vpc-2' }]);
    // The paginator reuses one input object, so only the count of calls (one per page) is telling here.
    expect(ec2.commandCalls(DescribeVpcsCommand)).toHaveLength(3);
  });

  it('translates a failing page with the operation name', async () => {
    ec2
      .on(DescribeVpcsCommand)
      .resolvesOnce({ Vpcs: [{ VpcId: 'vpc-1' }], NextToken: 'p2' })
      .rejects(awsError('RequestLimitExceeded'));
    await expect(all()).rejects.toThrow(AwsThrottled);
    await expect(all()).rejects.toThrow(/^DescribeVpcs: RequestLimitExceeded/);
  });
});
