/**
 * The NLB target quotas (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-limits.html):
 * 500 per load balancer with cross-zone on; 500 per zone and 3,000 in all with it off; a target in N groups
 * counts N times. Driven in-process through the ELBv2 module with a fake EC2 view holding many instances.
 */
import { codeOf, harness, listenerParams, NLB_PARAMS, tgParams } from './elbv2-fakes';

type H = ReturnType<typeof harness>;
const ZONES = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];

/** `count` running instances of vpc-1 in zone `zone`, with ids unique per zone. */
function instances(h: H, zone: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const id = `i-${zone}${String(i).padStart(16, '0')}`;
    h.ec2.instances.set(id, {
      instanceId: id,
      state: 'running',
      vpcId: 'vpc-1',
      subnetId: `subnet-${zone}`,
      privateIpAddress: `10.0.${ZONES.indexOf(zone)}.${i % 250}`,
      availabilityZone: `ap-northeast-2${zone}`,
    });
    return id;
  });
}

function nlb(crossZone: boolean) {
  const h = harness();
  const lbArn = h.call('CreateLoadBalancer', NLB_PARAMS).LoadBalancers[0].LoadBalancerArn;
  h.call('ModifyLoadBalancerAttributes', {
    LoadBalancerArn: lbArn,
    'Attributes.member.1.Key': 'load_balancing.cross_zone.enabled',
    'Attributes.member.1.Value': String(crossZone),
  });
  /** A target group behind the NLB on `port` (or not behind it, with `listen: false`). */
  const group = (port: number, listen = true): string => {
    const tgArn = h.call('CreateTargetGroup', tgParams(`tg-${port}`, port)).TargetGroups[0].TargetGroupArn;
    if (listen) h.call('CreateListener', listenerParams(lbArn, port, tgArn));
    return tgArn;
  };
  const register = (tgArn: string, ids: string[]) =>
    h.call('RegisterTargets', { TargetGroupArn: tgArn, ...Object.fromEntries(ids.map((id, i) => [`Targets.member.${i + 1}.Id`, id])) });
  return { h, lbArn, group, register };
}

describe('NLB target quotas', () => {
  it.each<[string, number[]]>([
    ['in one target group', [500]],
    ['across two target groups', [250, 250]],
    ['across four target groups', [125, 125, 125, 125]],
  ])('with cross-zone on, takes 500 targets %s and refuses the 501st with TooManyTargets', (_how, split) => {
    const { h, group, register } = nlb(true);
    const ids = instances(h, 'a', 501);
    let next = 0;
    const groups = split.map((n, i) => {
      const tgArn = group(1000 + i);
      register(tgArn, ids.slice(next, next + n));
      next += n;
      return tgArn;
    });
    expect(codeOf(() => register(groups[0], [ids[500]]))).toBe('TooManyTargets');
  });

  it('counts a target registered in two target groups twice', () => {
    const { h, group, register } = nlb(true);
    const ids = instances(h, 'a', 250);
    register(group(80), ids);
    register(group(443), ids);
    expect(codeOf(() => register(group(8080), ids.slice(0, 1)))).toBe('TooManyTargets');
  });

  it('refuses the whole call, registering none of it', () => {
    const { h, group, register } = nlb(true);
    const tgArn = group(80);
    register(tgArn, instances(h, 'a', 499));
    expect(codeOf(() => register(tgArn, instances(h, 'b', 2)))).toBe('TooManyTargets');
    expect(h.call('DescribeTargetHealth', { TargetGroupArn: tgArn }).TargetHealthDescriptions).toHaveLength(499);
  });

  it('with cross-zone off, takes 500 targets per zone and refuses the 501st in that zone only', () => {
    const { h, group, register } = nlb(false);
    const tgArn = group(80);
    register(tgArn, instances(h, 'a', 500));
    const [oneMoreInA] = instances(h, 'a', 501).slice(500);
    expect(codeOf(() => register(tgArn, [oneMoreInA]))).toBe('TooManyTargets');
    register(tgArn, instances(h, 'b', 500));
  });

  it('with cross-zone off, takes 3,000 targets in all and refuses the 3,001st', () => {
    const { h, group, register } = nlb(false);
    const ids = ZONES.flatMap((zone) => instances(h, zone, 429)); // 3,003 over 7 zones, under 500 in each
    [0, 1, 2].forEach((i) => register(group(80 + i), ids.slice(i * 1000, (i + 1) * 1000)));
    expect(codeOf(() => register(group(90), ids.slice(3000, 3001)))).toBe('TooManyTargets');
  });

  it('counts a group’s targets when a listener puts it behind the NLB, refusing that listener', () => {
    const { h, lbArn, group, register } = nlb(true);
    register(group(80), instances(h, 'a', 400));
    const waiting = group(443, false);
    register(waiting, instances(h, 'b', 101)); // not behind the NLB yet: no quota
    expect(codeOf(() => h.call('CreateListener', listenerParams(lbArn, 443, waiting)))).toBe('TooManyTargets');
  });

  it('no longer counts terminated instances', () => {
    const { h, group, register } = nlb(true);
    const tgArn = group(80);
    const ids = instances(h, 'a', 500);
    register(tgArn, ids);
    h.ec2.setState(ids[0], 'terminated');
    register(tgArn, instances(h, 'b', 1));
  });
});
