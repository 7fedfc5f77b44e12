/**
 * RunInstances with `IamInstanceProfile` (`Arn` or `Name`). EC2 looks the profile up in IAM as IAM has
 * propagated it (contract.ts InstanceProfileView): a profile it does not know, including one created moments ago,
 * answers InvalidParameterValue "Value (…) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance
 * Profile name" (…arn … "Invalid IAM Instance Profile ARN"), the answer AWS gives for an unknown profile
 * (reported in e.g. https://github.com/hashicorp/terraform-provider-aws/issues/27516). Launching with a profile
 * passes its role to EC2, which IAM authorises as `iam:PassRole` on the role with `iam:PassedToService` =
 * `ec2.amazonaws.com` (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/permission-to-pass-iam-roles.html,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html).
 */
import type { AuthorizationRequest, InstanceProfileView, SeenInstanceProfile } from '../contract';
import { Args, invalidValue } from './args';

/** The profile the request names, as EC2 sees it now; undefined when it names none. */
export function launchProfile(a: Args, profiles: InstanceProfileView | undefined): SeenInstanceProfile | undefined {
  const spec = a.obj('IamInstanceProfile');
  const arn = spec?.str('Arn');
  const name = spec?.str('Name');
  if (arn) {
    const seen = profiles?.byArn(arn);
    if (!seen) throw invalidValue(`Value (${arn}) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN`);
    return seen;
  }
  if (name) {
    const seen = profiles?.byName(name);
    if (!seen) throw invalidValue(`Value (${name}) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name`);
    return seen;
  }
  return undefined;
}

/**
 * `iam:PassRole` on the role of the profile the launch names, with the role's tags. A profile EC2 does not see
 * (or one without a role) adds nothing: the launch then fails on the profile, or passes no role.
 */
export function passRoleAuthorizations(a: Args, profiles: InstanceProfileView | undefined): AuthorizationRequest[] {
  let role: SeenInstanceProfile['role'];
  try {
    role = launchProfile(a, profiles)?.role;
  } catch {
    return []; // the action answers InvalidParameterValue (docs/design.md "10.8 IAM enforcement")
  }
  if (!role) return [];
  const tags: Record<string, string> = {};
  for (const [key, value] of role.tags) {
    tags[`aws:ResourceTag/${key}`] = value;
    tags[`iam:ResourceTag/${key}`] = value;
  }
  return [{ action: 'iam:PassRole', resource: role.arn, context: { ...tags, 'iam:PassedToService': 'ec2.amazonaws.com' } }];
}
