import { codeOf, harness, listenerParams, NLB_PARAMS, tgParams } from './elbv2-fakes';

describe('elbv2 target groups', () => {
  it('creates a TCP instance target group with AWS NLB health check defaults', () => {
    const h = harness();
    const tg = h.call('CreateTargetGroup', tgParams('api', 6443)).TargetGroups[0];
    expect(tg.TargetGroupArn).toMatch(/^arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup\/api\/[0-9a-f]{16}$/);
    expect(tg).toMatchObject({
      TargetGroupName: 'api',
      Protocol: 'TCP',
      Port: 6443,
      VpcId: 'vpc-1',
      TargetType: 'instance',
      HealthCheckProtocol: 'TCP',
      HealthCheckPort: 'traffic-port',
      HealthCheckEnabled: true,
      HealthCheckIntervalSeconds: 30,
      HealthCheckTimeoutSeconds: 10,
      HealthyThresholdCount: 5,
      UnhealthyThresholdCount: 2,
      LoadBalancerArns: [],
    });
    expect(tg.HealthCheckPath).toBeUndefined();
    const http = h.call('CreateTargetGroup', tgParams('web', 30080, { HealthCheckProtocol: 'HTTP', HealthCheckPath: '/healthz' }))
      .TargetGroups[0];
    expect(http).toMatchObject({ HealthCheckPath: '/healthz', Matcher: { HttpCode: '200-399' }, HealthCheckTimeoutSeconds: 6 });
  });

  it('is idempotent for the same settings and DuplicateTargetGroupName otherwise', () => {
    const h = harness();
    const a = h.call('CreateTargetGroup', tgParams('api', 6443)).TargetGroups[0];
    const b = h.call('CreateTargetGroup', tgParams('api', 6443, { HealthCheckIntervalSeconds: '30' })).TargetGroups[0];
    expect(b.TargetGroupArn).toBe(a.TargetGroupArn);
    expect(codeOf(() => h.call('CreateTargetGroup', tgParams('api', 443)))).toBe('DuplicateTargetGroupName');
    expect(codeOf(() => h.call('CreateTargetGroup', tgParams('api', 6443, { HealthyThresholdCount: '3' })))).toBe(
      'DuplicateTargetGroupName',
    );
  });

  it('validates protocol, port, health check ranges and combinations', () => {
    const h = harness();
    const bad = (p: Record<string, string>) => codeOf(() => h.call('CreateTargetGroup', p));
    expect(bad(tgParams('x', 0))).toBe('ValidationError');
    expect(bad(tgParams('x', 80, { Protocol: 'HTTP' }))).toBe('ValidationError');
    expect(bad(tgParams('x', 80, { HealthCheckIntervalSeconds: '4' }))).toBe('ValidationError');
    expect(bad(tgParams('x', 80, { HealthCheckIntervalSeconds: '10', HealthCheckTimeoutSeconds: '11' }))).toBe(
      'InvalidConfigurationRequest',
    );
    expect(bad(tgParams('x', 80, { HealthCheckPath: '/' }))).toBe('InvalidConfigurationRequest');
    expect(bad(tgParams('x', 80, { HealthCheckEnabled: 'false' }))).toBe('InvalidConfigurationRequest');
    expect(bad({ Name: 'x', Protocol: 'TCP', Port: '80' })).toBe('ValidationError');
  });

  it('describes by ARN, name and load balancer, with TargetGroupNotFound', () => {
    const h = harness();
    const lbArn = h.call('CreateLoadBalancer', NLB_PARAMS).LoadBalancers[0].LoadBalancerArn;
    const api = h.call('CreateTargetGroup', tgParams('api', 6443)).TargetGroups[0].TargetGroupArn;
    h.call('CreateTargetGroup', tgParams('http', 30080));
    h.call('CreateListener', listenerParams(lbArn, 6443, api));
    const byLb = h.call('DescribeTargetGroups', { LoadBalancerArn: lbArn }).TargetGroups;
    expect(byLb.map((t) => t.TargetGroupName)).toEqual(['api']);
    expect(byLb[0].LoadBalancerArns).toEqual([lbArn]);
    expect(h.call('DescribeTargetGroups', { 'Names.member.1': 'http' }).TargetGroups).toHaveLength(1);
    expect(codeOf(() => h.call('DescribeTargetGroups', { 'Names.member.1': 'nope' }))).toBe('TargetGroupNotFound');
    expect(codeOf(() => h.call('DescribeTargetGroups', { 'TargetGroupArns.member.1': api.replace(/\w{16}$/, 'ffffffffffffffff') }))).toBe(
      'TargetGroupNotFound',
    );
    expect(h.call('DescribeTargetGroups', { PageSize: '1' }).NextMarker).toBeDefined();
  });

  it('round-trips attributes: preserve_client_ip defaults true for instance targets', () => {
    const h = harness();
    const arn = h.call('CreateTargetGroup', tgParams('api', 6443)).TargetGroups[0].TargetGroupArn;
    const attrs = () =>
      Object.fromEntries(h.call('DescribeTargetGroupAttributes', { TargetGroupArn: arn }).Attributes.map((a) => [a.Key, a.Value]));
    expect(attrs()).toMatchObject({
      'preserve_client_ip.enabled': 'true',
      'deregistration_delay.timeout_seconds': '300',
      'proxy_protocol_v2.enabled': 'false',
      'stickiness.enabled': 'false',
      'stickiness.type': 'source_ip',
      'deregistration_delay.connection_termination.enabled': 'false',
    });
    h.call('ModifyTargetGroupAttributes', {
      TargetGroupArn: arn,
      'Attributes.member.1.Key': 'preserve_client_ip.enabled',
      'Attributes.member.1.Value': 'false',
      'Attributes.member.2.Key': 'deregistration_delay.timeout_seconds',
      'Attributes.member.2.Value': '30',
    });
    expect(attrs()).toMatchObject({ 'preserve_client_ip.enabled': 'false', 'deregistration_delay.timeout_seconds': '30' });
    const mod = (k: string, v: string) =>
      codeOf(() =>
        h.call('ModifyTargetGroupAttributes', {
          TargetGroupArn: arn,
          'Attributes.member.1.Key': k,
          'Attributes.member.1.Value': v,
        }),
      );
    expect(mod('deregistration_delay.timeout_seconds', '3601')).toBe('InvalidConfigurationRequest');
    expect(mod('stickiness.type', 'lb_cookie')).toBe('InvalidConfigurationRequest');
    expect(mod('bogus', 'x')).toBe('InvalidConfigurationRequest');
    const udp = h.call('CreateTargetGroup', tgParams('dns', 53, { Protocol: 'UDP' })).TargetGroups[0].TargetGroupArn;
    expect(
      codeOf(() =>
        h.call('ModifyTargetGroupAttributes', {
          TargetGroupArn: udp,
          'Attributes.member.1.Key': 'preserve_client_ip.enabled',
          'Attributes.member.1.Value': 'false',
        }),
      ),
    ).toBe('InvalidConfigurationRequest');
  });

  it('refuses to delete a target group behind a listener (ResourceInUse); unknown ones delete fine', () => {
    const h = harness();
    const lbArn = h.call('CreateLoadBalancer', NLB_PARAMS).LoadBalancers[0].LoadBalancerArn;
    const tgArn = h.call('CreateTargetGroup', tgParams('api', 6443)).TargetGroups[0].TargetGroupArn;
    const listenerArn = h.call('CreateListener', listenerParams(lbArn, 6443, tgArn)).Listeners[0].ListenerArn;
    expect(codeOf(() => h.call('DeleteTargetGroup', { TargetGroupArn: tgArn }))).toBe('ResourceInUse');
    h.call('DeleteListener', { ListenerArn: listenerArn });
    expect(h.call('DeleteTargetGroup', { TargetGroupArn: tgArn })).toEqual({});
    expect(h.call('DeleteTargetGroup', { TargetGroupArn: tgArn })).toEqual({});
  });
});

describe('elbv2 listeners', () => {
  function setup() {
    const h = harness();
    const lbArn = h.call('CreateLoadBalancer', NLB_PARAMS).LoadBalancers[0].LoadBalancerArn;
    const api = h.call('CreateTargetGroup', tgParams('api', 6443)).TargetGroups[0].TargetGroupArn;
    const http = h.call('CreateTargetGroup', tgParams('http', 30080)).TargetGroups[0].TargetGroupArn;
    return { h, lbArn, api, http };
  }

  it('creates a TCP forward listener and echoes both forward forms', () => {
    const { h, lbArn, api } = setup();
    const l = h.call('CreateListener', listenerParams(lbArn, 6443, api)).Listeners[0];
    expect(l.ListenerArn).toMatch(/:listener\/net\/fin-k8s-dev\/[0-9a-f]{16}\/[0-9a-f]{16}$/);
    expect(l).toMatchObject({ LoadBalancerArn: lbArn, Port: 6443, Protocol: 'TCP' });
    expect(l.DefaultActions).toEqual([
      {
        Type: 'forward',
        TargetGroupArn: api,
        ForwardConfig: { TargetGroups: [{ TargetGroupArn: api, Weight: 1 }], TargetGroupStickinessConfig: { Enabled: false } },
      },
    ]);
  });

  it('accepts the ForwardConfig form of the action', () => {
    const { h, lbArn, api } = setup();
    const l = h.call('CreateListener', {
      LoadBalancerArn: lbArn,
      Protocol: 'TCP',
      Port: '6443',
      'DefaultActions.member.1.Type': 'forward',
      'DefaultActions.member.1.ForwardConfig.TargetGroups.member.1.TargetGroupArn': api,
    }).Listeners[0];
    expect(l.DefaultActions[0].TargetGroupArn).toBe(api);
  });

  it('is idempotent for an identical listener and DuplicateListener for another action on the port', () => {
    const { h, lbArn, api, http } = setup();
    const a = h.call('CreateListener', listenerParams(lbArn, 6443, api)).Listeners[0];
    expect(h.call('CreateListener', listenerParams(lbArn, 6443, api)).Listeners[0].ListenerArn).toBe(a.ListenerArn);
    expect(codeOf(() => h.call('CreateListener', listenerParams(lbArn, 6443, http)))).toBe('DuplicateListener');
    expect(h.call('DescribeListeners', { LoadBalancerArn: lbArn }).Listeners).toHaveLength(1);
  });

  it('allows a target group behind only one load balancer (TargetGroupAssociationLimit)', () => {
    const { h, lbArn, api } = setup();
    h.call('CreateListener', listenerParams(lbArn, 6443, api));
    const other = h.call('CreateLoadBalancer', { ...NLB_PARAMS, Name: 'other' }).LoadBalancers[0].LoadBalancerArn;
    expect(codeOf(() => h.call('CreateListener', listenerParams(other, 6443, api)))).toBe('TargetGroupAssociationLimit');
    // The same load balancer may use it on a second port.
    expect(h.call('CreateListener', listenerParams(lbArn, 8443, api)).Listeners).toHaveLength(1);
  });

  it('checks load balancer, target group, protocols and VPC', () => {
    const { h, lbArn, api } = setup();
    const udp = h.call('CreateTargetGroup', tgParams('dns', 53, { Protocol: 'UDP' })).TargetGroups[0].TargetGroupArn;
    const otherVpc = h.call('CreateTargetGroup', tgParams('elsewhere', 80, { VpcId: 'vpc-2' })).TargetGroups[0].TargetGroupArn;
    const missingLb = lbArn.replace(/[0-9a-f]{16}$/, '0000000000000000');
    expect(codeOf(() => h.call('CreateListener', listenerParams(missingLb, 80, api)))).toBe('LoadBalancerNotFound');
    expect(codeOf(() => h.call('CreateListener', listenerParams(lbArn, 80, api.replace(/\w{16}$/, 'ffffffffffffffff'))))).toBe(
      'TargetGroupNotFound',
    );
    expect(codeOf(() => h.call('CreateListener', listenerParams(lbArn, 80, udp)))).toBe('IncompatibleProtocols');
    expect(codeOf(() => h.call('CreateListener', listenerParams(lbArn, 80, otherVpc)))).toBe('InvalidConfigurationRequest');
    expect(codeOf(() => h.call('CreateListener', { ...listenerParams(lbArn, 80, api), Protocol: 'HTTP' }))).toBe('UnsupportedProtocol');
    expect(
      codeOf(() => h.call('CreateListener', { ...listenerParams(lbArn, 80, api), 'DefaultActions.member.1.Type': 'fixed-response' })),
    ).toBe('ValidationError');
    expect(codeOf(() => h.call('CreateListener', { ...listenerParams(lbArn, 80, api), Port: '70000' }))).toBe('ValidationError');
  });

  it('describes by load balancer or ARNs, deletes, and reports ListenerNotFound', () => {
    const { h, lbArn, api, http } = setup();
    const a = h.call('CreateListener', listenerParams(lbArn, 6443, api)).Listeners[0].ListenerArn;
    h.call('CreateListener', listenerParams(lbArn, 80, http));
    expect(h.call('DescribeListeners', { LoadBalancerArn: lbArn }).Listeners.map((l) => l.Port)).toEqual([6443, 80]);
    const page = h.call('DescribeListeners', { LoadBalancerArn: lbArn, PageSize: '1' });
    expect(page.Listeners).toHaveLength(1);
    expect(page.NextMarker).toBeDefined();
    expect(h.call('DescribeListeners', { 'ListenerArns.member.1': a }).Listeners[0].Port).toBe(6443);
    h.call('DeleteListener', { ListenerArn: a });
    expect(codeOf(() => h.call('DescribeListeners', { 'ListenerArns.member.1': a }))).toBe('ListenerNotFound');
    expect(codeOf(() => h.call('DeleteListener', { ListenerArn: a }))).toBe('ListenerNotFound');
    expect(codeOf(() => h.call('DescribeListeners', {}))).toBe('ValidationError');
    expect(h.call('DescribeTargetGroups', { 'TargetGroupArns.member.1': api }).TargetGroups[0].LoadBalancerArns).toEqual([]);
  });
});
