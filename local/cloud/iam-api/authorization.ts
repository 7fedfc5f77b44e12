/**
 * What IAM evaluates for each IAM request (Service Authorization Reference, "AWS Identity and Access Management",
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html):
 * - CreateRole / CreateInstanceProfile: the new role or profile ARN (`…:role/<path><name>`, known before it
 *   exists) with `aws:RequestTag/<key>` and `aws:TagKeys` from `Tags`;
 * - every other action: the named role or profile with its tags as `aws:ResourceTag/<key>` (roles also
 *   `iam:ResourceTag/<key>`, the only resource type of the two that has it); Attach/DetachRolePolicy add
 *   `iam:PolicyARN`, Tag* the request's tags, Untag* `aws:TagKeys`;
 * - AddRoleToInstanceProfile also needs `iam:PassRole` on the role: "The caller of this operation must be granted
 *   the PassRole permission on the IAM role" (https://docs.aws.amazon.com/IAM/latest/APIReference/API_AddRoleToInstanceProfile.html),
 *   with `iam:AssociatedResourceArn` = `arn:aws:ec2:*:<account>:instance/*` as that page states and
 *   `iam:PassedToService` = `ec2.amazonaws.com` (AWS's own Karpenter controller policy grants this PassRole
 *   under that condition alone).
 * A named role or profile that does not exist is left out, so the action answers NoSuchEntity (the same
 * assumption as EC2 and ELBv2, docs/design.md "10.8 IAM enforcement").
 */
import type { AuthorizationRequest, QueryParams } from '../contract';
import { stringList } from '../elbv2/params';
import { pathOf, requiredName } from './params';
import { iamArn, keyOf, type IamCtx, type Tags } from './store';
import { parseTags } from './tags';

type Context = Record<string, string | string[]>;

const requestTagContext = (tags: Tags): Context =>
  tags.size ? { ...Object.fromEntries([...tags].map(([k, v]) => [`aws:RequestTag/${k}`, v])), 'aws:TagKeys': [...tags.keys()] } : {};

function resourceTagContext(tags: Tags, prefixes: string[]): Context {
  const context: Context = {};
  for (const [key, value] of tags) for (const prefix of prefixes) context[`${prefix}/${key}`] = value;
  return context;
}

/** Roles carry both tag keys; instance profiles only `aws:ResourceTag`. */
const ROLE_TAG_KEYS = ['aws:ResourceTag', 'iam:ResourceTag'];
const PROFILE_TAG_KEYS = ['aws:ResourceTag'];

const ON_ROLE = new Set([
  'GetRole',
  'DeleteRole',
  'AttachRolePolicy',
  'DetachRolePolicy',
  'ListAttachedRolePolicies',
  'ListInstanceProfilesForRole',
  'TagRole',
  'UntagRole',
  'ListRoleTags',
]);

/** The condition keys a request adds to its resource's own (the policy ARN, the tags it sets or removes). */
function requestContext(action: string, params: QueryParams): Context {
  if (action === 'AttachRolePolicy' || action === 'DetachRolePolicy') return { 'iam:PolicyARN': params.PolicyArn ?? '' };
  if (action === 'TagRole' || action === 'TagInstanceProfile') return requestTagContext(parseTags(params));
  if (action === 'UntagRole' || action === 'UntagInstanceProfile') return { 'aws:TagKeys': stringList(params, 'TagKeys') };
  return {};
}

const EC2_SERVICE_PRINCIPAL = 'ec2.amazonaws.com';

/**
 * Listings by path name no resource: the Service Authorization Reference gives ListRoles and ListInstanceProfiles
 * no resource type, so a policy grants them on `*`.
 */
const LISTINGS = new Set(['ListRoles', 'ListInstanceProfiles']);

export function iamAuthorizations(ctx: IamCtx, action: string, params: QueryParams): AuthorizationRequest[] {
  const iamAction = `iam:${action}`;
  if (LISTINGS.has(action)) return [{ action: iamAction, resource: '*', context: {} }];
  if (action === 'CreateRole' || action === 'CreateInstanceProfile') {
    const [kind, member] =
      action === 'CreateRole' ? (['role', 'RoleName'] as const) : (['instance-profile', 'InstanceProfileName'] as const);
    const resource = iamArn(ctx, kind, pathOf(params), requiredName(params, member));
    return [{ action: iamAction, resource, context: requestTagContext(parseTags(params)) }];
  }
  if (ON_ROLE.has(action)) {
    const role = ctx.state.roles.get(keyOf(requiredName(params, 'RoleName')));
    if (!role) return [];
    return [
      {
        action: iamAction,
        resource: role.arn,
        context: { ...resourceTagContext(role.tags, ROLE_TAG_KEYS), ...requestContext(action, params) },
      },
    ];
  }
  const profile = ctx.state.profiles.get(keyOf(requiredName(params, 'InstanceProfileName')));
  if (!profile) return [];
  const out: AuthorizationRequest[] = [
    {
      action: iamAction,
      resource: profile.arn,
      context: { ...resourceTagContext(profile.tags, PROFILE_TAG_KEYS), ...requestContext(action, params) },
    },
  ];
  const role = action === 'AddRoleToInstanceProfile' ? ctx.state.roles.get(keyOf(requiredName(params, 'RoleName'))) : undefined;
  if (role) {
    out.push({
      action: 'iam:PassRole',
      resource: role.arn,
      context: {
        ...resourceTagContext(role.tags, ROLE_TAG_KEYS),
        'iam:PassedToService': EC2_SERVICE_PRINCIPAL,
        'iam:AssociatedResourceArn': `arn:${ctx.deps.partition}:ec2:*:${ctx.deps.accountId}:instance/*`,
      },
    });
  }
  return out;
}
