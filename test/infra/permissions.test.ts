import * as path from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { build } from 'esbuild';
import { createApp, testAppProps } from '../../infra/application';
import { PROJECT_ROOT, type HandlerFunction } from '../../infra/functions';
import { nagResourceFinding } from '../../infra/nag';
import { DEPENDENT_PERMISSIONS } from '../../infra/dependent-permissions';
import { policyDocument } from '../../infra/iam';
import { NOTIFY_PERMISSIONS, operationsPermissions, orphanReportPermissions } from '../../infra/operations-permissions';
import { impliedFor, STEP_PERMISSIONS } from '../../infra/permissions';
import type { Grant } from '../../infra/iam';
import { STEP_FUNCTIONS, type StepFunctionId } from '../../workflows/steps';
import cdkJson from '../../cdk.json';
import { ofType, templateResources, type PolicyStatement as Statement } from './template';

const OWNED = 'k8s-ec2:managed-by';
const SDK_SERVICES: Record<string, string> = {
  'client-ec2': 'ec2',
  'client-elastic-load-balancing-v2': 'elasticloadbalancing',
  'client-iam': 'iam',
  'client-pricing': 'pricing',
  'client-service-quotas': 'servicequotas',
  'client-sfn': 'states',
  'client-secrets-manager': 'secretsmanager',
};
/** Permissions every function has for its own plumbing, not for the calls its handler makes. */
const PLUMBING = /^(xray|logs):/;
const READ_ONLY = /^(ec2:(Describe|GetEbs)|elasticloadbalancing:Describe|servicequotas:Get)/;
/** What the functions outside the workflows may call besides READ_ONLY: lists, prices, executions. */
const READS = new RegExp(`${READ_ONLY.source}|^(iam:List\\w+|pricing:GetProducts|states:DescribeExecution)$`);

/**
 * The AWS operations each handler's bundle can call: esbuild tree-shakes unused code, so an SDK command
 * module that still has bytes in the output is a command the handler sends (directly or via a paginator).
 */
async function bundledOperations(handlers: string[]): Promise<Record<string, string[]>> {
  const entryPoints = Object.fromEntries(handlers.map((h) => [h, path.join(PROJECT_ROOT, 'functions', 'handlers', `${h}.ts`)]));
  const result = await build({
    entryPoints,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    mainFields: ['module', 'main'],
    outdir: 'out',
    logLevel: 'silent',
  });
  const operations: Record<string, string[]> = {};
  for (const output of Object.values(result.metafile.outputs)) {
    if (!output.entryPoint) continue;
    const handler = path.basename(output.entryPoint, '.ts');
    const found = new Set<string>();
    for (const [input, info] of Object.entries(output.inputs)) {
      const m = /@aws-sdk\/([^/]+)\/dist-es\/commands\/(\w+)Command\.js$/.exec(input);
      if (m && info.bytesInOutput > 0 && SDK_SERVICES[m[1]]) found.add(`${SDK_SERVICES[m[1]]}:${m[2]}`);
    }
    operations[handler] = [...found].sort();
  }
  return operations;
}

const { stack } = createApp(testAppProps(cdkJson.context, { slackWebhookSecretName: 'k8s-ec2/slack-webhook' }));
const resources = templateResources(Template.fromStack(stack));

function statementsOf(fn: HandlerFunction): Statement[] {
  const roleId = stack.getLogicalId(fn.role.node.defaultChild as CfnElement);
  return ofType(resources, 'AWS::IAM::Policy')
    .filter(([, p]) => p.Roles.some((ref) => ref.Ref === roleId))
    .flatMap(([, p]) => p.PolicyDocument.Statement);
}
const actionsOf = (s: Statement) => [s.Action].flat();

const ACCOUNT = '123456789012';
/** A template value with the pseudo parameters resolved in one account (Fn::Sub and Fn::Join forms). */
function resolveIn(node: unknown): string {
  const pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::AccountId': ACCOUNT };
  if (typeof node === 'string') return node.replace(/\$\{(AWS::\w+)\}/g, (_m, name: string) => pseudo[name] ?? `<${name}>`);
  const o = node as { 'Fn::Sub'?: unknown; 'Fn::Join'?: [string, unknown[]]; Ref?: string };
  if (o['Fn::Sub']) return resolveIn(o['Fn::Sub']);
  if (o['Fn::Join']) return o['Fn::Join'][1].map(resolveIn).join(o['Fn::Join'][0]);
  if (o.Ref) return pseudo[o.Ref] ?? `<${o.Ref}>`;
  return JSON.stringify(node);
}
/** Statements as (action, resource, condition) triples: equal sets mean equal permissions, however CDK merged them. */
function triples(statements: Statement[]): string[] {
  const out = statements.flatMap((s) =>
    actionsOf(s)
      .filter((a) => !PLUMBING.test(a))
      .flatMap((action) =>
        [s.Resource].flat().map((r) => JSON.stringify({ action, resource: resolveIn(r), condition: s.Condition ?? null })),
      ),
  );
  return [...new Set(out)].sort();
}
const resourcesOf = (s: Statement) => [s.Resource].flat().map(nagResourceFinding);

const functions: Array<[string, HandlerFunction]> = [
  ...(Object.keys(STEP_FUNCTIONS) as StepFunctionId[]).map((id): [string, HandlerFunction] => [
    STEP_FUNCTIONS[id].handler,
    stack.steps.steps[id],
  ]),
  ['api', stack.apiFunction],
  ['notify', stack.notifyFunction],
  ['operations', stack.operationsFunction],
  ['orphan-report', stack.orphanReport.fn],
];

/** The functions outside the workflows whose role is a table of infra/operations-permissions.ts. */
const tables: Array<[string, HandlerFunction, Grant[]]> = [
  ['operations', stack.operationsFunction, operationsPermissions(stack.workflowArns)],
  ['orphan-report', stack.orphanReport.fn, orphanReportPermissions(stack.workflowArns)],
];
/** The Slack webhook secret, granted by the stack from its config (test/infra/stack.test.ts checks it), not a table row. */
const notWebhookSecret = (s: Statement) => !actionsOf(s).includes('secretsmanager:GetSecretValue');
/** A table as template statements: its tokens (the state machines' ARNs) resolved as the template holds them. */
const tableStatements = (grants: Grant[]) => stack.resolve(policyDocument(grants, 'aws', ACCOUNT).Statement) as Statement[];

describe('least-privilege function permissions', () => {
  let used: Record<string, string[]>;
  beforeAll(async () => {
    used = await bundledOperations(functions.map(([handler]) => handler));
  });

  it.each(functions)('grants %s exactly the AWS calls its bundle makes (plus what AWS checks besides them)', (handler, fn) => {
    const granted = new Set(
      statementsOf(fn)
        .flatMap(actionsOf)
        .filter((a) => !PLUMBING.test(a)),
    );
    const calls = used[handler];
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((a) => !granted.has(a))).toEqual([]);
    const implied = impliedFor(calls);
    const unused = [...granted].filter((a) => !calls.includes(a) && !implied.includes(a));
    expect(unused).toEqual([]);
  });

  const steps = (Object.keys(STEP_FUNCTIONS) as StepFunctionId[]).map((id): [string, HandlerFunction] => [id, stack.steps.steps[id]]);

  it.each(steps)('%s: the synthesized role policy is exactly the permission table the embedded cloud enforces', (id, fn) => {
    const table = policyDocument(STEP_PERMISSIONS[id as StepFunctionId], 'aws', ACCOUNT).Statement as Statement[];
    expect(triples(statementsOf(fn))).toEqual(triples(table));
  });

  it.each(tables)('%s: the synthesized role policy is exactly its table in infra/operations-permissions.ts', (_name, fn, grants) => {
    expect(triples(statementsOf(fn).filter(notWebhookSecret))).toEqual(triples(tableStatements(grants)));
  });

  it('grants notify the price list (the cost estimate of its success message), and no other AWS call besides its secret', () => {
    const statements = statementsOf(stack.notifyFunction).filter(notWebhookSecret);
    expect(triples(statements)).toEqual(triples(tableStatements(NOTIFY_PERMISSIONS)));
    const pricing = statements.find((s) => actionsOf(s).includes('pricing:GetProducts'));
    expect(resourcesOf(pricing!)).toEqual(['*']);
  });

  it.each(tables)('%s: reads only, apart from starting the teardown workflow', (_name, fn) => {
    const teardown = stack.resolve(stack.workflowArns.teardownStateMachine) as unknown;
    for (const s of statementsOf(fn).filter(notWebhookSecret)) {
      const writes = actionsOf(s).filter((a) => !READS.test(a) && !PLUMBING.test(a));
      if (writes.length === 0) continue;
      // The sweep: StartExecution of the teardown machine, whose steps delete under their own roles.
      expect(writes).toEqual(['states:StartExecution']);
      expect([s.Resource].flat()).toEqual([teardown]);
    }
  });

  it.each(functions)(
    '%s: the role holds, on Resource "*", every permission AWS checks besides the ELB calls its bundle makes',
    (handler, fn) => {
      const granted = new Set(
        statementsOf(fn)
          .filter((s) => resourcesOf(s).includes('*'))
          .flatMap(actionsOf),
      );
      const required = used[handler].flatMap((call) => DEPENDENT_PERMISSIONS[call]?.requires ?? []);
      expect(required.filter((action) => !granted.has(action))).toEqual([]);
      if (used[handler].includes('elasticloadbalancing:CreateLoadBalancer')) expect(required.length).toBeGreaterThan(0);
    },
  );

  it("grants CreateLoadBalancer's role the service-linked role ELB creates on the account's first load balancer", () => {
    const slr = statementsOf(stack.steps.steps.createLoadBalancer).find((s) => actionsOf(s).includes('iam:CreateServiceLinkedRole'));
    expect(slr?.Condition).toEqual({ StringEquals: { 'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com' } });
    expect(resourcesOf(slr!)).toEqual([
      'arn:<AWS::Partition>:iam::<AWS::AccountId>:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing',
    ]);
  });

  it.each(steps)(
    '%s: a statement on Resource "*" holds only read-only or plumbing actions, or what AWS checks besides a call the role makes',
    (_id, fn) => {
      // E.g. route53:AssociateVPCWithHostedZone for ec2:CreateVpcEndpoint: AWS's own hosted zone, no resource of ours.
      const dependent = new Set(
        statementsOf(fn)
          .flatMap(actionsOf)
          .flatMap((action) => DEPENDENT_PERMISSIONS[action]?.requires ?? []),
      );
      for (const s of statementsOf(fn).filter((st) => resourcesOf(st).includes('*'))) {
        expect(actionsOf(s).filter((a) => !READ_ONLY.test(a) && !PLUMBING.test(a) && !dependent.has(a))).toEqual([]);
      }
    },
  );

  it.each(steps)('%s: every mutating EC2/ELB statement requires our tag, on the request or on the resource', (_id, fn) => {
    for (const s of statementsOf(fn)) {
      const mutating = actionsOf(s).filter((a) => /^(ec2|elasticloadbalancing):/.test(a) && !READ_ONLY.test(a));
      if (mutating.length === 0) continue;
      // The one exception: RunInstances reading the spec's AMI and key pair, which are not ours.
      if (actionsOf(s).join() === 'ec2:RunInstances' && resourcesOf(s).every((r) => /:(image|key-pair)\/\*$/.test(r))) {
        expect(s.Condition).toBeUndefined();
        continue;
      }
      // And attaching the VPC to the spec's Transit Gateway: the network team's, often in another account, never tagged by us.
      if (actionsOf(s).join() === 'ec2:CreateTransitGatewayVpcAttachment' && resourcesOf(s).every((r) => /:transit-gateway\/\*$/.test(r))) {
        expect(s.Condition).toBeUndefined();
        continue;
      }
      const tagCondition =
        s.Condition?.StringEquals?.[`aws:RequestTag/${OWNED}`] ?? s.Condition?.StringEquals?.[`aws:ResourceTag/${OWNED}`];
      expect({ actions: mutating, tagCondition }).toEqual({ actions: mutating, tagCondition: 'k8s-ec2-builder' });
    }
  });

  it.each(steps)('%s: tags can be written only while our own create action runs, or a Name on an instance of ours', (_id, fn) => {
    for (const s of statementsOf(fn)) {
      if (actionsOf(s).includes('ec2:CreateTags')) {
        expect(actionsOf(s)).toEqual(['ec2:CreateTags']);
        if (s.Condition?.StringEquals?.['ec2:CreateAction'] === undefined) {
          // LaunchNodes names the instances of a group launch (resources/node-launch.ts): nothing but Name, only on ours.
          expect(s.Condition).toEqual({
            StringEquals: { [`aws:ResourceTag/${OWNED}`]: 'k8s-ec2-builder' },
            'ForAllValues:StringEquals': { 'aws:TagKeys': ['Name'] },
          });
          expect(resourcesOf(s).every((r) => r.endsWith(':instance/*'))).toBe(true);
          continue;
        }
        expect(s.Condition?.StringEquals?.[`aws:RequestTag/${OWNED}`]).toBe('k8s-ec2-builder');
      }
      if (actionsOf(s).includes('elasticloadbalancing:AddTags')) {
        expect(actionsOf(s)).toEqual(['elasticloadbalancing:AddTags']);
        expect(s.Condition?.StringEquals?.['elasticloadbalancing:CreateAction']).toBeDefined();
      }
    }
  });

  it.each([
    ['instance/*', `aws:RequestTag/${OWNED}`],
    ['volume/*', `aws:RequestTag/${OWNED}`],
    ['network-interface/*', `aws:RequestTag/${OWNED}`],
    ['subnet/*', `aws:ResourceTag/${OWNED}`],
    ['security-group/*', `aws:ResourceTag/${OWNED}`],
  ])('RunInstances on %s is conditioned on %s', (resource, key) => {
    const statement = statementsOf(stack.steps.steps.launchNodes).find(
      (s) => actionsOf(s).includes('ec2:RunInstances') && resourcesOf(s).some((r) => r.endsWith(`:${resource}`)),
    );
    expect(statement?.Condition?.StringEquals?.[key]).toBe('k8s-ec2-builder');
  });

  it('keeps teardown steps from creating and read-only steps from changing anything', () => {
    const actions = (id: StepFunctionId) =>
      statementsOf(stack.steps.steps[id])
        .flatMap(actionsOf)
        .filter((a) => !PLUMBING.test(a));
    for (const id of ['teardownNetwork', 'teardownInstances', 'teardownLoadBalancer'] as const) {
      expect(actions(id).filter((a) => /:(Create|Run|Allocate|Authorize)/.test(a))).toEqual([]);
    }
    for (const id of ['preflight', 'verifyBaseline'] as const) expect(actions(id).filter((a) => !READ_ONLY.test(a))).toEqual([]);
  });
});
