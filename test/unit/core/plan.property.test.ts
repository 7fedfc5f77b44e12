import fc from 'fast-check';
import { contains, overlaps } from '../../../functions/core/cidr';
import { plan, type Plan } from '../../../functions/core/plan';
import { type BuildSpecInput } from '../../../functions/core/spec';
import { validateSpec } from '../../../functions/core/spec-validation';
import { AWS_MAX_TAGS } from '../../../functions/core/tags';

const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,18}[a-z0-9]$/);
const privateVpc = fc
  .oneof(
    fc.tuple(fc.constant(10), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 16, max: 24 })),
    fc.tuple(fc.constant(172), fc.integer({ min: 16, max: 31 }), fc.integer({ min: 16, max: 24 })),
    fc.tuple(fc.constant(192), fc.constant(168), fc.integer({ min: 16, max: 24 })),
  )
  .map(([a, b, prefix]) => `${a}.${b}.0.0/${prefix}`);
const zones = fc
  .uniqueArray(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1, maxLength: 4 })
  .map((ls) => ls.map((l) => `ap-northeast-2${l}`));
const ingress = fc
  .uniqueArray(
    fc.record({ port: fc.integer({ min: 1, max: 65535 }).filter((p) => p !== 6443), nodePort: fc.integer({ min: 30000, max: 32767 }) }),
    { maxLength: 4, selector: (i) => i.port },
  )
  .filter((list) => new Set(list.map((i) => i.nodePort)).size === list.length);
const tagKey = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_.:/=+@-]{0,40}$/).filter((k) => !/^(aws:|k8s-ec2:|kubernetes\.io\/)/i.test(k));

const specInput: fc.Arbitrary<BuildSpecInput> = fc.record({
  name: label,
  region: fc.constant('ap-northeast-2'),
  vpcCidr: privateVpc,
  availabilityZones: zones,
  controlPlane: fc.record({ count: fc.constantFrom(1, 3, 5, 7), instanceTypes: fc.constant(['m6i.large']) }),
  workers: fc.record({ count: fc.integer({ min: 0, max: 100 }), instanceTypes: fc.constant(['m6i.xlarge', 'm5.xlarge']) }),
  bastion: fc.record({ enabled: fc.boolean(), allowedSshCidrs: fc.constant(['203.0.113.0/24']) }),
  loadBalancer: fc.record({ ingress }),
  kubernetes: fc.constant({ podCidr: '100.64.0.0/16', serviceCidr: '100.96.0.0/16' }),
  egress: fc.constantFrom('none', 'nat-single', 'nat-per-az'),
  endpoints: fc.subarray(['ssm', 'ssmmessages', 'ec2messages', 's3', 'ecr.api', 'ecr.dkr']),
  transitGateway: fc.option(fc.constant({ id: 'tgw-0123456789abcdef0', routes: ['100.100.0.0/16'] }), { nil: undefined }),
  tags: fc.dictionary(
    tagKey,
    fc.string({ maxLength: 40 }).filter((v) => /^[\w .:/=+\-@]*$/.test(v)),
    { maxKeys: 10 },
  ),
});

function everyTagged(p: Plan) {
  return [
    p.vpc,
    ...p.privateSubnets,
    ...p.publicSubnets,
    ...(p.internetGateway ? [p.internetGateway] : []),
    ...p.routeTables.private,
    ...(p.routeTables.public ? [p.routeTables.public] : []),
    ...p.natGateways,
    ...p.endpoints,
    ...(p.transitGateway ? [p.transitGateway.attachment] : []),
    ...(p.instanceProfile ? [p.instanceProfile] : []),
    ...Object.values(p.securityGroups),
    ...p.nodes,
    p.bastion,
    p.loadBalancer,
    ...p.targetGroups,
  ];
}

describe('plan (property)', () => {
  it('keeps every invariant for any accepted spec', () => {
    let accepted = 0;
    fc.assert(
      fc.property(specInput, (input) => {
        const result = validateSpec(input);
        if (!result.ok) return; // rejected specs are covered by the next property
        accepted++;
        const p = plan(result.spec, `${result.spec.name}-b1`);
        const subnets = [...p.privateSubnets, ...p.publicSubnets];
        for (const s of subnets) expect(contains(p.vpc.cidr, s.cidr)).toBe(true);
        for (let i = 0; i < subnets.length; i++)
          for (let j = i + 1; j < subnets.length; j++) expect(overlaps(subnets[i].cidr, subnets[j].cidr)).toBe(false);
        expect(p.privateSubnets.map((s) => s.az)).toEqual(result.spec.availabilityZones);
        // Every zone's private subnet has exactly one route table; NAT gateways sit in public subnets.
        expect(p.routeTables.private.flatMap((t) => t.zones).sort()).toEqual([...result.spec.availabilityZones].sort());
        for (const nat of p.natGateways) expect(p.publicSubnets.map((s) => s.az)).toContain(nat.az);
        // The Internet Gateway and the public route table exist exactly where public subnets do.
        expect(Boolean(p.internetGateway)).toBe(p.publicSubnets.length > 0);
        expect(Boolean(p.routeTables.public)).toBe(p.publicSubnets.length > 0);
        for (const role of ['control-plane', 'worker'] as const) {
          const perZone = result.spec.availabilityZones.map((az) => p.nodes.filter((n) => n.role === role && n.az === az).length);
          expect(Math.max(...perZone) - Math.min(...perZone)).toBeLessThanOrEqual(1);
        }
        const names = everyTagged(p).map((r) => r.name);
        expect(new Set(names).size).toBe(names.length);
        // Endpoint names carry the service's own dots (fin-k8s-dev-vpce-ecr.dkr); every other name is a DNS label.
        for (const n of names) expect(n).toMatch(/^[a-z][a-z0-9.-]*[a-z0-9]$/);
        for (const n of names.filter((n) => !p.endpoints.some((e) => e.name === n))) expect(n).not.toContain('.');
        for (const n of [p.loadBalancer.name, ...p.targetGroups.map((t) => t.name)]) expect(n.length).toBeLessThanOrEqual(32);
        for (const r of everyTagged(p)) {
          const entries = Object.entries(r.tags);
          expect(entries.length).toBeLessThanOrEqual(AWS_MAX_TAGS);
          for (const [k, v] of entries) {
            expect(k.length).toBeLessThanOrEqual(128);
            expect(v.length).toBeLessThanOrEqual(256);
          }
        }
      }),
      { numRuns: 200 },
    );
    expect(accepted).toBeGreaterThan(60);
  });

  it('answers any other input with {code, message, field} errors and never throws', () => {
    const mutated = fc
      .tuple(
        specInput,
        fc.constantFrom(
          'name',
          'vpcCidr',
          'availabilityZones',
          'controlPlane',
          'workers',
          'bastion',
          'loadBalancer',
          'tags',
          'region',
          'extra',
        ),
        fc.anything(),
      )
      .map(([spec, key, value]) => ({ ...spec, [key]: value }));
    fc.assert(
      fc.property(fc.oneof(mutated, fc.anything()), (input) => {
        const result = validateSpec(input);
        if (result.ok) return;
        expect(result.errors.length).toBeGreaterThan(0);
        for (const e of result.errors) {
          expect(typeof e.code).toBe('string');
          expect(typeof e.message).toBe('string');
          expect(typeof e.field).toBe('string');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('rejects every known-bad value, naming the field it was put in', () => {
    const bad: Array<[string, fc.Arbitrary<unknown>]> = [
      ['name', fc.oneof(fc.constant(''), fc.stringMatching(/^[A-Z_ ]{1,10}$/), fc.constant('a'.repeat(21)), fc.integer())],
      [
        'vpcCidr',
        fc.oneof(fc.constant('8.8.0.0/16'), fc.constant('10.0.0.1/16'), fc.constant('10.0.0.0/30'), fc.stringMatching(/^[a-z]{1,8}$/)),
      ],
      ['availabilityZones', fc.oneof(fc.constant(['us-east-1a']), fc.constant([]), fc.constant(['ap-northeast-2a', 'ap-northeast-2a']))],
      [
        'controlPlane',
        fc
          .integer({ min: -5, max: 20 })
          .filter((n) => ![1, 3, 5, 7].includes(n))
          .map((count) => ({ count })),
      ],
      ['workers', fc.oneof(fc.integer({ max: -1 }), fc.integer({ min: 101 })).map((count) => ({ count }))],
      ['bastion', fc.constantFrom({ allowedSshCidrs: ['0.0.0.0/0'] }, { allowedSshCidrs: [] }, { allowedSshCidrs: ['1.2.3.4'] })],
      ['loadBalancer', fc.integer({ min: 0, max: 29999 }).map((nodePort) => ({ ingress: [{ port: 8080, nodePort }] }))],
      ['tags', fc.constantFrom({ 'aws:x': 'y' }, { Name: 'n' }, { 'k8s-ec2:role': 'r' })],
      ['extraField', fc.anything()],
    ];
    const badValue = fc.oneof(...bad.map(([field, arbitrary]) => arbitrary.map((value) => [field, value] as const)));
    fc.assert(
      fc.property(specInput, badValue, (input, [field, value]) => {
        const result = validateSpec({ ...input, [field]: value });
        expect(result.ok).toBe(false);
        if (!result.ok)
          expect(result.errors.map((e) => e.field).some((f) => f === field || f.startsWith(`${field}.`) || f.startsWith(`${field}[`))).toBe(
            true,
          );
      }),
      { numRuns: 200 },
    );
  });

  it('is deterministic: the same spec and build id give the same plan', () => {
    fc.assert(
      fc.property(specInput, (input) => {
        const result = validateSpec(input);
        if (!result.ok) return;
        expect(plan(result.spec, 'b-1')).toEqual(plan(result.spec, 'b-1'));
      }),
      { numRuns: 50 },
    );
  });
});
