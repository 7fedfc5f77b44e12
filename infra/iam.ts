import { Aws } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { MANAGED_BY, TAG } from '../functions/core/tags';

/**
 * Building blocks for the step functions' IAM policies. Every mutating EC2/ELB statement is bound to the
 * tag every resource we create carries (`k8s-ec2:managed-by=k8s-ec2-builder`, DESIGN §4):
 * - creates require it in the request (`aws:RequestTag`), and the implicit tag-on-create authorisation
 *   (`ec2:CreateTags` / `elasticloadbalancing:AddTags`) is allowed only *during* our create actions
 *   (`ec2:CreateAction` / `elasticloadbalancing:CreateAction`), so no role can tag an existing resource
 *   into ownership;
 * - changes and deletes require it on the resource (`aws:ResourceTag`, which EC2 and ELBv2 both document
 *   for these actions alongside their older `ec2:`/`elasticloadbalancing:ResourceTag` keys).
 * ARNs name every region (`*`): the build spec chooses the region, not the stack.
 */

/** An ARN pattern (a string, possibly with partition/account tokens). */
export type ResourcePattern = string;

/** One statement plus why it needs wildcards; the reason becomes its cdk-nag acknowledgements. */
export interface Grant {
  statement: PolicyStatement;
  resources: ResourcePattern[];
  reason: string;
}

export const OWNED_TAG_KEY = TAG.managedBy;
export const OWNED_TAG_VALUE = MANAGED_BY;

function pattern(service: string, resource: string): ResourcePattern {
  return `arn:${Aws.PARTITION}:${service}:*:${Aws.ACCOUNT_ID}:${resource}`;
}

export const ALL: ResourcePattern = '*';

/** `arn:…:ec2:*:<account>:<type>/*` — EC2 assigns IDs on create, so policies can only name the type. */
export const ec2 = (type: string): ResourcePattern => pattern('ec2', `${type}/*`);
/** Public and shared AMIs live in other accounts: an image ARN has no account. */
export const ec2Image: ResourcePattern = `arn:${Aws.PARTITION}:ec2:*::image/*`;

export const elb = {
  loadBalancer: pattern('elasticloadbalancing', 'loadbalancer/net/*/*'),
  targetGroup: pattern('elasticloadbalancing', 'targetgroup/*/*'),
  listener: pattern('elasticloadbalancing', 'listener/net/*/*/*'),
};

const requestTagged = { StringEquals: { [`aws:RequestTag/${OWNED_TAG_KEY}`]: OWNED_TAG_VALUE } };
const resourceTagged = { StringEquals: { [`aws:ResourceTag/${OWNED_TAG_KEY}`]: OWNED_TAG_VALUE } };

function grant(actions: string[], resources: ResourcePattern[], reason: string, conditions?: Record<string, unknown>): Grant {
  const statement = new PolicyStatement({ effect: Effect.ALLOW, actions, resources, conditions });
  return { statement, resources, reason };
}

/** Read-only calls that IAM cannot scope: Describe* and GetServiceQuota support no resource-level permissions. */
export function readOnly(actions: string[]): Grant {
  return grant(actions, [ALL], `${actions.join(', ')}: these read-only actions support no resource-level permissions, so the Service Authorization Reference requires Resource "*"`);
}

export interface CreateOptions {
  /** Resource types the action creates; the request must carry our tag for each. */
  creates: ResourcePattern[];
  /** Existing resources of ours the action uses (the VPC a subnet goes into…), allowed only when tagged as ours. */
  usesOwned?: ResourcePattern[];
  /** Existing resources that are not ours (AMI, key pair), used read-only. */
  usesForeign?: ResourcePattern[];
}

/** An EC2 create action: tagged on create, into resources of ours, and `ec2:CreateTags` only as part of it. */
export function ec2Create(action: string, options: CreateOptions): Grant[] {
  const grants = [
    grant([`ec2:${action}`], options.creates, `ec2:${action} creates resources whose IDs do not exist yet; allowed only when the request tags them ${OWNED_TAG_KEY}=${OWNED_TAG_VALUE}`, requestTagged),
    grant(['ec2:CreateTags'], options.creates, `ec2:CreateTags only while ec2:${action} creates the resource (ec2:CreateAction) and only with our ownership tag; existing resources cannot be tagged`, {
      StringEquals: { 'ec2:CreateAction': action, [`aws:RequestTag/${OWNED_TAG_KEY}`]: OWNED_TAG_VALUE },
    }),
  ];
  if (options.usesOwned?.length) grants.push(ec2Owned([action], options.usesOwned));
  if (options.usesForeign?.length) {
    grants.push(grant([`ec2:${action}`], options.usesForeign, `ec2:${action} reads the AMI and key pair named in the build spec; they belong to Red Hat or the user, not to this tool, so they carry no tag of ours`));
  }
  return grants;
}

/** Changes to or deletes of existing EC2 resources: only those tagged as ours. */
export function ec2Owned(actions: string[], resources: ResourcePattern[]): Grant {
  const named = actions.map((a) => (a.includes(':') ? a : `ec2:${a}`));
  return grant(named, resources, `${named.join(', ')} act on resources created by a build, whose IDs are known only at run time; allowed only on resources tagged ${OWNED_TAG_KEY}=${OWNED_TAG_VALUE} (aws:ResourceTag)`, resourceTagged);
}

/** An ELBv2 create action: tagged on create, `elasticloadbalancing:AddTags` only as part of it. */
export function elbCreate(action: string, creates: ResourcePattern, usesOwned: ResourcePattern[] = []): Grant[] {
  const grants = [
    grant([`elasticloadbalancing:${action}`], [creates], `elasticloadbalancing:${action} creates a resource whose ARN does not exist yet; allowed only when the request tags it ${OWNED_TAG_KEY}=${OWNED_TAG_VALUE}`, requestTagged),
    grant(['elasticloadbalancing:AddTags'], [creates], `elasticloadbalancing:AddTags only while ${action} creates the resource (elasticloadbalancing:CreateAction) and only with our ownership tag`, {
      StringEquals: { 'elasticloadbalancing:CreateAction': action, [`aws:RequestTag/${OWNED_TAG_KEY}`]: OWNED_TAG_VALUE },
    }),
  ];
  if (usesOwned.length) grants.push(elbOwned([action], usesOwned));
  return grants;
}

/** Changes to or deletes of existing load balancers, listeners and target groups tagged as ours. */
export function elbOwned(actions: string[], resources: ResourcePattern[]): Grant {
  const named = actions.map((a) => `elasticloadbalancing:${a}`);
  return grant(named, resources, `${named.join(', ')} act on load balancer resources created by a build; allowed only on resources tagged ${OWNED_TAG_KEY}=${OWNED_TAG_VALUE} (aws:ResourceTag)`, resourceTagged);
}

/**
 * The first load balancer in an account makes ELB create its service-linked role, which needs this
 * permission on the caller (ELB User Guide, "Service-linked role"). Scoped to that one role and service.
 */
export function elbServiceLinkedRole(): Grant {
  const role: ResourcePattern = `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing`;
  return grant(['iam:CreateServiceLinkedRole'], [role], 'ELB creates its service-linked role on the first load balancer of an account', {
    StringEquals: { 'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com' },
  });
}
