import { Fn, Token } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Grant, ResourcePattern } from './iam';

/**
 * A grant of the plain permission table (infra/permissions.ts) as a CDK statement. Patterns that name
 * `${AWS::Partition}` / `${AWS::AccountId}` become `Fn::Sub`, so the template resolves them in the
 * deploying account, while the embedded cloud substitutes its own (the same table, enforced offline).
 */
export function policyStatement(grant: Grant): PolicyStatement {
  return new PolicyStatement({
    effect: Effect.ALLOW,
    actions: grant.actions,
    resources: grant.resources.map(renderPattern),
    conditions: grant.conditions,
  });
}

export function renderPattern(resource: ResourcePattern): string {
  // A CDK token (a state machine's ARN, infra/operations-permissions.ts) renders itself; only plain patterns are Fn::Sub'd.
  if (Token.isUnresolved(resource)) return resource;
  return resource.includes('${') ? Fn.sub(resource) : resource;
}
