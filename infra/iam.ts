import { EBS_CUSTOMER_KEY_ACTIONS } from '../functions/core/ebs-kms';
import { MANAGED_BY, TAG } from '../functions/core/tags';
import { SERVICE_LINKED_ROLES, type ServiceLinkedRoleDependency } from './dependent-permissions';

/**
 * Building blocks for the step functions' IAM policies, as plain data: no CDK here, because the same
 * grants are rendered by the stack (infra/functions.ts) and enforced by the embedded cloud on every request
 * (local/cloud/iam/), so that "offline green" means "a real account would allow this" (docs/design.md "9.5 IAM model").
 *
 * Every mutating EC2/ELB statement is bound to the tag every resource we create carries
 * (`k8s-ec2:managed-by=k8s-ec2-builder`, docs/design.md "4.2 Tags"):
 * - creates require it in the request (`aws:RequestTag`), and the implicit tag-on-create authorisation
 *   (`ec2:CreateTags` / `elasticloadbalancing:AddTags`) is allowed only *during* our create actions
 *   (`ec2:CreateAction` / `elasticloadbalancing:CreateAction`), so no role can tag an existing resource
 *   into ownership;
 * - changes and deletes require it on the resource (`aws:ResourceTag`, which EC2 and ELBv2 both document
 *   for these actions alongside their older `ec2:`/`elasticloadbalancing:ResourceTag` keys).
 * ARNs name every region (`*`): the build spec chooses the region, not the stack.
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html
 * @see https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/elb-api-permissions.html
 */

/**
 * An ARN pattern. Partition and account are CloudFormation pseudo parameters written the `Fn::Sub` way
 * (`${AWS::Partition}`, `${AWS::AccountId}`): the stack renders them with Fn::Sub, the embedded cloud
 * substitutes its own partition and account (see `resolvePattern`).
 */
export type ResourcePattern = string;

/** IAM condition block: operator → key → value(s). */
export type Conditions = Record<string, Record<string, string | string[]>>;

/** One Allow statement plus why it needs wildcards (the reason becomes its cdk-nag acknowledgements). */
export interface Grant {
  actions: string[];
  resources: ResourcePattern[];
  conditions?: Conditions;
  reason: string;
}

/** An IAM policy document as AWS reads it (what the embedded cloud evaluates and the template holds). */
export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: Array<{ Effect: 'Allow'; Action: string[]; Resource: string[]; Condition?: Conditions }>;
}

export const OWNED_TAG_KEY = TAG.managedBy;
export const OWNED_TAG_VALUE = MANAGED_BY;

const PARTITION = '${AWS::Partition}';
const ACCOUNT = '${AWS::AccountId}';

function pattern(service: string, resource: string): ResourcePattern {
  return `arn:${PARTITION}:${service}:*:${ACCOUNT}:${resource}`;
}

/** The ARN pattern with the pseudo parameters replaced, as IAM sees it in one account. */
export function resolvePattern(resource: ResourcePattern, partition: string, account: string): string {
  return resource.split(PARTITION).join(partition).split(ACCOUNT).join(account);
}

/** The grants as one identity-based policy document for an account (what the embedded cloud enforces). */
export function policyDocument(grants: Grant[], partition: string, account: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: grants.map((g) => ({
      Effect: 'Allow',
      Action: [...g.actions],
      Resource: g.resources.map((r) => resolvePattern(r, partition, account)),
      ...(g.conditions && { Condition: structuredClone(g.conditions) }),
    })),
  };
}

export const ALL: ResourcePattern = '*';

/** `arn:…:ec2:*:<account>:<type>/*` — EC2 assigns IDs on create, so policies can only name the type. */
export const ec2 = (type: string): ResourcePattern => pattern('ec2', `${type}/*`);
/** A resource that may belong to another account (shared through RAM): any account in the ARN. */
export const ec2OfAnyAccount = (type: string): ResourcePattern => `arn:${PARTITION}:ec2:*:*:${type}/*`;
/** Public and shared AMIs live in other accounts: an image ARN has no account. */
export const ec2Image: ResourcePattern = `arn:${PARTITION}:ec2:*::image/*`;
/** Any KMS key of this account (the account's default EBS key is chosen by its owner, not by us). */
export const kmsKey: ResourcePattern = pattern('kms', 'key/*');

export const elb = {
  loadBalancer: pattern('elasticloadbalancing', 'loadbalancer/net/*/*'),
  targetGroup: pattern('elasticloadbalancing', 'targetgroup/*/*'),
  listener: pattern('elasticloadbalancing', 'listener/net/*/*/*'),
};

/** Only requests that tag what they create as ours (aws:RequestTag). */
export const requestTagged: Conditions = { StringEquals: { [`aws:RequestTag/${OWNED_TAG_KEY}`]: OWNED_TAG_VALUE } };
/** Only resources already tagged as ours (aws:ResourceTag). */
export const resourceTagged: Conditions = { StringEquals: { [`aws:ResourceTag/${OWNED_TAG_KEY}`]: OWNED_TAG_VALUE } };

function grant(actions: string[], resources: ResourcePattern[], reason: string, conditions?: Conditions): Grant {
  return { actions, resources, reason, ...(conditions && { conditions }) };
}

/** Read-only calls that IAM cannot scope: Describe* and GetServiceQuota support no resource-level permissions. */
export function readOnly(actions: string[]): Grant {
  return grant(
    actions,
    [ALL],
    `${actions.join(', ')}: these read-only actions support no resource-level permissions, so the Service Authorization Reference requires Resource "*"`,
  );
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
    grant(
      [`ec2:${action}`],
      options.creates,
      `ec2:${action} creates resources whose IDs do not exist yet; allowed only when the request tags them ${OWNED_TAG_KEY}=${OWNED_TAG_VALUE}`,
      requestTagged,
    ),
    grant(
      ['ec2:CreateTags'],
      options.creates,
      `ec2:CreateTags only while ec2:${action} creates the resource (ec2:CreateAction) and only with our ownership tag; existing resources cannot be tagged`,
      {
        StringEquals: { 'ec2:CreateAction': action, [`aws:RequestTag/${OWNED_TAG_KEY}`]: OWNED_TAG_VALUE },
      },
    ),
  ];
  if (options.usesOwned?.length) grants.push(ec2Owned([action], options.usesOwned));
  if (options.usesForeign?.length) {
    grants.push(
      grant(
        [`ec2:${action}`],
        options.usesForeign,
        `ec2:${action} reads the AMI and key pair named in the build spec; they belong to Red Hat or the user, not to this tool, so they carry no tag of ours`,
      ),
    );
  }
  return grants;
}

/** Changes to or deletes of existing EC2 resources: only those tagged as ours. */
export function ec2Owned(actions: string[], resources: ResourcePattern[]): Grant {
  const named = actions.map((a) => (a.includes(':') ? a : `ec2:${a}`));
  return grant(
    named,
    resources,
    `${named.join(', ')} act on resources created by a build, whose IDs are known only at run time; allowed only on resources tagged ${OWNED_TAG_KEY}=${OWNED_TAG_VALUE} (aws:ResourceTag)`,
    resourceTagged,
  );
}

/**
 * What AWS checks on the caller besides an action it calls (infra/dependent-permissions.ts), e.g. the
 * Route 53 association an interface endpoint with private DNS makes in AWS's own hosted zone: no resource
 * of ours is involved, so Resource "*".
 */
export function dependentOf(action: string, requires: readonly string[], source: string): Grant {
  return grant([...requires], [ALL], `AWS authorises ${requires.join(', ')} on the caller when ${action} runs (${source})`);
}

/**
 * Existing resources that are not ours and that an action uses (a Transit Gateway owned by a network team,
 * often in another account and shared through RAM): they carry no tag of ours, so only the action and the
 * resource type narrow the grant; `why` says which resource and for what.
 */
export function ec2Foreign(actions: string[], resources: ResourcePattern[], why: string): Grant {
  return grant(
    actions.map((a) => `ec2:${a}`),
    resources,
    why,
  );
}

/**
 * The one tag change on existing resources any role may make: the `Name` key alone (`aws:TagKeys`), on
 * resources already tagged as ours (`aws:ResourceTag`) — a group launch names each of its instances after
 * RunInstances, because one TagSpecification cannot give each instance its own Name. Ownership tags can
 * still be written only during our creates.
 */
export function ec2RenameOwned(resources: ResourcePattern[]): Grant {
  return grant(
    ['ec2:CreateTags'],
    resources,
    `ec2:CreateTags only for the Name key (aws:TagKeys) and only on resources tagged ${OWNED_TAG_KEY}=${OWNED_TAG_VALUE} (aws:ResourceTag): names each node of a group launch`,
    {
      StringEquals: { [`aws:ResourceTag/${OWNED_TAG_KEY}`]: OWNED_TAG_VALUE },
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['Name'] },
    },
  );
}

/** An ELBv2 create action: tagged on create, `elasticloadbalancing:AddTags` only as part of it. */
export function elbCreate(action: string, creates: ResourcePattern): Grant[] {
  return [
    grant(
      [`elasticloadbalancing:${action}`],
      [creates],
      `elasticloadbalancing:${action} creates a resource whose ARN does not exist yet; allowed only when the request tags it ${OWNED_TAG_KEY}=${OWNED_TAG_VALUE}`,
      requestTagged,
    ),
    grant(
      ['elasticloadbalancing:AddTags'],
      [creates],
      `elasticloadbalancing:AddTags only while ${action} creates the resource (elasticloadbalancing:CreateAction) and only with our ownership tag`,
      {
        StringEquals: { 'elasticloadbalancing:CreateAction': action, [`aws:RequestTag/${OWNED_TAG_KEY}`]: OWNED_TAG_VALUE },
      },
    ),
  ];
}

/**
 * CreateListener is authorised on the load balancer it goes on (the action's only resource type in the
 * Service Authorization Reference), which must be ours, with our tag requested for the new listener; the
 * listener's tag-on-create is `elasticloadbalancing:AddTags` on the listener.
 */
export function elbCreateListener(): Grant[] {
  return [
    grant(
      ['elasticloadbalancing:CreateListener'],
      [elb.loadBalancer],
      `elasticloadbalancing:CreateListener adds a listener to a load balancer created by a build (aws:ResourceTag) and only with our ownership tag on the listener (aws:RequestTag)`,
      {
        StringEquals: { [`aws:ResourceTag/${OWNED_TAG_KEY}`]: OWNED_TAG_VALUE, [`aws:RequestTag/${OWNED_TAG_KEY}`]: OWNED_TAG_VALUE },
      },
    ),
    grant(
      ['elasticloadbalancing:AddTags'],
      [elb.listener],
      'elasticloadbalancing:AddTags only while CreateListener creates the listener (elasticloadbalancing:CreateAction) and only with our ownership tag',
      {
        StringEquals: { 'elasticloadbalancing:CreateAction': 'CreateListener', [`aws:RequestTag/${OWNED_TAG_KEY}`]: OWNED_TAG_VALUE },
      },
    ),
  ];
}

/** Changes to or deletes of existing load balancers, listeners and target groups tagged as ours. */
export function elbOwned(actions: string[], resources: ResourcePattern[]): Grant {
  const named = actions.map((a) => `elasticloadbalancing:${a}`);
  return grant(
    named,
    resources,
    `${named.join(', ')} act on load balancer resources created by a build; allowed only on resources tagged ${OWNED_TAG_KEY}=${OWNED_TAG_VALUE} (aws:ResourceTag)`,
    resourceTagged,
  );
}

/**
 * KMS for EBS volumes encrypted with a customer-managed key (an account that encrypts by default with its own
 * key; preflight names it): only through EC2 (`kms:ViaService`), and grants only for AWS resources.
 * @see https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption-requirements.html
 */
export function ebsCustomerManagedKey(): Grant[] {
  const viaEc2 = { 'kms:ViaService': 'ec2.*.amazonaws.com' };
  const reason =
    "The account's default EBS key is chosen by its owner, so its ARN is unknown to the stack; usable only through EC2 (kms:ViaService)";
  const [createGrant, ...uses] = EBS_CUSTOMER_KEY_ACTIONS;
  return [
    grant([createGrant], [kmsKey], reason, { StringLike: viaEc2, Bool: { 'kms:GrantIsForAWSResource': 'true' } }),
    grant([...uses], [kmsKey], reason, { StringLike: viaEc2 }),
  ];
}

/** ELB's service-linked role, created by ELB on the first load balancer of an account. */
/** An IAM resource of this account (IAM is global: its ARNs have no region), e.g. `role/k8s-ec2-builder/*`. */
export const iam = (resource: string): ResourcePattern => `arn:${PARTITION}:iam::${ACCOUNT}:${resource}`;

/** A service-linked role's ARN: `role/aws-service-role/<service>/<role name>`. */
export function serviceLinkedRoleArn(dependency: ServiceLinkedRoleDependency): ResourcePattern {
  return iam(`role/aws-service-role/${dependency.serviceName}/${dependency.roleName}`);
}

export const ELB_SERVICE_LINKED_ROLE: ResourcePattern = serviceLinkedRoleArn(
  SERVICE_LINKED_ROLES['elasticloadbalancing:CreateLoadBalancer'],
);

/**
 * The first load balancer in an account makes ELB create its service-linked role, which needs this
 * permission on the caller. Scoped to that one role and service.
 * @see https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/elb-service-linked-roles.html
 */
export function elbServiceLinkedRole(): Grant {
  return serviceLinkedRole('elasticloadbalancing:CreateLoadBalancer');
}

/** `iam:CreateServiceLinkedRole` for the one role the service of `action` creates on its first call (SERVICE_LINKED_ROLES). */
export function serviceLinkedRole(action: string): Grant {
  const dependency = SERVICE_LINKED_ROLES[action];
  return grant(
    ['iam:CreateServiceLinkedRole'],
    [serviceLinkedRoleArn(dependency)],
    `${action}: the service creates its service-linked role ${dependency.roleName} on the account's first call (${dependency.source})`,
    { StringEquals: { 'iam:AWSServiceName': dependency.serviceName } },
  );
}
