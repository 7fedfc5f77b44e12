import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROUTES } from '../../../functions/api/router';
import { BUILD_STATUSES } from '../../../functions/core/execution-status';
import { ARTIFACT_NAMES } from '../../../functions/core/artifacts';
import { specJsonSchema } from '../../../functions/core/spec';
import type { OrphansAnswer, PlanAnswer, SweepAnswer, VerifyAnswer } from '../../../functions/ops/contracts';
import { OPERATION_ROUTES } from '../../../functions/ops/router';

/** The parts of an OpenAPI 3.0 document these tests read. */
interface Schema {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
}
interface Content {
  schema: Schema;
}
interface Operation {
  'x-amazon-apigateway-auth'?: unknown;
  'x-amazon-apigateway-integration'?: { type?: string; httpMethod?: string; uri?: string };
  security?: unknown;
  requestBody?: { content: Record<string, Content> };
  parameters?: Array<{ name: string; schema: Schema }>;
  responses: Record<string, { content?: Record<string, Content> }>;
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string };
  /** path → method (or another path item field) → operation */
  paths: Record<string, Record<string, Operation | undefined>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, unknown> };
}

const doc = parse(readFileSync(join(__dirname, '../../../openapi.yaml'), 'utf8')) as OpenApiDocument;
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.keys(item)
    .filter((m) => METHODS.includes(m))
    .map((m) => `${m.toUpperCase()} ${path}`),
);
const operations = Object.values(doc.paths).flatMap((item) => METHODS.map((m) => item[m]).filter((op): op is Operation => Boolean(op)));

describe('openapi.yaml', () => {
  it('is an OpenAPI 3.0 document', () => {
    expect(doc.openapi).toMatch(/^3\.0\.\d+$/);
    expect(doc.info.title).toBe('k8s-ec2-builder');
  });

  it('documents every route the api and operations functions serve, and no other', () => {
    const served = [...ROUTES, ...OPERATION_ROUTES].map((r) => `${r.method} ${r.path}`);
    expect(documented.sort()).toEqual(served.sort());
  });

  it('integrates each route with the function that serves it', () => {
    const uriOf = (r: { method: string; path: string }) =>
      doc.paths[r.path][r.method.toLowerCase()]?.['x-amazon-apigateway-integration']?.uri;
    const invocations = (arn: string) => `:lambda:path/2015-03-31/functions/\${${arn}}/invocations`;
    for (const r of ROUTES) expect(uriOf(r)).toContain(invocations('ApiFunctionArn'));
    for (const r of OPERATION_ROUTES) expect(uriOf(r)).toContain(invocations('OperationsFunctionArn'));
  });

  // When the spec changes, replace components/schemas/BuildSpec with the output of:
  //   npx tsx scripts/sync-openapi.ts
  it('has BuildSpec equal to the JSON Schema of the shared spec', () => {
    const schema = Object.fromEntries(Object.entries(specJsonSchema()).filter(([key]) => key !== '$schema'));
    expect(doc.components.schemas.BuildSpec).toEqual(schema);
    expect(doc.paths['/builds'].post?.requestBody?.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/BuildSpec' });
  });

  it('requires SigV4 (IAM) on every operation', () => {
    expect(doc.components.securitySchemes.sigv4).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'Authorization',
      'x-amazon-apigateway-authtype': 'awsSigv4',
    });
    for (const op of operations) {
      expect(op['x-amazon-apigateway-auth']).toEqual({ type: 'AWS_IAM' });
      expect(op.security).toEqual([{ sigv4: [] }]);
      expect(op['x-amazon-apigateway-integration']).toMatchObject({ type: 'aws_proxy', httpMethod: 'POST' });
    }
  });

  it('describes every error response with the error shape', () => {
    for (const op of operations) {
      const errors = Object.entries(op.responses).filter(([code]) => Number(code) >= 400);
      expect(errors.length).toBeGreaterThan(0);
      for (const [, response] of errors)
        expect(response.content?.['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
    }
    expect(doc.components.schemas.Error.properties?.error.required).toEqual(['code', 'message']);
  });

  it('describes the operations answers as functions/ops/contracts.ts types them', () => {
    const answers: Array<[route: string, status: string, minimal: object, full: object]> = [
      ['POST /plans', '200', MINIMAL_PLAN, FULL_PLAN],
      ['POST /builds/{id}/verify', '200', MINIMAL_VERIFY, FULL_VERIFY],
      ['GET /orphans', '200', MINIMAL_ORPHANS, FULL_ORPHANS],
      ['POST /orphans/{buildId}/sweep', '200', SWEEP, SWEEP],
      ['POST /orphans/{buildId}/sweep', '202', SWEEP, SWEEP],
    ];
    for (const [route, status, minimal, full] of answers) {
      const [method, path] = route.split(' ');
      const schema = doc.paths[path][method.toLowerCase()]?.responses[status].content?.['application/json'].schema;
      expect(schema?.$ref).toMatch(/^#\/components\/schemas\/\w+Answer$/);
      checkAgainst(schema ?? {}, minimal, full, `${route} ${status}`);
    }
  });

  it('lists the statuses and artifact names the code uses', () => {
    expect(doc.components.schemas.Status.enum).toEqual([...BUILD_STATUSES]);
    const nameParam = doc.paths['/builds/{id}/artifacts/{name}'].get?.parameters?.find((p) => p.name === 'name');
    expect(nameParam?.schema.enum).toEqual([...ARTIFACT_NAMES]);
  });
});

/** Every optional field made required, all the way down: a sample of this type has every field the contract names. */
type Full<T> = T extends object ? { [K in keyof T]-?: Full<T[K]> } : T;

/** Only the fields the contracts require (tsc checks none is missing; none optional is added). */
const MINIMAL_PLAN: PlanAnswer = {
  plan: {
    buildId: '(known after build)',
    region: 'ap-northeast-2',
    resources: [{ step: 'CreateNetwork', type: 'vpc', name: 'dev-vpc', tags: { Name: 'dev-vpc' } }],
    summary: { create: 1, byType: { vpc: 1 } },
  },
  preflight: { passed: false, problems: [{ check: 'quota', message: 'too few vCPUs' }], checks: ['key pair'], notes: ['a note'] },
  estimate: {
    currency: 'USD',
    region: 'ap-northeast-2',
    hoursPerMonth: 720,
    lines: [{ item: 'NAT gateway', count: 1 }],
    knownHourlyUsd: 0,
    knownMonthlyUsd: 0,
    unknown: ['NAT gateway'],
    source: 'AWS Price List Query API, us-east-1',
    notes: ['traffic is not counted'],
  },
};
const FULL_PLAN: Full<PlanAnswer> = {
  ...MINIMAL_PLAN,
  plan: {
    ...MINIMAL_PLAN.plan,
    resources: [
      {
        step: 'CreateNetwork',
        type: 'security-group',
        name: 'dev-worker-sg',
        zone: 'ap-northeast-2a',
        cidr: '10.0.0.0/16',
        instanceType: 'm6i.large',
        rules: ['tcp 6443 from sg:nlb — Kubernetes API server'],
        listeners: ['TCP 6443 → control-plane:6443'],
        detail: 'a detail',
        tags: { Name: 'dev-worker-sg' },
      },
    ],
  },
  preflight: { ...MINIMAL_PLAN.preflight, problems: [{ check: 'quota', field: 'workers.count', message: 'too few vCPUs' }] },
  estimate: {
    ...MINIMAL_PLAN.estimate,
    lines: [{ item: 'instance m6i.large', count: 3, unitHourlyUsd: 0.1, hourlyUsd: 0.3, monthlyUsd: 216, note: 'EBS not counted' }],
  },
};
const MINIMAL_VERIFY: VerifyAnswer = {
  buildId: 'dev-20240101T000000Z-abcd',
  checkedAt: '2024-01-01T00:00:00.000Z',
  drift: [{ resource: 'instance dev-cp-1 (i-0abc)', field: 'metadataOptions.httpTokens', expected: 'required', actual: 'optional' }],
};
const FULL_VERIFY: Full<VerifyAnswer> = MINIMAL_VERIFY;
const MINIMAL_ORPHANS: OrphansAnswer = {
  checkedAt: '2024-01-01T00:00:00.000Z',
  region: 'ap-northeast-2',
  orphans: [{ buildId: 'dev-20240101T000000Z-abcd', reason: 'no execution found', resources: [{ type: 'vpc', id: 'vpc-0abc' }] }],
};
const FULL_ORPHANS: Full<OrphansAnswer> = {
  ...MINIMAL_ORPHANS,
  orphans: [
    {
      buildId: 'dev-20240101T000000Z-abcd',
      clusterName: 'dev',
      reason: 'build ROLLBACK_FAILED',
      ageSeconds: 3600,
      resources: [{ type: 'instance', id: 'i-0abc', name: 'dev-cp-1', role: 'control-plane', ageSeconds: 3600 }],
    },
  ],
};
const SWEEP: Full<SweepAnswer> = {
  buildId: 'dev-20240101T000000Z-abcd',
  status: 'DESTROYING',
  executionArn: 'arn:aws:states:ap-northeast-2:123456789012:execution:teardown:dev-20240101T000000Z-abcd-teardown',
  links: { orphans: '/orphans', console: 'https://console.aws.amazon.com/states/home' },
};

function resolve(schema: Schema): Schema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  expect(doc.components.schemas).toHaveProperty([name]);
  return resolve(doc.components.schemas[name]);
}

/**
 * Checks a schema against two samples of what the code answers: `minimal` holds exactly the fields the contract
 * requires (the schema's `required`), `full` every field (each must be in `properties`); follows $ref, object
 * properties and array items. A field the schema leaves untyped (Drift's expected/actual) may hold any JSON value.
 */
function checkAgainst(ref: Schema, minimal: unknown, full: unknown, at: string): void {
  const schema = resolve(ref);
  const types: Record<string, (value: unknown) => boolean> = {
    object: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
    array: Array.isArray,
    string: (v) => typeof v === 'string',
    number: (v) => typeof v === 'number',
    boolean: (v) => typeof v === 'boolean',
  };
  if (schema.type) expect({ at, type: schema.type, fits: types[schema.type](full) }).toEqual({ at, type: schema.type, fits: true });
  if (schema.enum) expect(schema.enum).toContain(full);
  if (schema.type === 'array' && schema.items && Array.isArray(full) && full.length > 0) {
    checkAgainst(schema.items, Array.isArray(minimal) ? minimal[0] : undefined, full[0], `${at}[]`);
  }
  if (!schema.properties || typeof full !== 'object' || full === null) return;
  const fullFields = full as Record<string, unknown>;
  const minimalFields = typeof minimal === 'object' && minimal !== null ? (minimal as Record<string, unknown>) : undefined;
  const required = [...(schema.required ?? [])].sort();
  if (minimalFields) expect({ at, required }).toEqual({ at, required: Object.keys(minimalFields).sort() });
  expect({ at, undocumented: Object.keys(fullFields).filter((key) => !(key in (schema.properties ?? {}))) }).toEqual({
    at,
    undocumented: [],
  });
  for (const [key, value] of Object.entries(fullFields)) {
    const property = schema.properties[key];
    if (property) checkAgainst(property, minimalFields?.[key], value, `${at}.${key}`);
  }
}
