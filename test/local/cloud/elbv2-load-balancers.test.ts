import { codeOf, harness, NLB_PARAMS, without } from './elbv2-fakes';

describe('elbv2 load balancers', () => {
  it('creates an internal NLB with one ENI per subnet, AWS-shaped ARN and DNS name', () => {
    const h = harness();
    const lb = h.call('CreateLoadBalancer', NLB_PARAMS).LoadBalancers[0];
    expect(lb.LoadBalancerArn).toMatch(
      /^arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:loadbalancer\/net\/fin-k8s-dev\/[0-9a-f]{16}$/,
    );
    expect(lb.DNSName).toMatch(/^internal-fin-k8s-dev-[0-9a-f]{16}\.elb\.ap-northeast-2\.amazonaws\.com$/);
    expect(lb).toMatchObject({
      LoadBalancerName: 'fin-k8s-dev',
      Scheme: 'internal',
      Type: 'network',
      VpcId: 'vpc-1',
      State: { Code: 'provisioning' },
      SecurityGroups: ['sg-nlb'],
      IpAddressType: 'ipv4',
      CanonicalHostedZoneId: 'ZIBE1TIR4HY56',
    });
    expect(lb.AvailabilityZones.map((z) => [z.ZoneName, z.SubnetId])).toEqual([
      ['ap-northeast-2a', 'subnet-a'],
      ['ap-northeast-2b', 'subnet-b'],
      ['ap-northeast-2c', 'subnet-c'],
    ]);
    expect(new Date(lb.CreatedTime).getTime()).toBe(h.clock.now());
    const enis = [...h.ec2.enis.values()];
    expect(enis.map((e) => e.subnetId)).toEqual(['subnet-a', 'subnet-b', 'subnet-c']);
    expect(enis.every((e) => e.groupIds.join() === 'sg-nlb' && e.description.startsWith('ELB net/fin-k8s-dev/'))).toBe(true);
  });

  it('goes provisioning → active exactly nlbProvisioningToActive (150) simulated seconds after creation', () => {
    const h = harness();
    const arn = h.call('CreateLoadBalancer', NLB_PARAMS).LoadBalancers[0].LoadBalancerArn;
    const state = () => h.call('DescribeLoadBalancers', { 'LoadBalancerArns.member.1': arn }).LoadBalancers[0].State.Code;
    h.clock.advance(149.999);
    expect(state()).toBe('provisioning');
    h.clock.advance(0.001);
    expect(state()).toBe('active');
  });

  it('accepts plain Subnets and the internet-facing scheme (no internal- prefix)', () => {
    const h = harness();
    const lb = h.call('CreateLoadBalancer', { Name: 'pub', Type: 'network', 'Subnets.member.1': 'subnet-a' }).LoadBalancers[0];
    expect(lb.Scheme).toBe('internet-facing');
    expect(lb.DNSName.startsWith('pub-')).toBe(true);
    expect(lb.SecurityGroups).toBeUndefined();
  });

  it('is idempotent for the same name and settings, DuplicateLoadBalancerName otherwise', () => {
    const h = harness();
    const first = h.call('CreateLoadBalancer', NLB_PARAMS).LoadBalancers[0];
    // Same subnets in another order, still the same configuration.
    const again = h.call('CreateLoadBalancer', {
      ...NLB_PARAMS,
      'SubnetMappings.member.1.SubnetId': 'subnet-c',
      'SubnetMappings.member.3.SubnetId': 'subnet-a',
    }).LoadBalancers[0];
    expect(again.LoadBalancerArn).toBe(first.LoadBalancerArn);
    expect(h.ec2.enis.size).toBe(3);
    const noSg = without(NLB_PARAMS, 'SecurityGroups.member.1');
    expect(codeOf(() => h.call('CreateLoadBalancer', noSg))).toBe('DuplicateLoadBalancerName');
    expect(codeOf(() => h.call('CreateLoadBalancer', { ...NLB_PARAMS, Scheme: 'internet-facing' }))).toBe('DuplicateLoadBalancerName');
  });

  it('validates names, type, subnets and security groups before creating anything', () => {
    const h = harness();
    const bad = (over: Record<string, string>) => codeOf(() => h.call('CreateLoadBalancer', { ...NLB_PARAMS, ...over }));
    expect(bad({ Name: '-bad' })).toBe('ValidationError');
    expect(bad({ Name: 'internal-x' })).toBe('ValidationError');
    expect(bad({ Name: 'a'.repeat(33) })).toBe('ValidationError');
    expect(bad({ Type: 'application' })).toBe('ValidationError');
    expect(bad({ 'SubnetMappings.member.1.SubnetId': 'subnet-nope' })).toBe('SubnetNotFound');
    expect(bad({ 'SubnetMappings.member.1.SubnetId': 'subnet-a2', 'SubnetMappings.member.4.SubnetId': 'subnet-a' })).toBe(
      'InvalidConfigurationRequest',
    );
    expect(bad({ 'SubnetMappings.member.1.SubnetId': 'subnet-x' })).toBe('InvalidConfigurationRequest');
    expect(bad({ 'SecurityGroups.member.1': 'sg-other' })).toBe('InvalidSecurityGroup');
    expect(bad({ 'Subnets.member.1': 'subnet-a' })).toBe('ValidationError');
    expect(bad({ 'SubnetMappings.member.1.PrivateIPv4Address': '10.9.9.9' })).toBe('InvalidConfigurationRequest');
    expect(bad({ 'Tags.member.1.Key': 'aws:reserved' })).toBe('ValidationError');
    expect(codeOf(() => h.call('CreateLoadBalancer', { Type: 'network', 'Subnets.member.1': 'subnet-a' }))).toBe('ValidationError');
    expect(h.ec2.enis.size).toBe(0);
    expect(h.call('DescribeLoadBalancers').LoadBalancers).toEqual([]);
  });

  it('records a requested private IPv4 address inside the subnet', () => {
    const h = harness();
    const lb = h.call('CreateLoadBalancer', { ...NLB_PARAMS, 'SubnetMappings.member.1.PrivateIPv4Address': '10.0.0.100' }).LoadBalancers[0];
    expect(lb.AvailabilityZones[0].LoadBalancerAddresses).toEqual([{ PrivateIPv4Address: '10.0.0.100' }]);
  });

  it('releases the ENIs it made when a later ENI cannot be created', () => {
    const h = harness();
    h.ec2.failEniInSubnet = 'subnet-c';
    expect(() => h.call('CreateLoadBalancer', NLB_PARAMS)).toThrow('no free addresses');
    expect([...h.ec2.enis.values()].map((e) => e.releaseAt)).toEqual([h.clock.now(), h.clock.now()]);
    expect(h.call('DescribeLoadBalancers').LoadBalancers).toEqual([]);
  });

  it('describes by ARN and by name, with LoadBalancerNotFound for unknown ones, and paginates', () => {
    const h = harness();
    const arns = ['one', 'two', 'three'].map(
      (n) =>
        h.call('CreateLoadBalancer', { Name: n, Type: 'network', Scheme: 'internal', 'Subnets.member.1': 'subnet-a' }).LoadBalancers[0]
          .LoadBalancerArn,
    );
    expect(h.call('DescribeLoadBalancers', { 'Names.member.1': 'two' }).LoadBalancers[0].LoadBalancerArn).toBe(arns[1]);
    expect(codeOf(() => h.call('DescribeLoadBalancers', { 'Names.member.1': 'nope' }))).toBe('LoadBalancerNotFound');
    const missingArn = arns[0].replace(/[0-9a-f]{16}$/, '0000000000000000');
    expect(codeOf(() => h.call('DescribeLoadBalancers', { 'LoadBalancerArns.member.1': missingArn }))).toBe('LoadBalancerNotFound');
    expect(codeOf(() => h.call('DescribeLoadBalancers', { 'LoadBalancerArns.member.1': 'not-an-arn' }))).toBe('ValidationError');
    const p1 = h.call('DescribeLoadBalancers', { PageSize: '2' });
    expect(p1.LoadBalancers).toHaveLength(2);
    const marker = p1.NextMarker;
    if (marker === undefined) throw new Error('a first page of 2 out of 3 must carry a NextMarker');
    const p2 = h.call('DescribeLoadBalancers', { PageSize: '2', Marker: marker });
    expect(p2.LoadBalancers.map((l) => l.LoadBalancerName)).toEqual(['three']);
    expect(p2.NextMarker).toBeUndefined();
  });

  it('deletes: ENIs linger nlbEniLingerAfterDelete (60 s), listeners go, unknown ARN succeeds', () => {
    const h = harness();
    const lbArn = h.call('CreateLoadBalancer', NLB_PARAMS).LoadBalancers[0].LoadBalancerArn;
    const tgArn = h.call('CreateTargetGroup', { Name: 'api', Protocol: 'TCP', Port: '6443', VpcId: 'vpc-1' }).TargetGroups[0]
      .TargetGroupArn;
    h.call('CreateListener', {
      LoadBalancerArn: lbArn,
      Protocol: 'TCP',
      Port: '6443',
      'DefaultActions.member.1.Type': 'forward',
      'DefaultActions.member.1.TargetGroupArn': tgArn,
    });
    h.clock.advance(10);
    h.call('DeleteLoadBalancer', { LoadBalancerArn: lbArn });
    const expected = h.clock.now() + 60_000;
    expect([...h.ec2.enis.values()].every((e) => e.releaseAt === expected)).toBe(true);
    expect(codeOf(() => h.call('DescribeLoadBalancers', { 'LoadBalancerArns.member.1': lbArn }))).toBe('LoadBalancerNotFound');
    expect(h.call('DescribeTargetGroups', { 'TargetGroupArns.member.1': tgArn }).TargetGroups[0].LoadBalancerArns).toEqual([]);
    // The target group is no longer in use, so it can be deleted.
    expect(h.call('DeleteTargetGroup', { TargetGroupArn: tgArn })).toEqual({});
    expect(h.call('DeleteLoadBalancer', { LoadBalancerArn: lbArn })).toEqual({});
    expect(codeOf(() => h.call('DeleteLoadBalancer', { LoadBalancerArn: 'bogus' }))).toBe('ValidationError');
  });

  it('refuses to delete with deletion protection on (OperationNotPermitted)', () => {
    const h = harness();
    const lbArn = h.call('CreateLoadBalancer', NLB_PARAMS).LoadBalancers[0].LoadBalancerArn;
    h.call('ModifyLoadBalancerAttributes', {
      LoadBalancerArn: lbArn,
      'Attributes.member.1.Key': 'deletion_protection.enabled',
      'Attributes.member.1.Value': 'true',
    });
    expect(codeOf(() => h.call('DeleteLoadBalancer', { LoadBalancerArn: lbArn }))).toBe('OperationNotPermitted');
    expect([...h.ec2.enis.values()].every((e) => e.releaseAt === undefined)).toBe(true);
  });

  it('round-trips load balancer attributes and rejects unknown keys or bad values', () => {
    const h = harness();
    const lbArn = h.call('CreateLoadBalancer', NLB_PARAMS).LoadBalancers[0].LoadBalancerArn;
    const attrs = () =>
      Object.fromEntries(h.call('DescribeLoadBalancerAttributes', { LoadBalancerArn: lbArn }).Attributes.map((a) => [a.Key, a.Value]));
    expect(attrs()).toMatchObject({ 'load_balancing.cross_zone.enabled': 'false', 'deletion_protection.enabled': 'false' });
    const out = h.call('ModifyLoadBalancerAttributes', {
      LoadBalancerArn: lbArn,
      'Attributes.member.1.Key': 'load_balancing.cross_zone.enabled',
      'Attributes.member.1.Value': 'true',
    });
    expect(out.Attributes).toContainEqual({ Key: 'load_balancing.cross_zone.enabled', Value: 'true' });
    expect(attrs()['load_balancing.cross_zone.enabled']).toBe('true');
    const mod = (k: string, v: string) =>
      codeOf(() =>
        h.call('ModifyLoadBalancerAttributes', {
          LoadBalancerArn: lbArn,
          'Attributes.member.1.Key': 'deletion_protection.enabled',
          'Attributes.member.1.Value': 'true',
          'Attributes.member.2.Key': k,
          'Attributes.member.2.Value': v,
        }),
      );
    expect(mod('no.such.key', 'x')).toBe('InvalidConfigurationRequest');
    expect(mod('load_balancing.cross_zone.enabled', 'yes')).toBe('InvalidConfigurationRequest');
    expect(mod('access_logs.s3.enabled', 'true')).toBe('InvalidConfigurationRequest');
    // A rejected Modify changed nothing, not even its valid first attribute.
    expect(attrs()['deletion_protection.enabled']).toBe('false');
  });

  it('allows SetSecurityGroups only on an NLB created with security groups', () => {
    const h = harness();
    const withSg = h.call('CreateLoadBalancer', NLB_PARAMS).LoadBalancers[0].LoadBalancerArn;
    const noSg = h.call('CreateLoadBalancer', { Name: 'bare', Type: 'network', Scheme: 'internal', 'Subnets.member.1': 'subnet-a' })
      .LoadBalancers[0].LoadBalancerArn;
    expect(codeOf(() => h.call('SetSecurityGroups', { LoadBalancerArn: noSg, 'SecurityGroups.member.1': 'sg-nlb' }))).toBe(
      'InvalidConfigurationRequest',
    );
    expect(codeOf(() => h.call('SetSecurityGroups', { LoadBalancerArn: withSg, SecurityGroups: '' }))).toBe('InvalidConfigurationRequest');
    expect(h.call('SetSecurityGroups', { LoadBalancerArn: withSg, 'SecurityGroups.member.1': 'sg-nlb' }).SecurityGroupIds).toEqual([
      'sg-nlb',
    ]);
  });

  it('reports its account limits and rejects unknown actions', () => {
    const h = harness();
    const limits = Object.fromEntries(h.call('DescribeAccountLimits').Limits.map((l) => [l.Name, l.Max]));
    expect(limits).toMatchObject({ 'network-load-balancers': '50', 'target-groups': '3000', 'listeners-per-network-load-balancer': '50' });
    expect(codeOf(() => h.call('CreateRule'))).toBe('InvalidAction');
  });
});
