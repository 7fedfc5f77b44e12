import { specJsonSchema, type BuildSpecInput, type SpecError } from '../../../functions/core/spec';
import { validateSpec, validateSpecText } from '../../../functions/core/spec-validation';
import { seoulSpecInput } from '../../fixtures/build';

/** The Seoul spec as sent: it has every section the changes below reach into. */
type SeoulInput = BuildSpecInput & Required<Pick<BuildSpecInput, 'controlPlane' | 'workers' | 'loadBalancer'>>;

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
    ['no SSH CIDRs', (s) => (s.bastion.allowedSshCidrs = []), 'bastion.allowedSshCidrs', 'INVALID_VALUE'],
    ['a missing bastion block', (s) => Reflect.deleteProperty(s, 'bastion'), 'bastion', 'REQUIRED'],
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

describe('specJsonSchema', () => {
  it('is a draft-04 object schema that forbids unknown fields and requires the bastion', () => {
    const schema = specJsonSchema() as JsonSchema;
    expect(schema.$schema).toContain('draft-04');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'bastion']));
    expect(schema.properties?.loadBalancer.properties?.ingress.items?.properties?.nodePort).toMatchObject({
      minimum: 30000,
      maximum: 32767,
    });
  });
});
