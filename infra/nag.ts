import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { Grant } from './iam';
import { renderPattern } from './policy-statements';

/**
 * cdk-nag (AwsSolutions) acknowledgements, one per finding, each with its reason. The pack runs at synth
 * (`Validations.of(app).addPlugins(new AwsSolutionsChecks(app))` in infra/application.ts) and any finding
 * not acknowledged here fails `cdk synth`. Acknowledgements sit on the narrowest construct that owns the
 * finding, so a new resource elsewhere cannot hide behind them.
 */

export type Acknowledgement = { id: string; reason: string };

export function acknowledge(scope: IConstruct, ...acks: Acknowledgement[]): void {
  Validations.of(scope).acknowledge(...acks);
}

/** The IAM5 wildcard findings of a function's grants: each ARN pattern with the reason beside its statement. */
export function acknowledgeGrants(scope: IConstruct, grants: Grant[]): void {
  for (const grant of grants) {
    for (const resource of grant.resources) acknowledgeWildcardResource(scope, renderPattern(resource), grant.reason);
  }
}

/** Acknowledges `AwsSolutions-IAM5[Resource::…]` for one resource (string or token) if it has a wildcard. */
export function acknowledgeWildcardResource(scope: IConstruct, resource: string, reason: string): void {
  const finding = nagResourceFinding(Stack.of(scope).resolve(resource));
  if (finding.includes('*')) acknowledge(scope, { id: `AwsSolutions-IAM5[Resource::${finding}]`, reason });
}

/**
 * How cdk-nag prints a resource in a finding id: Fn::Join flattened, Ref as <Name>, GetAtt as
 * <LogicalId.Attr>, `${x}` of Fn::Sub as <x> (same rules as cdk-nag's flattenCfnReference).
 */
export function nagResourceFinding(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const o = node as {
    'Fn::Join'?: [string, unknown[]];
    'Fn::Sub'?: unknown;
    'Fn::GetAtt'?: [unknown, unknown];
    'Fn::ImportValue'?: unknown;
    Ref?: unknown;
  };
  if (o['Fn::Join']) return o['Fn::Join'][1].map(nagResourceFinding).join(o['Fn::Join'][0]);
  if (o['Fn::Sub']) return nagResourceFinding(o['Fn::Sub']);
  if (o['Fn::GetAtt']) return `<${nagResourceFinding(o['Fn::GetAtt'][0])}.${nagResourceFinding(o['Fn::GetAtt'][1])}>`;
  if (o['Fn::ImportValue']) return nagResourceFinding(o['Fn::ImportValue']);
  if (o.Ref) return `<${nagResourceFinding(o.Ref)}>`;
  return JSON.stringify(node);
}

export const NAG_REASONS = {
  sfnLogDelivery:
    'Step Functions logging to CloudWatch Logs uses the vended-log delivery APIs (logs:CreateLogDelivery, PutResourcePolicy, DescribeLogGroups…), which support no resource-level permissions; the Step Functions Developer Guide policy uses Resource "*"',
  sfnXray: 'X-Ray tracing of the state machine (xray:PutTraceSegments, GetSamplingRules…) supports no resource-level permissions',
  apiWaf:
    'The API accepts only SigV4-signed requests from IAM principals of this account (AuthorizationType IAM), is throttled per stage and validates the request body; a WAF web ACL adds cost without closing a gap for an operator-only API. Attach one at the stage if the API must face untrusted networks.',
  apiCognito:
    'Callers are operators and automation with IAM credentials; IAM (SigV4) authorisation is the design (docs/design.md "9.4 The deployed stack"), so a Cognito user pool authorizer would add a second identity system',
  apiCloudWatchRole:
    'AmazonAPIGatewayPushToCloudWatchLogs is the AWS-maintained policy for the account-level role API Gateway uses to write execution and access logs (API Gateway Developer Guide); it grants only CloudWatch Logs actions',
  apiExecutionsWildcard:
    "Execution ARNs contain the execution name (= build id), chosen at request time; the pattern is limited to executions of this stack's two state machines",
} as const;
