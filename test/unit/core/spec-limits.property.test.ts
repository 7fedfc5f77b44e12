import fc from 'fast-check';
import { plan } from '../../../functions/core/plan';
import { parseSpecShape, type BuildSpec, type BuildSpecInput } from '../../../functions/core/spec';
import { validateSpec } from '../../../functions/core/spec-validation';
import {
  AWS_NLB_TARGETS_CROSS_ZONE,
  AWS_NLB_TARGETS_PER_ZONE,
  AWS_RULES_PER_SECURITY_GROUP,
  SPEC_LIMIT_CODES,
} from '../../../functions/core/spec-limits';

/** Specs across the whole range the schema allows for what grows rules and targets. */
const specInput: fc.Arbitrary<BuildSpecInput> = fc.record({
  name: fc.stringMatching(/^[a-z][a-z0-9-]{0,18}[a-z0-9]$/),
  availabilityZones: fc
    .uniqueArray(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1, maxLength: 4 })
    .map((ls) => ls.map((l) => `ap-northeast-2${l}`)),
  controlPlane: fc.record({ count: fc.constantFrom(1, 3, 5, 7) }),
  workers: fc.record({ count: fc.integer({ min: 0, max: 100 }) }),
  bastion: fc.record({
    allowedSshCidrs: fc
      .uniqueArray(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 20 })
      .map((xs) => xs.map((x) => `198.51.${x}.0/24`)),
  }),
  loadBalancer: fc.record({
    crossZone: fc.boolean(),
    allowedClientCidrs: fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { maxLength: 20 }).map((xs) => xs.map((x) => `172.16.${x}.0/24`)),
    ingress: fc.integer({ min: 0, max: 10 }).map((n) => Array.from({ length: n }, (_, i) => ({ port: 8000 + i, nodePort: 30000 + i }))),
  }),
});

/** Registrations per zone straight from the plan: every node of a target group's role, once per group. */
function planTargetsPerZone(spec: BuildSpec): number[] {
  const p = plan(spec, 'b-1');
  const perZone = new Map<string, number>();
  for (const tg of p.targetGroups)
    for (const n of p.nodes.filter((x) => x.role === tg.targetRole)) perZone.set(n.az, (perZone.get(n.az) ?? 0) + 1);
  return [...perZone.values()];
}

describe('spec limits (property)', () => {
  it('refuses a spec exactly when the plan would break AWS’s rules-per-group or targets-per-NLB limit', () => {
    const seen = { rules: new Set<boolean>(), targets: new Set<boolean>() };
    fc.assert(
      fc.property(specInput, (input) => {
        const shaped = parseSpecShape(input);
        if (!shaped.ok) throw new Error(JSON.stringify(shaped.errors));
        const p = plan(shaped.spec, 'b-1');
        const tooManyRules = Object.values(p.securityGroups).some(
          (g) => new Set(g.ingress.map((r) => JSON.stringify(r.source) + r.fromPort)).size > AWS_RULES_PER_SECURITY_GROUP,
        );
        const perZone = planTargetsPerZone(shaped.spec);
        const total = perZone.reduce((a, b) => a + b, 0);
        const tooManyTargets = shaped.spec.loadBalancer.crossZone
          ? total > AWS_NLB_TARGETS_CROSS_ZONE
          : Math.max(0, ...perZone) > AWS_NLB_TARGETS_PER_ZONE;

        const result = validateSpec(input);
        const codes = result.ok ? [] : result.errors.map((e) => e.code);
        expect(codes.includes(SPEC_LIMIT_CODES.securityGroupRules)).toBe(tooManyRules);
        expect(codes.includes(SPEC_LIMIT_CODES.nlbTargets)).toBe(tooManyTargets);
        seen.rules.add(tooManyRules);
        seen.targets.add(tooManyTargets);
      }),
      { numRuns: 300 },
    );
    // Both sides of each limit were generated, so the equivalence was really tested.
    expect([seen.rules.size, seen.targets.size]).toEqual([2, 2]);
  });
});
