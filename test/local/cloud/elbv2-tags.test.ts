import { codeOf, harness, listenerParams, NLB_PARAMS, tgParams } from './elbv2-fakes';

describe('elbv2 tags, build listing and reset', () => {
  function setup() {
    const h = harness();
    const lbArn = h.call('CreateLoadBalancer', NLB_PARAMS).LoadBalancers[0].LoadBalancerArn;
    const tgArn = h.call('CreateTargetGroup', {
      ...tgParams('api', 6443),
      'Tags.member.1.Key': 'k8s-ec2:build-id',
      'Tags.member.1.Value': 'b-123',
    }).TargetGroups[0].TargetGroupArn;
    const listenerArn = h.call('CreateListener', listenerParams(lbArn, 6443, tgArn)).Listeners[0].ListenerArn;
    return { h, lbArn, tgArn, listenerArn };
  }

  it('describes tags given on create, per resource ARN', () => {
    const { h, lbArn, tgArn, listenerArn } = setup();
    const out = h.call('DescribeTags', {
      'ResourceArns.member.1': lbArn,
      'ResourceArns.member.2': tgArn,
      'ResourceArns.member.3': listenerArn,
    });
    expect(out.TagDescriptions).toEqual([
      { ResourceArn: lbArn, Tags: [{ Key: 'k8s-ec2:build-id', Value: 'b-123' }] },
      { ResourceArn: tgArn, Tags: [{ Key: 'k8s-ec2:build-id', Value: 'b-123' }] },
      { ResourceArn: listenerArn, Tags: [] },
    ]);
  });

  it('adds (overwriting) and removes tags', () => {
    const { h, lbArn, tgArn } = setup();
    h.call('AddTags', {
      'ResourceArns.member.1': lbArn,
      'ResourceArns.member.2': tgArn,
      'Tags.member.1.Key': 'team',
      'Tags.member.1.Value': 'platform',
      'Tags.member.2.Key': 'k8s-ec2:build-id',
      'Tags.member.2.Value': 'b-999',
    });
    const tagsOf = (arn: string) => h.call('DescribeTags', { 'ResourceArns.member.1': arn }).TagDescriptions[0].Tags;
    expect(tagsOf(lbArn)).toEqual([
      { Key: 'k8s-ec2:build-id', Value: 'b-999' },
      { Key: 'team', Value: 'platform' },
    ]);
    h.call('RemoveTags', { 'ResourceArns.member.1': lbArn, 'TagKeys.member.1': 'team', 'TagKeys.member.2': 'absent' });
    expect(tagsOf(lbArn)).toEqual([{ Key: 'k8s-ec2:build-id', Value: 'b-999' }]);
    expect(tagsOf(tgArn)).toContainEqual({ Key: 'team', Value: 'platform' });
  });

  it('rejects unknown resources by kind, duplicate keys, reserved keys and more than 50 tags', () => {
    const { h, lbArn, tgArn, listenerArn } = setup();
    const gone = (arn: string) => arn.replace(/[0-9a-f]{16}$/, '0000000000000000');
    expect(codeOf(() => h.call('DescribeTags', { 'ResourceArns.member.1': gone(lbArn) }))).toBe('LoadBalancerNotFound');
    expect(codeOf(() => h.call('DescribeTags', { 'ResourceArns.member.1': gone(tgArn) }))).toBe('TargetGroupNotFound');
    expect(codeOf(() => h.call('DescribeTags', { 'ResourceArns.member.1': gone(listenerArn) }))).toBe('ListenerNotFound');
    expect(codeOf(() => h.call('DescribeTags', { 'ResourceArns.member.1': 'arn:aws:s3:::bucket' }))).toBe('ValidationError');
    const add = (tags: Record<string, string>) => codeOf(() => h.call('AddTags', { 'ResourceArns.member.1': lbArn, ...tags }));
    expect(add({ 'Tags.member.1.Key': 'a', 'Tags.member.2.Key': 'a' })).toBe('DuplicateTagKeys');
    expect(add({ 'Tags.member.1.Key': 'aws:cloudformation:stack-name', 'Tags.member.1.Value': 'x' })).toBe('ValidationError');
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`Tags.member.${i + 1}.Key`, `k${i}`]));
    // One tag already exists, so 50 more would make 51.
    expect(add(many)).toBe('TooManyTags');
    // A failed AddTags on two resources (second unknown) changes neither.
    expect(
      codeOf(() =>
        h.call('AddTags', {
          'ResourceArns.member.1': lbArn,
          'ResourceArns.member.2': gone(lbArn),
          'Tags.member.1.Key': 'new',
          'Tags.member.1.Value': 'v',
        }),
      ),
    ).toBe('LoadBalancerNotFound');
    expect(h.call('DescribeTags', { 'ResourceArns.member.1': lbArn }).TagDescriptions[0].Tags).toHaveLength(1);
  });

  it('lists a build: tagged load balancers and target groups, and listeners of its load balancers', () => {
    const { h, lbArn, tgArn, listenerArn } = setup();
    const foreignLb = h.call('CreateLoadBalancer', { ...NLB_PARAMS, Name: 'other', 'Tags.member.1.Value': 'b-other' }).LoadBalancers[0]
      .LoadBalancerArn;
    const foreignTg = h.call('CreateTargetGroup', tgParams('other', 80)).TargetGroups[0].TargetGroupArn;
    // A listener tagged with the build counts even on someone else's load balancer.
    const taggedListener = h.call('CreateListener', {
      ...listenerParams(foreignLb, 80, foreignTg),
      'Tags.member.1.Key': 'k8s-ec2:build-id',
      'Tags.member.1.Value': 'b-123',
    }).Listeners[0].ListenerArn;
    expect(h.elb.listByBuildId('b-123')).toEqual([
      { type: 'load-balancer', id: lbArn, state: 'provisioning', name: 'fin-k8s-dev' },
      { type: 'target-group', id: tgArn, name: 'api' },
      { type: 'listener', id: listenerArn, name: 'fin-k8s-dev:6443' },
      { type: 'listener', id: taggedListener, name: 'other:80' },
    ]);
    h.clock.advance(150);
    expect(h.elb.listByBuildId('b-123')[0].state).toBe('active');
    expect(h.elb.listByBuildId('nope')).toEqual([]);
  });

  it('reset forgets everything', () => {
    const { h } = setup();
    h.elb.reset();
    expect(h.call('DescribeLoadBalancers').LoadBalancers).toEqual([]);
    expect(h.call('DescribeTargetGroups').TargetGroups).toEqual([]);
    expect(h.elb.listByBuildId('b-123')).toEqual([]);
    expect(h.elb.apiVersion).toBe('2015-12-01');
    expect(h.elb.protocol).toBe('query');
  });
});
