import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROUTES } from '../../../functions/api/router';
import { BUILD_STATUSES } from '../../../functions/core/execution-status';
import { ARTIFACT_NAMES } from '../../../functions/core/artifacts';
import { specJsonSchema } from '../../../functions/core/spec';

/** The parts of an OpenAPI 3.0 document these tests read. */
interface Schema {
  $ref?: string;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, Schema>;
}
interface Content {
  schema: Schema;
}
interface Operation {
  'x-amazon-apigateway-auth'?: unknown;
  'x-amazon-apigateway-integration'?: unknown;
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

  it('documents every route the api handler serves, and no other', () => {
    expect(documented.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
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

  it('lists the statuses and artifact names the code uses', () => {
    expect(doc.components.schemas.Status.enum).toEqual([...BUILD_STATUSES]);
    const nameParam = doc.paths['/builds/{id}/artifacts/{name}'].get?.parameters?.find((p) => p.name === 'name');
    expect(nameParam?.schema.enum).toEqual([...ARTIFACT_NAMES]);
  });
});
