import { codeOf, harness, listenerParams, NLB_PARAMS, tgParams, without } from './elbv2-fakes';

function setup() {
  const h = harness();
  const lbArn = h.call('CreateLoadBalancer', NLB_PARAMS).LoadBalancers[0].LoadBalancerArn;
  const tgArn = h.call('CreateTargetGroup', tgParams('api', 6443)).TargetGroups[0].TargetGroupArn;
  const health = (extra: Record<string, string> = {}) =>
    h.call('DescribeTargetHealth', { TargetGroupArn: tgArn, ...extra }).TargetHealthDescriptions;
  const states = () => Object.fromEntries(health().map((d) => [d.Target.Id, d.TargetHealth.State]));
  const register = (...ids: string[]) =>
    h.call('RegisterTargets', {
      TargetGroupArn: tgArn,
      ...Object.fromEntries(ids.map((id, i) => [`Targets.member.${i + 1}.Id`, id])),
    });
  return { h, lbArn, tgArn, health, states, register };
}

describe('elbv2 targets and target health', () => {
  it('registers running instances of the VPC and rejects the rest (InvalidTarget) without partial effect', () => {
    const { h, register, health } = setup();
    h.ec2.setState('i-wkc', 'pending');
    expect(codeOf(() => register('i-cpa', 'i-nope'))).toBe('InvalidTarget');
    expect(codeOf(() => register('i-cpa', 'i-elsewhere'))).toBe('InvalidTarget');
    expect(codeOf(() => register('i-cpa', 'i-wkc'))).toBe('InvalidTarget');
    expect(health()).toEqual([]);
    register('i-cpa', 'i-cpb');
    register('i-cpa');
    expect(health().map((d) => [d.Target.Id, d.Target.Port, d.HealthCheckPort])).toEqual([
      ['i-cpa', 6443, '6443'],
      ['i-cpb', 6443, '6443'],
    ]);
  });

  it('is unused (Target.NotInUse) while no listener forwards to the group', () => {
    const { health, register } = setup();
    register('i-cpa');
    expect(health()[0].TargetHealth).toEqual({
      State: 'unused',
      Reason: 'Target.NotInUse',
      Description: 'Target group is not configured to receive traffic from the load balancer',
    });
  });

  it('progresses initial (LB provisioning) → initial (health checking) → healthy on the simulated clock', () => {
    const { h, lbArn, tgArn, register, health, states } = setup();
    register('i-cpa', 'i-cpb', 'i-cpc');
    h.call('CreateListener', listenerParams(lbArn, 6443, tgArn));
    expect(health()[0].TargetHealth.Reason).toBe('Elb.RegistrationInProgress');
    h.clock.advance(150); // the NLB turns active at t=150 s; checks start then
    expect(health()[0].TargetHealth).toMatchObject({ State: 'initial', Reason: 'Elb.InitialHealthChecking' });
    h.clock.advance(5 * 30 - 1); // HealthyThresholdCount 5 × interval 30 s
    expect(states()['i-cpa']).toBe('initial');
    h.clock.advance(1);
    expect(states()).toEqual({ 'i-cpa': 'healthy', 'i-cpb': 'healthy', 'i-cpc': 'healthy' });
    expect(health()[0].TargetHealth).toEqual({ State: 'healthy' });
  });

  it('health checks start at the later of registration, listener and LB active; thresholds are honoured', () => {
    const h = harness();
    const lbArn = h.call('CreateLoadBalancer', NLB_PARAMS).LoadBalancers[0].LoadBalancerArn;
    const tgArn = h.call('CreateTargetGroup', tgParams('fast', 6443, { HealthCheckIntervalSeconds: '10', HealthyThresholdCount: '3' }))
      .TargetGroups[0].TargetGroupArn;
    h.clock.advance(200);
    h.call('CreateListener', listenerParams(lbArn, 6443, tgArn));
    h.clock.advance(100);
    h.call('RegisterTargets', { TargetGroupArn: tgArn, 'Targets.member.1.Id': 'i-cpa' });
    const state = () => h.call('DescribeTargetHealth', { TargetGroupArn: tgArn }).TargetHealthDescriptions[0].TargetHealth.State;
    h.clock.advance(29);
    expect(state()).toBe('initial');
    h.clock.advance(1);
    expect(state()).toBe('healthy');
  });

  it('also waits for an optional statusCheck on the instance view to read ok', () => {
    const { h, lbArn, tgArn, register, states } = setup();
    register('i-cpa');
    h.call('CreateListener', listenerParams(lbArn, 6443, tgArn));
    h.clock.advance(400);
    h.ec2.instances.set('i-cpa', { ...h.ec2.instances.get('i-cpa')!, statusCheck: 'initializing' } as never);
    expect(states()).toEqual({ 'i-cpa': 'initial' });
    h.ec2.instances.set('i-cpa', { ...h.ec2.instances.get('i-cpa')!, statusCheck: 'ok' } as never);
    expect(states()).toEqual({ 'i-cpa': 'healthy' });
  });

  it('reports non-running instances as unused (Target.InvalidState) and drops terminated ones', () => {
    const { h, lbArn, tgArn, register, health } = setup();
    register('i-cpa', 'i-cpb');
    h.call('CreateListener', listenerParams(lbArn, 6443, tgArn));
    h.clock.advance(400);
    h.ec2.setState('i-cpa', 'stopped');
    h.ec2.setState('i-cpb', 'terminated');
    expect(health().map((d) => [d.Target.Id, d.TargetHealth])).toEqual([
      ['i-cpa', { State: 'unused', Reason: 'Target.InvalidState', Description: 'Target is in the stopped state' }],
    ]);
  });

  it('reports a target in an AZ the NLB does not serve as unused', () => {
    const h = harness();
    const twoZones = without(NLB_PARAMS, 'SubnetMappings.member.3.SubnetId');
    const lbArn = h.call('CreateLoadBalancer', twoZones).LoadBalancers[0].LoadBalancerArn;
    const tgArn = h.call('CreateTargetGroup', tgParams('api', 6443)).TargetGroups[0].TargetGroupArn;
    h.call('RegisterTargets', { TargetGroupArn: tgArn, 'Targets.member.1.Id': 'i-cpa', 'Targets.member.2.Id': 'i-cpc' });
    h.call('CreateListener', listenerParams(lbArn, 6443, tgArn));
    h.clock.advance(400);
    const byId = Object.fromEntries(
      h.call('DescribeTargetHealth', { TargetGroupArn: tgArn }).TargetHealthDescriptions.map((d) => [d.Target.Id, d.TargetHealth]),
    );
    expect(byId['i-cpa']).toEqual({ State: 'healthy' });
    expect(byId['i-cpc']).toMatchObject({ State: 'unused', Reason: 'Target.NotInUse' });
  });

  it('drains deregistered targets for deregistration_delay.timeout_seconds, then forgets them', () => {
    const { h, lbArn, tgArn, register, health, states } = setup();
    register('i-cpa', 'i-cpb');
    h.call('CreateListener', listenerParams(lbArn, 6443, tgArn));
    h.call('ModifyTargetGroupAttributes', {
      TargetGroupArn: tgArn,
      'Attributes.member.1.Key': 'deregistration_delay.timeout_seconds',
      'Attributes.member.1.Value': '30',
    });
    h.clock.advance(400);
    h.call('DeregisterTargets', { TargetGroupArn: tgArn, 'Targets.member.1.Id': 'i-cpa' });
    expect(health({ 'Targets.member.1.Id': 'i-cpa' })[0].TargetHealth).toMatchObject({
      State: 'draining',
      Reason: 'Target.DeregistrationInProgress',
    });
    h.clock.advance(29.999);
    expect(states()).toEqual({ 'i-cpa': 'draining', 'i-cpb': 'healthy' });
    h.clock.advance(0.001);
    expect(states()).toEqual({ 'i-cpb': 'healthy' });
    expect(health({ 'Targets.member.1.Id': 'i-cpa' })[0].TargetHealth).toMatchObject({ State: 'unused', Reason: 'Target.NotRegistered' });
    // Deregistering what is not registered succeeds; an id that is no instance at all does not.
    expect(h.call('DeregisterTargets', { TargetGroupArn: tgArn, 'Targets.member.1.Id': 'i-cpa' })).toEqual({});
    expect(codeOf(() => h.call('DeregisterTargets', { TargetGroupArn: tgArn, 'Targets.member.1.Id': 'i-ghost' }))).toBe('InvalidTarget');
  });

  it('removes targets at once from an unused group, and re-registering a draining target starts over', () => {
    const { h, lbArn, tgArn, register, states } = setup();
    register('i-cpa');
    h.call('DeregisterTargets', { TargetGroupArn: tgArn, 'Targets.member.1.Id': 'i-cpa' });
    expect(states()).toEqual({});
    register('i-cpa');
    h.call('CreateListener', listenerParams(lbArn, 6443, tgArn));
    h.clock.advance(400);
    h.call('DeregisterTargets', { TargetGroupArn: tgArn, 'Targets.member.1.Id': 'i-cpa' });
    register('i-cpa');
    expect(states()).toEqual({ 'i-cpa': 'initial' });
  });

  it('keeps ports apart: the same instance on two ports is two targets', () => {
    const { h, tgArn, health } = setup();
    h.call('RegisterTargets', {
      TargetGroupArn: tgArn,
      'Targets.member.1.Id': 'i-wka',
      'Targets.member.1.Port': '30080',
      'Targets.member.2.Id': 'i-wka',
      'Targets.member.2.Port': '30443',
    });
    expect(health().map((d) => d.Target.Port)).toEqual([30080, 30443]);
    expect(health({ 'Targets.member.1.Id': 'i-wka', 'Targets.member.1.Port': '30443' })).toHaveLength(1);
    expect(codeOf(() => health({ 'Targets.member.1.Id': 'i-ghost' }))).toBe('InvalidTarget');
  });
});
