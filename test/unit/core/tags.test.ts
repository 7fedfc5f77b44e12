import {
  fromTagList,
  isOwnedBy,
  MANAGED_BY,
  ownedFilters,
  resourceTags,
  TAG,
  tagSpecifications,
  toTagList,
  type Owner,
} from '../../../functions/core/tags';

const owner: Owner = { buildId: 'fin-k8s-dev-20261125-ab12', clusterName: 'fin-k8s-dev', userTags: { team: 'platform', costCenter: '42' } };

describe('resourceTags', () => {
  it('gives every resource its name, the ownership tags, the Kubernetes cluster tag and the user tags', () => {
    expect(resourceTags(owner, 'vpc', 'fin-k8s-dev-vpc')).toEqual({
      team: 'platform',
      costCenter: '42',
      Name: 'fin-k8s-dev-vpc',
      'k8s-ec2:cluster': 'fin-k8s-dev',
      'k8s-ec2:build-id': 'fin-k8s-dev-20261125-ab12',
      'k8s-ec2:role': 'vpc',
      'k8s-ec2:managed-by': 'k8s-ec2-builder',
      'kubernetes.io/cluster/fin-k8s-dev': 'owned',
    });
  });

  it('adds the extra tags of a role (the subnet ELB role tags)', () => {
    expect(resourceTags(owner, 'private-subnet', 'fin-k8s-dev-private-a', { 'kubernetes.io/role/internal-elb': '1' })).toMatchObject({
      'kubernetes.io/role/internal-elb': '1',
      [TAG.role]: 'private-subnet',
    });
  });

  it('never lets a user tag replace the name or an ownership tag', () => {
    const tags = resourceTags(
      { ...owner, userTags: { Name: 'mine', [TAG.buildId]: 'other', [TAG.managedBy]: 'someone' } },
      'worker',
      'fin-k8s-dev-worker-1',
    );
    expect(tags).toMatchObject({ Name: 'fin-k8s-dev-worker-1', [TAG.buildId]: owner.buildId, [TAG.managedBy]: MANAGED_BY });
    expect(isOwnedBy(tags, owner.buildId)).toBe(true);
  });
});

describe('tag lists', () => {
  it('round-trips a tag map through the AWS list form', () => {
    const tags = { Name: 'x', team: 'platform', empty: '' };
    expect(toTagList(tags)).toEqual([
      { Key: 'Name', Value: 'x' },
      { Key: 'team', Value: 'platform' },
      { Key: 'empty', Value: '' },
    ]);
    expect(fromTagList(toTagList(tags))).toEqual(tags);
  });

  it.each<[string, Array<{ Key?: string; Value?: string }> | undefined, Record<string, string>]>([
    ['no list at all', undefined, {}],
    ['an empty list', [], {}],
    ['an entry without a key (dropped)', [{ Value: 'orphan' }, { Key: 'a', Value: '1' }], { a: '1' }],
    ['an entry without a value (empty string)', [{ Key: 'a' }], { a: '' }],
  ])('reads %s', (_what, list, expected) => {
    expect(fromTagList(list)).toEqual(expected);
  });

  it('tags on create through one TagSpecification of the given resource type', () => {
    expect(tagSpecifications('elastic-ip', { Name: 'eip' })).toEqual([
      { ResourceType: 'elastic-ip', Tags: [{ Key: 'Name', Value: 'eip' }] },
    ]);
  });
});

describe('ownedFilters', () => {
  it('finds a build by its build id and our managed-by tag', () => {
    expect(ownedFilters(owner.buildId)).toEqual([
      { Name: 'tag:k8s-ec2:build-id', Values: [owner.buildId] },
      { Name: 'tag:k8s-ec2:managed-by', Values: ['k8s-ec2-builder'] },
    ]);
  });

  it('narrows to one role when asked', () => {
    expect(ownedFilters(owner.buildId, 'bastion-eip')).toContainEqual({ Name: 'tag:k8s-ec2:role', Values: ['bastion-eip'] });
    expect(ownedFilters(owner.buildId, 'bastion-eip')).toHaveLength(3);
  });
});

describe('isOwnedBy', () => {
  const ours = resourceTags(owner, 'vpc', 'v');
  it.each<[string, Record<string, string>, boolean]>([
    ['tags of this build', ours, true],
    ['tags of another build', { ...ours, [TAG.buildId]: 'other-build' }, false],
    ['our build id but another manager', { ...ours, [TAG.managedBy]: 'terraform' }, false],
    ['our build id without a manager tag', { [TAG.buildId]: owner.buildId }, false],
    ['no tags', {}, false],
  ])('treats %s as %p', (_what, tags, expected) => {
    expect(isOwnedBy(tags, owner.buildId)).toBe(expected);
  });
});
