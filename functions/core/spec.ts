import { array, boolean, enum as enumOf, number, record, strictObject, string, toJSONSchema } from 'zod';
import type { core, input, output } from 'zod';

/**
 * The build spec (POST /builds body, docs/design.md "3. Build spec"): one schema shared by the API, the CLI and every handler.
 * Field shapes and every default live here, once: a nested object's defaults are its fields' own
 * (`prefault({})` runs the object's schema on `{}`, so no default is written twice). Rules that compare
 * fields (CIDR room and overlaps, AZs vs region, tags) and AWS's limits live in spec-rules.ts and
 * spec-limits.ts, applied by spec-validation.ts, so that each error names its field and the fix.
 */

/**
 * Named imports, not `import { z } from 'zod'`: the `z` namespace object carries every zod locale, and a
 * bundler must keep all of a namespace it cannot see through — ≈400 KB more in every Lambda bundle.
 */
const z = { array, boolean, enum: enumOf, number, record, strictObject, string };

const DNS_LABEL = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;
/** The longest name whose derived AWS names still fit: target group names are at most 32 characters. */
export const MAX_NAME_LENGTH = 20;
export const EGRESS_MODES = ['none', 'nat-single', 'nat-per-az'] as const;
export type EgressMode = (typeof EGRESS_MODES)[number];
/** The service part of `com.amazonaws.<region>.<service>`: ssm, ecr.dkr, s3… (preflight checks it exists in the region). */
const ENDPOINT_SERVICE = /^[a-z0-9]+([.-][a-z0-9]+)*$/;
/** Interface endpoints per VPC: AWS's default quota is 50; 20 is more than a closed cluster needs and leaves room. */
export const MAX_ENDPOINTS = 20;
/** Routes per route table: AWS's default quota is 50 (non-propagated); ours use up to 4 beside these. */
export const MAX_TRANSIT_ROUTES = 20;

const instanceTypes = (defaults: string[]) =>
  z
    .array(z.string().regex(INSTANCE_TYPE, 'must look like an EC2 instance type, e.g. m6i.large'))
    .min(1, 'give at least one instance type')
    .max(5, 'give at most 5 instance types (a fallback list, in order of preference)')
    .refine((list) => new Set(list).size === list.length, 'instance types must not repeat')
    .default(defaults)
    .describe('Instance types in order of preference; the next is tried on InsufficientInstanceCapacity.');

const port = z.number().int('must be a whole number').min(1, 'must be 1–65535').max(65535, 'must be 1–65535');

export const IngressSchema = z.strictObject({
  port: port.describe('Listener port on the NLB.'),
  nodePort: z
    .number()
    .int('must be a whole number')
    .min(30000, 'NodePorts must be in 30000–32767 (the Kubernetes default NodePort range)')
    .max(32767, 'NodePorts must be in 30000–32767 (the Kubernetes default NodePort range)')
    .describe('Worker NodePort the listener forwards to.'),
});

export const BuildSpecSchema = z.strictObject({
  name: z
    .string()
    .min(1, 'give the cluster a name')
    .max(MAX_NAME_LENGTH, `use at most ${MAX_NAME_LENGTH} characters (derived AWS names such as target groups are limited to 32)`)
    .regex(DNS_LABEL, 'use a DNS label: lower-case letters, digits and "-", starting with a letter, e.g. fin-k8s-dev')
    .describe('Cluster name; prefixes every resource name.'),
  region: z
    .string()
    .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'must be an AWS region code, e.g. ap-northeast-2')
    .default('ap-northeast-2'),
  vpcCidr: z.string().default('10.0.0.0/16').describe('RFC 1918 CIDR of the VPC, /16 to /24.'),
  availabilityZones: z
    .array(z.string())
    .min(1, 'give at least one availability zone')
    .max(6, 'give at most 6 availability zones')
    .optional()
    .describe('Defaults to the region’s a, b and c zones.'),
  keyName: z
    .string()
    .regex(/^[A-Za-z0-9._+=@,:-]{1,255}$/, 'use 1–255 letters, digits or . _ - + = @ , : (it becomes a file name in ssh_config: no spaces)')
    .optional()
    .describe('EC2 key pair for SSH; defaults to "<name>-key".'),
  controlPlane: z
    .strictObject({
      count: z
        .number()
        .int()
        .refine((n) => [1, 3, 5, 7].includes(n), 'must be 1, 3, 5 or 7 (etcd needs an odd number of members for quorum)')
        .default(3),
      instanceTypes: instanceTypes(['m6i.large']),
    })
    .prefault({}),
  workers: z
    .strictObject({
      count: z.number().int('must be a whole number').min(0, 'must be 0–100').max(100, 'must be 0–100').default(3),
      instanceTypes: instanceTypes(['m6i.xlarge', 'm5.xlarge']),
    })
    .prefault({}),
  image: z
    .strictObject({
      family: z.enum(['rhel-8']).default('rhel-8'),
      imageId: z
        .string()
        .regex(/^ami-[0-9a-f]{8,17}$/, 'must be an AMI id, e.g. ami-0123456789abcdef0')
        .optional(),
    })
    .prefault({}),
  bastion: z
    .strictObject({
      enabled: z
        .boolean()
        .default(true)
        .describe(
          'false: no bastion, no public subnet or Internet Gateway (unless egress uses NAT); nodes are reached through Session Manager.',
        ),
      instanceType: z.string().regex(INSTANCE_TYPE, 'must look like an EC2 instance type, e.g. t3.micro').default('t3.micro'),
      allowedSshCidrs: z
        .array(z.string())
        .max(20, 'give at most 20 CIDRs')
        .default([])
        .describe('Required while the bastion is enabled: the CIDR(s) your operators SSH from.'),
      allowSshFromAnywhere: z.boolean().default(false).describe('Must be true to allow 0.0.0.0/0 in allowedSshCidrs.'),
    })
    .prefault({}),
  loadBalancer: z
    .strictObject({
      crossZone: z.boolean().default(true),
      allowedClientCidrs: z.array(z.string()).max(20, 'give at most 20 CIDRs').default([]),
      ingress: z
        .array(IngressSchema)
        .max(10, 'give at most 10 ingress listeners')
        .default([
          { port: 80, nodePort: 30080 },
          { port: 443, nodePort: 30443 },
        ]),
      preserveClientIp: z
        .boolean()
        .default(false)
        .describe('Off by default: with instance targets, on breaks hairpin traffic (a control plane reaching itself through the NLB).'),
    })
    .prefault({}),
  kubernetes: z
    .strictObject({
      version: z
        .string()
        .regex(/^v?\d+\.\d+\.\d+$/, 'must be a Kubernetes version, e.g. v1.30.4')
        .default('v1.30.4'),
      podCidr: z.string().default('10.244.0.0/16'),
      serviceCidr: z.string().default('10.96.0.0/12'),
    })
    .prefault({}),
  egress: z
    .enum(EGRESS_MODES)
    .default('none')
    .describe(
      '"none": a closed network, no route to the internet from private subnets; "nat-single": one NAT gateway; "nat-per-az": a NAT gateway (and public subnet) per zone.',
    ),
  endpoints: z
    .array(z.string().regex(ENDPOINT_SERVICE, 'must be a VPC endpoint service short name, e.g. ssm, ecr.dkr or s3'))
    .max(MAX_ENDPOINTS, `give at most ${MAX_ENDPOINTS} endpoint services`)
    .refine((list) => new Set(list).size === list.length, 'endpoint services must not repeat')
    .default([])
    .describe('VPC endpoints: "s3" is a gateway endpoint on the private route tables, every other name an interface endpoint.'),
  transitGateway: z
    .strictObject({
      id: z.string().regex(/^tgw-[0-9a-f]{8,17}$/, 'must be a Transit Gateway id, e.g. tgw-0123456789abcdef0'),
      routes: z
        .array(z.string())
        .min(1, 'give the CIDR(s) to reach through the gateway, e.g. ["10.100.0.0/16"]')
        .max(MAX_TRANSIT_ROUTES, `give at most ${MAX_TRANSIT_ROUTES} routes`),
    })
    .optional()
    .describe('An existing Transit Gateway (often shared by a network team) to attach the VPC to, with the CIDRs routed to it.'),
  tags: z.record(z.string(), z.string()).default({}),
});

/** The spec as sent (defaults not yet applied). */
export type BuildSpecInput = input<typeof BuildSpecSchema>;
/** The spec with every default filled in, including the derived ones. */
export type BuildSpec = output<typeof BuildSpecSchema> & { availabilityZones: string[]; keyName: string };

export interface SpecError {
  code: string;
  message: string;
  field: string;
}

export type SpecResult = { ok: true; spec: BuildSpec } | { ok: false; errors: SpecError[] };

/** Dotted field path as users write it: `bastion.allowedSshCidrs[0]`. */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>(
    (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)),
    '',
  );
}

function shapeErrors(issues: core.$ZodIssue[]): SpecError[] {
  return issues.flatMap((issue): SpecError[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        code: 'UNKNOWN_FIELD',
        field: fieldPath([...issue.path, key]),
        message: `unknown field "${key}": remove it or check its spelling`,
      }));
    }
    const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
    return [
      {
        code: missing ? 'REQUIRED' : 'INVALID_VALUE',
        field: fieldPath(issue.path) || '(body)',
        message: missing ? 'this field is required' : issue.message,
      },
    ];
  });
}

/**
 * The spec's shape and defaults only, without the rules across fields. Teardown reads specs this way: a
 * build that was valid when it started must stay removable even if a later release tightens a rule.
 */
export function parseSpecShape(input: unknown): SpecResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { ok: false, errors: [{ code: 'INVALID_VALUE', field: '(body)', message: 'the build spec must be a JSON object' }] };
  }
  const parsed = BuildSpecSchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: shapeErrors(parsed.error.issues) };
  const base = parsed.data;
  return {
    ok: true,
    spec: {
      ...base,
      availabilityZones: base.availabilityZones ?? ['a', 'b', 'c'].map((suffix) => `${base.region}${suffix}`),
      keyName: base.keyName ?? `${base.name}-key`,
    },
  };
}

/** JSON Schema (draft-04, what API Gateway request models use) of the spec as clients send it. */
export function specJsonSchema(): Record<string, unknown> {
  return toJSONSchema(BuildSpecSchema, { target: 'draft-4', io: 'input', unrepresentable: 'any' });
}
