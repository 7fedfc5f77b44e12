import { specJsonSchema, type BuildSpecInput, type SpecError } from '../../../functions/core/spec';
import { readStoredSpec, readVersionedSpec, SPEC_VERSION, validateSpec, validateSpecText } from '../../../functions/core/spec-validation';
import { closedNetworkSpecInput, seoulSpec, seoulSpecInput } from '../../fixtures/build';

/** The Seoul spec as sent: it has every section the changes below reach into. */
type SeoulInput = BuildSpecInput & Required<Pick<BuildSpecInput, 'controlPlane' | 'workers' | 'loadBalancer' | 'bastion'>>;

/** The parts of the JSON Schema the test reads. */
interface JsonSchema {
  $schema?: string;
  additionalProperties?: unknown;
  required?: string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
}

const withChange = (change: (spec: SeoulInput) => void) => {
  const spec = seoulSpecInput() as SeoulInput;
  change(spec);
  return spec;
};

function errorsOf(input: unknown): SpecError[] {
  const result = validateSpec(input);
  if (result.ok) throw new Error('expected the spec to be rejected');
  return result.errors;
}

describe('validateSpec', () => {
  it('accepts the Seoul example and fills the defaults', () => {
    const result = validateSpec(seoulSpecInput());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.spec.loadBalancer.preserveClientIp).toBe(false);
    expect(result.spec.kubernetes.podCidr).toBe('10.244.0.0/16');
  });

  it('fills the region’s a/b/c zones and a key name when left out', () => {
    const result = validateSpec({ name: 'lab', region: 'eu-west-1', bastion: { allowedSshCidrs: ['198.51.100.0/24'] } });
    expect(result.ok && result.spec.availabilityZones).toEqual(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
    expect(result.ok && result.spec.keyName).toBe('lab-key');
    expect(result.ok && result.spec.controlPlane).toEqual({ count: 3, instanceTypes: ['m6i.large'] });
  });

  it.each<[string, (s: SeoulInput) => void, string, string]>([
    ['a name that is not a DNS label', (s) => (s.name = 'Fin_K8s'), 'name', 'INVALID_VALUE'],
    ['a name too long for AWS target-group names', (s) => (s.name = 'a'.repeat(21)), 'name', 'INVALID_VALUE'],
    ['an unknown field', (s) => Object.assign(s, { colour: 'blue' }), 'colour', 'UNKNOWN_FIELD'],
    ['an unknown nested field', (s) => Object.assign(s.bastion, { sshPort: 2222 }), 'bastion.sshPort', 'UNKNOWN_FIELD'],
    ['a malformed VPC CIDR', (s) => (s.vpcCidr = '10.0.0/16'), 'vpcCidr', 'INVALID_CIDR'],
    ['a VPC CIDR with host bits', (s) => (s.vpcCidr = '10.0.1.0/16'), 'vpcCidr', 'INVALID_CIDR'],
    ['a public VPC CIDR', (s) => (s.vpcCidr = '8.8.0.0/16'), 'vpcCidr', 'CIDR_NOT_PRIVATE'],
    ['a VPC CIDR too small for the subnets', (s) => (s.vpcCidr = '10.0.0.0/26'), 'vpcCidr', 'CIDR_TOO_SMALL'],
    ['a VPC CIDR too large for AWS', (s) => (s.vpcCidr = '10.0.0.0/8'), 'vpcCidr', 'CIDR_TOO_SMALL'],
    ['a pod CIDR overlapping the VPC', (s) => (s.kubernetes = { podCidr: '10.0.128.0/17' }), 'kubernetes.podCidr', 'CIDR_OVERLAP'],
    ['a repeated zone', (s) => (s.availabilityZones = ['ap-northeast-2a', 'ap-northeast-2a']), 'availabilityZones[1]', 'AZ_DUPLICATE'],
    ['a zone of another region', (s) => (s.availabilityZones = ['us-east-1a']), 'availabilityZones[0]', 'AZ_NOT_IN_REGION'],
    ['an even control-plane count', (s) => (s.controlPlane.count = 2), 'controlPlane.count', 'INVALID_VALUE'],
    ['too many workers', (s) => (s.workers.count = 101), 'workers.count', 'INVALID_VALUE'],
    ['no instance types', (s) => (s.workers.instanceTypes = []), 'workers.instanceTypes', 'INVALID_VALUE'],
    ['SSH open to the world', (s) => (s.bastion.allowedSshCidrs = ['0.0.0.0/0']), 'bastion.allowedSshCidrs[0]', 'SSH_OPEN_TO_WORLD'],
    [
      'SSH from two halves of the internet',
      (s) => (s.bastion.allowedSshCidrs = ['0.0.0.0/1', '128.0.0.0/1']),
      'bastion.allowedSshCidrs[1]',
      'SSH_OPEN_TO_WORLD',
    ],
    ['a Name tag (ours to set)', (s) => (s.tags = { Name: 'mine' }), 'tags.Name', 'TAG_RESERVED'],
    ['a key name with a space', (s) => (s.keyName = 'my key; rm'), 'keyName', 'INVALID_VALUE'],
    ['no SSH CIDRs', (s) => (s.bastion.allowedSshCidrs = []), 'bastion.allowedSshCidrs', 'REQUIRED'],
    [
      'a missing bastion block (a bastion is the default)',
      (s) => Reflect.deleteProperty(s, 'bastion'),
      'bastion.allowedSshCidrs',
      'REQUIRED',
    ],
    [
      'a NodePort below the range',
      (s) => (s.loadBalancer.ingress = [{ port: 80, nodePort: 8080 }]),
      'loadBalancer.ingress[0].nodePort',
      'INVALID_VALUE',
    ],
    [
      'an ingress on the API port',
      (s) => (s.loadBalancer.ingress = [{ port: 6443, nodePort: 30080 }]),
      'loadBalancer.ingress[0].port',
      'DUPLICATE_PORT',
    ],
    [
      'a repeated NodePort',
      (s) =>
        (s.loadBalancer.ingress = [
          { port: 80, nodePort: 30080 },
          { port: 81, nodePort: 30080 },
        ]),
      'loadBalancer.ingress[1].nodePort',
      'DUPLICATE_PORT',
    ],
    [
      'a malformed client CIDR',
      (s) => (s.loadBalancer.allowedClientCidrs = ['office']),
      'loadBalancer.allowedClientCidrs[0]',
      'INVALID_CIDR',
    ],
    ['a reserved aws: tag', (s) => (s.tags = { 'aws:owner': 'x' }), 'tags.aws:owner', 'TAG_RESERVED'],
    ['a reserved k8s-ec2: tag', (s) => (s.tags = { 'k8s-ec2:build-id': 'x' }), 'tags.k8s-ec2:build-id', 'TAG_RESERVED'],
    ['a tag value too long', (s) => (s.tags = { team: 'x'.repeat(257) }), 'tags.team', 'TAG_INVALID'],
    [
      'more tags than AWS allows with ours',
      (s) => (s.tags = Object.fromEntries(Array.from({ length: 44 }, (_, i) => [`k${i}`, 'v']))),
      'tags',
      'TAG_LIMIT',
    ],
  ])('rejects %s, naming the field', (_what, change, field, code) => {
    const errors = errorsOf(withChange(change));
    expect(errors).toContainEqual(expect.objectContaining({ field, code }));
    for (const e of errors) expect(e.message.length).toBeGreaterThan(10);
  });

  it('allows SSH from anywhere only with the explicit opt-in', () => {
    const spec = withChange((s) => (s.bastion = { allowedSshCidrs: ['0.0.0.0/0'], allowSshFromAnywhere: true }));
    expect(validateSpec(spec).ok).toBe(true);
  });

  it('reports several semantic problems at once', () => {
    const errors = errorsOf(
      withChange((s) => {
        s.vpcCidr = '8.8.0.0/16';
        s.bastion.allowedSshCidrs = ['0.0.0.0/0'];
        s.tags = { 'aws:x': '1' };
      }),
    );
    expect(errors.map((e) => e.code)).toEqual(expect.arrayContaining(['CIDR_NOT_PRIVATE', 'SSH_OPEN_TO_WORLD', 'TAG_RESERVED']));
  });

  it.each([null, [], 'spec', 42])('rejects a body that is not an object (%p)', (body) => {
    expect(errorsOf(body)[0]).toMatchObject({ field: '(body)', code: 'INVALID_VALUE' });
  });

  it('reports malformed JSON text as MALFORMED_JSON', () => {
    const result = validateSpecText('{"name": ');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors[0]).toMatchObject({ code: 'MALFORMED_JSON', field: '(body)' });
  });
});

describe('validateSpec: egress, endpoints, the Transit Gateway and bastion-less access', () => {
  const SSM = ['ssm', 'ssmmessages', 'ec2messages'];
  const FIVE_ZONES = ['a', 'b', 'c', 'd', 'e'].map((z) => `ap-northeast-2${z}`);

  it('accepts every way out at once: a NAT gateway per zone, eight endpoints and a Transit Gateway', () => {
    const result = validateSpec(closedNetworkSpecInput());
    expect(result.ok).toBe(true);
    expect(result.ok && result.spec.transitGateway).toEqual({ id: 'tgw-0123456789abcdef0', routes: ['10.200.0.0/16'] });
  });

  it('fills the new fields with what the previous release built: a bastion, no endpoints, egress "none", no gateway', () => {
    const result = validateSpec(seoulSpecInput());
    expect(result.ok && result.spec).toMatchObject({ bastion: { enabled: true }, endpoints: [], egress: 'none' });
    expect(result.ok && 'transitGateway' in result.spec).toBe(false);
  });

  it('accepts a closed network without a bastion when Session Manager’s endpoints are there (no SSH CIDRs needed)', () => {
    expect(validateSpec(seoulSpecInput({ bastion: { enabled: false }, egress: 'none', endpoints: [...SSM, 's3'] })).ok).toBe(true);
  });

  it('accepts no bastion and no endpoints with NAT egress: Session Manager is reached through the NAT gateway', () => {
    expect(validateSpec(seoulSpecInput({ bastion: { enabled: false }, egress: 'nat-single' })).ok).toBe(true);
  });

  it('names the missing Session Manager endpoints when there is no bastion and no NAT', () => {
    const errors = errorsOf(seoulSpecInput({ bastion: { enabled: false }, egress: 'none', endpoints: ['ssm', 's3'] }));
    expect(errors).toEqual([expect.objectContaining({ code: 'NO_OPERATOR_ACCESS', field: 'endpoints' })]);
    expect(errors[0].message).toContain('"ssmmessages", "ec2messages"');
    expect(errors[0].message).not.toContain('"ssm",');
  });

  it('fits "nat-per-az" with four zones (4 private + 4 public subnets fill the 8 slots)', () => {
    expect(validateSpec(seoulSpecInput({ egress: 'nat-per-az', availabilityZones: FIVE_ZONES.slice(0, 4) })).ok).toBe(true);
  });

  it.each<[string, Partial<BuildSpecInput>, string, string]>([
    ['an unknown egress mode', { egress: 'nat' as never }, 'egress', 'INVALID_VALUE'],
    [
      '"nat-per-az" with five zones (no slot left for five public subnets)',
      { egress: 'nat-per-az', availabilityZones: FIVE_ZONES },
      'egress',
      'CIDR_NO_ROOM',
    ],
    ['an endpoint service that is not a service name', { endpoints: ['ssm', 'Secrets Manager'] }, 'endpoints[1]', 'INVALID_VALUE'],
    ['a repeated endpoint service', { endpoints: ['ssm', 'ssm'] }, 'endpoints', 'INVALID_VALUE'],
    [
      'a Transit Gateway id of another kind',
      { transitGateway: { id: 'vgw-0123456789abcdef0', routes: ['10.200.0.0/16'] } },
      'transitGateway.id',
      'INVALID_VALUE',
    ],
    [
      'a Transit Gateway without routes',
      { transitGateway: { id: 'tgw-0123456789abcdef0', routes: [] } },
      'transitGateway.routes',
      'INVALID_VALUE',
    ],
    [
      'a Transit Gateway route that is not a CIDR',
      { transitGateway: { id: 'tgw-0123456789abcdef0', routes: ['on-prem'] } },
      'transitGateway.routes[0]',
      'INVALID_CIDR',
    ],
    [
      'a Transit Gateway route inside the VPC',
      { transitGateway: { id: 'tgw-0123456789abcdef0', routes: ['192.168.0.0/16', '10.0.64.0/24'] } },
      'transitGateway.routes[1]',
      'CIDR_OVERLAP',
    ],
    [
      'a Transit Gateway route over the pod CIDR',
      { transitGateway: { id: 'tgw-0123456789abcdef0', routes: ['10.244.0.0/14'] } },
      'transitGateway.routes[0]',
      'CIDR_OVERLAP',
    ],
    [
      'a Transit Gateway route inside the service CIDR (10.100.0.0/16 is in the default 10.96.0.0/12)',
      { transitGateway: { id: 'tgw-0123456789abcdef0', routes: ['10.100.0.0/16'] } },
      'transitGateway.routes[0]',
      'CIDR_OVERLAP',
    ],
    [
      'two Transit Gateway routes that overlap each other',
      { transitGateway: { id: 'tgw-0123456789abcdef0', routes: ['192.168.0.0/16', '192.168.10.0/24'] } },
      'transitGateway.routes[1]',
      'CIDR_OVERLAP',
    ],
  ])('rejects %s, naming the field', (_what, change, field, code) => {
    const errors = errorsOf(seoulSpecInput(change));
    expect(errors).toContainEqual(expect.objectContaining({ field, code }));
    for (const e of errors) expect(e.message.length).toBeGreaterThan(10);
  });

  it('says which field a Transit Gateway route overlaps', () => {
    const [vpc, pods, other] = errorsOf(
      seoulSpecInput({
        transitGateway: { id: 'tgw-0123456789abcdef0', routes: ['10.0.0.0/8', '10.244.1.0/24', '172.16.0.0/12', '172.20.0.0/16'] },
      }),
    ).map((e) => e.message);
    expect(vpc).toMatch(/overlaps vpcCidr 10\.0\.0\.0\/16/);
    expect(pods).toMatch(/overlaps kubernetes\.podCidr 10\.244\.0\.0\/16/);
    expect(other).toMatch(/overlaps transitGateway\.routes\[2\] 172\.16\.0\.0\/12/);
  });
});

describe('reading a stored spec of the previous version', () => {
  /** What the previous release stored: the normalised spec without `endpoints` and `bastion.enabled`. */
  function versionOneSpec(): Record<string, unknown> {
    const spec = seoulSpec();
    Reflect.deleteProperty(spec, 'endpoints');
    Reflect.deleteProperty(spec.bastion, 'enabled');
    return spec;
  }

  it('is version 2 now, and reads version 1 as version 2 with a bastion and no endpoints', () => {
    expect(SPEC_VERSION).toBe(2);
    expect(readVersionedSpec(1, versionOneSpec())).toEqual({ ok: true, spec: seoulSpec() });
    expect(readStoredSpec({ specVersion: 1, spec: versionOneSpec() })).toEqual({ ok: true, spec: seoulSpec() });
  });

  it('reads a version 2 spec as it is, and fills nothing in one that lacks a version 2 field', () => {
    expect(readStoredSpec({ specVersion: 2, spec: seoulSpec() })).toEqual({ ok: true, spec: seoulSpec() });
    const lacking = readStoredSpec({ specVersion: 2, spec: versionOneSpec() });
    expect(lacking.ok).toBe(false);
    expect(!lacking.ok && lacking.errors).toContainEqual(expect.objectContaining({ code: 'NOT_NORMALISED', field: 'endpoints' }));
  });

  it('refuses a version it does not know, naming specVersion', () => {
    expect(readStoredSpec({ specVersion: 3, spec: seoulSpec() })).toMatchObject({
      ok: false,
      errors: [expect.objectContaining({ code: 'UNKNOWN_SPEC_VERSION', field: 'specVersion' })],
    });
  });
});

describe('specJsonSchema', () => {
  it('is a draft-04 object schema that forbids unknown fields and requires the name (the bastion block is optional)', () => {
    const schema = specJsonSchema() as JsonSchema;
    expect(schema.$schema).toContain('draft-04');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toContain('name');
    expect(schema.required).not.toContain('bastion');
    expect(schema.properties?.loadBalancer.properties?.ingress.items?.properties?.nodePort).toMatchObject({
      minimum: 30000,
      maximum: 32767,
    });
  });
});
