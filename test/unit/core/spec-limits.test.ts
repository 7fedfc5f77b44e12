import { plan } from '../../../functions/core/plan';
import { type BuildSpecInput, type SpecError } from '../../../functions/core/spec';
import { validateSpec } from '../../../functions/core/spec-validation';
import {
  AWS_RULES_PER_SECURITY_GROUP,
  plannedRuleCounts,
  plannedTargetsPerZone,
  SPEC_LIMIT_CODES,
} from '../../../functions/core/spec-limits';
import { seoulSpec, seoulSpecInput } from '../../fixtures/build';
import { match } from '../../fixtures/matchers';

/** `n` ingress listeners on ports 8000.. → NodePorts 30000.. */
const ingress = (n: number) => Array.from({ length: n }, (_, i) => ({ port: 8000 + i, nodePort: 30000 + i }));
/** `n` distinct client CIDRs outside the VPC. */
const clientCidrs = (n: number) => Array.from({ length: n }, (_, i) => `172.16.${i}.0/24`);
const loadBalancer = (lb: Record<string, unknown>) =>
  ({ loadBalancer: { ...seoulSpecInput().loadBalancer, ...lb } }) as Partial<BuildSpecInput>;

function errorsOf(overrides: Partial<BuildSpecInput>): SpecError[] {
  const result = validateSpec(seoulSpecInput(overrides));
  return result.ok ? [] : result.errors;
}

describe('AWS name rules on the names a cluster name derives', () => {
  it.each([
    ['internal', 'the load balancer "internal-nlb" begins with internal-', /"internal-nlb".*begin with "internal-"/],
    ['internal-apps', 'the load balancer "internal-apps-nlb" begins with internal-', /"internal-apps-nlb".*begin with "internal-"/],
    ['sg', 'the security groups "sg-…-sg" begin with sg-', /"sg-bastion-sg".*begin with "sg-"/],
    ['sg-lab', 'the security groups "sg-lab-…" begin with sg-', /"sg-lab-bastion-sg".*begin with "sg-"/],
  ])('refuses the name %p: %s', (name, _why, message) => {
    expect(errorsOf({ name })).toEqual([
      { code: SPEC_LIMIT_CODES.reservedNamePrefix, field: 'name', message: match.stringMatching(message) },
    ]);
  });

  it.each(['internals', 'internal1', 'sgx', 'my-sg', 'lab-internal', 'a'.repeat(20)])('accepts the name %p', (name) => {
    expect(errorsOf({ name })).toEqual([]);
  });

  it('keeps every derived load balancer and target group name within AWS’s 32 characters at the longest name', () => {
    const p = plan(seoulSpec({ name: 'a'.repeat(20), ...loadBalancer({ ingress: [{ port: 65535, nodePort: 32767 }] }) }), 'b-1');
    for (const n of [p.loadBalancer.name, ...p.targetGroups.map((t) => t.name)]) expect(n.length).toBeLessThanOrEqual(32);
  });
});

describe('AWS rules-per-security-group limit on the planned rules', () => {
  it.each<[string, number, number, number]>([
    ['the defaults', 2, 0, 3],
    ['one listener port from 20 client CIDRs', 0, 20, 21],
    ['3 listener ports × 20 CIDRs (the limit exactly)', 2, 19, 60],
    ['11 listener ports × 5 CIDRs', 10, 4, 55],
  ])('accepts %s (%i ingress, %i client CIDRs → %i NLB rules)', (_what, listeners, cidrs, rules) => {
    const overrides = loadBalancer({ ingress: ingress(listeners), allowedClientCidrs: clientCidrs(cidrs) });
    expect(errorsOf(overrides)).toEqual([]);
    expect(plannedRuleCounts(plan(seoulSpec(overrides), 'b-1').securityGroups).nlb).toEqual({ inbound: rules, outbound: 1 });
  });

  it.each<[string, number, number, number, number]>([
    ['3 listener ports × 21 CIDRs', 2, 20, 63, 19],
    ['11 listener ports × 6 CIDRs', 10, 5, 66, 4],
    ['11 listener ports × 21 CIDRs', 10, 20, 231, 4],
  ])('refuses %s, naming allowedClientCidrs, the rules needed, the limit and the room left', (_what, listeners, cidrs, rules, room) => {
    const errors = errorsOf(loadBalancer({ ingress: ingress(listeners), allowedClientCidrs: clientCidrs(cidrs) }));
    expect(errors).toEqual([
      { code: SPEC_LIMIT_CODES.securityGroupRules, field: 'loadBalancer.allowedClientCidrs', message: match.any(String) },
    ]);
    expect(errors[0].message).toContain(`would need ${rules} inbound rules`);
    expect(errors[0].message).toContain(`AWS allows ${AWS_RULES_PER_SECURITY_GROUP} inbound rules per security group`);
    expect(errors[0].message).toContain(`at most ${room} allowed client CIDRs`);
  });

  it('counts a CIDR given twice (or the VPC CIDR again) once, as AWS stores it once', () => {
    const p = plan(seoulSpec(loadBalancer({ allowedClientCidrs: ['10.0.0.0/16', '172.16.0.0/24', '172.16.0.0/24'] })), 'b-1');
    expect(plannedRuleCounts(p.securityGroups).nlb.inbound).toBe(3 * 2);
  });

  it('keeps every other group far under the limit at the largest spec', () => {
    const counts = plannedRuleCounts(
      plan(
        seoulSpec({
          bastion: { instanceType: 't3.micro', allowedSshCidrs: clientCidrs(20) },
          ...loadBalancer({ ingress: ingress(10) }),
        }),
        'b-1',
      ).securityGroups,
    );
    expect(counts).toEqual({
      bastion: { inbound: 20, outbound: 1 },
      nlb: { inbound: 11, outbound: 1 },
      controlPlane: { inbound: 16, outbound: 1 },
      workers: { inbound: 21, outbound: 1 },
    });
  });
});

describe('AWS targets-per-NLB limit on the planned registrations', () => {
  const targets = (workers: number, listeners: number, zones: string[], crossZone: boolean) => ({
    availabilityZones: zones,
    workers: { count: workers, instanceTypes: ['m6i.xlarge'] },
    ...loadBalancer({ ingress: ingress(listeners), crossZone }),
  });
  const ABC = ['ap-northeast-2a', 'ap-northeast-2b', 'ap-northeast-2c'];

  it.each<[string, Partial<BuildSpecInput>]>([
    ['cross-zone on, 3 + 99 × 5 = 498 targets', targets(99, 5, ABC, true)],
    ['cross-zone off, 3 zones, at most 1 + 34 × 10 = 341 in a zone', targets(100, 10, ABC, false)],
  ])('accepts %s', (_what, overrides) => {
    expect(errorsOf(overrides)).toEqual([]);
  });

  it.each<[string, Partial<BuildSpecInput>, RegExp]>([
    ['cross-zone on, 3 + 100 × 5 = 503 targets', targets(100, 5, ABC, true), /503 targets .* 500 per NLB with cross-zone/],
    [
      'cross-zone off, one zone holding 3 + 100 × 5 = 503',
      targets(100, 5, ['ap-northeast-2a'], false),
      /503 targets in one zone .* 500 per zone/,
    ],
  ])('refuses %s, naming loadBalancer.ingress', (_what, overrides, message) => {
    expect(errorsOf(overrides)).toEqual([
      { code: SPEC_LIMIT_CODES.nlbTargets, field: 'loadBalancer.ingress', message: match.stringMatching(message) },
    ]);
  });

  it('counts per zone what the plan registers: control planes in the API group, workers in every ingress group', () => {
    const spec = seoulSpec({
      controlPlane: { count: 5, instanceTypes: ['m6i.large'] },
      workers: { count: 7, instanceTypes: ['m6i.xlarge'] },
    });
    const p = plan(spec, 'b-1');
    const fromPlan = new Map<string, number>();
    for (const tg of p.targetGroups) {
      for (const node of p.nodes.filter((n) => n.role === tg.targetRole)) fromPlan.set(node.az, (fromPlan.get(node.az) ?? 0) + 1);
    }
    expect(plannedTargetsPerZone(spec)).toEqual(fromPlan);
  });
});

it('reports a derived-name problem together with the other problems of the spec', () => {
  const errors = errorsOf({ name: 'sg', vpcCidr: '8.8.0.0/16', ...loadBalancer({ allowedClientCidrs: clientCidrs(20) }) });
  expect(errors.map((e) => [e.code, e.field])).toEqual(
    expect.arrayContaining([
      ['CIDR_NOT_PRIVATE', 'vpcCidr'],
      [SPEC_LIMIT_CODES.reservedNamePrefix, 'name'],
      [SPEC_LIMIT_CODES.securityGroupRules, 'loadBalancer.allowedClientCidrs'],
    ]),
  );
});
