import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  DeleteInstanceProfileCommand,
  DeleteRoleCommand,
  DetachRolePolicyCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  RemoveRoleFromInstanceProfileCommand,
  type InstanceProfile,
  type Role,
  type Tag,
} from '@aws-sdk/client-iam';
import type { AwsClients } from '../core/clients';
import { aws, codeOf, ResourceConflict, translateAwsError } from '../core/errors';
import type { InstanceProfilePlan } from '../core/plan';
import { fromTagList, isOwnedBy, toTagList } from '../core/tags';
import { goneAs, ignoringGone } from './owned';

/**
 * The nodes' instance profile for Session Manager (a build without a bastion, docs/design.md "1.3 Egress, endpoints, the Transit Gateway and bastion-less access"): a role
 * trusted by EC2 with the AWS managed policy AmazonSSMManagedInstanceCore, in an instance profile of the same
 * name. IAM names are unique in the account and every create answers EntityAlreadyExists for a repeat, so a
 * retried step finds what an earlier attempt made by name (no ClientToken needed); one that exists but is not
 * tagged as this build's is a conflict, never reused. IAM is eventually consistent: RunInstances may not see
 * a new profile for a few seconds (resources/instances.ts retries that as NotYetVisible).
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-instance-permissions.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2_instance-profiles.html
 */
export const SSM_MANAGED_POLICY = 'AmazonSSMManagedInstanceCore';

export function ssmPolicyArn(partition = 'aws'): string {
  return `arn:${partition}:iam::aws:policy/${SSM_MANAGED_POLICY}`;
}

const EC2_TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** Makes (or finds) the role and the profile and returns the profile's ARN for RunInstances. */
export async function ensureInstanceProfile(clients: AwsClients, buildId: string, profile: InstanceProfilePlan): Promise<string> {
  const role = await ensureRole(clients, buildId, profile);
  // Attaching a policy that is already attached succeeds: safe to repeat.
  await aws('iam:AttachRolePolicy', () =>
    clients.iam.send(new AttachRolePolicyCommand({ RoleName: profile.name, PolicyArn: ssmPolicyArn(partitionOf(role.Arn)) })),
  );
  const instanceProfile = await ensureProfile(clients, buildId, profile);
  if (!(instanceProfile.Roles ?? []).some((r) => r.RoleName === profile.name)) {
    try {
      await clients.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: profile.name, RoleName: profile.name }));
    } catch (error) {
      // An earlier attempt added it (a profile holds one role): done.
      if (!isIamCode(error, 'LimitExceeded')) throw translateAwsError(error, 'iam:AddRoleToInstanceProfile');
    }
  }
  return instanceProfile.Arn as string;
}

/** Removes the role from the profile, deletes the profile, detaches the policy, deletes the role; gone is success. */
export async function deleteInstanceProfile(clients: AwsClients, buildId: string, profile: InstanceProfilePlan): Promise<string[]> {
  const role = await goneAs(
    undefined,
    'iam:GetRole',
    async () => (await clients.iam.send(new GetRoleCommand({ RoleName: profile.name }))).Role,
  );
  const instanceProfile = await goneAs(
    undefined,
    'iam:GetInstanceProfile',
    async () => (await clients.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: profile.name }))).InstanceProfile,
  );
  const deleted: string[] = [];
  if (instanceProfile && isOwnedBy(fromTagList(instanceProfile.Tags), buildId)) {
    for (const r of instanceProfile.Roles ?? []) {
      await ignoringGone('iam:RemoveRoleFromInstanceProfile', () =>
        clients.iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: profile.name, RoleName: r.RoleName })),
      );
    }
    await ignoringGone('iam:DeleteInstanceProfile', () =>
      clients.iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: profile.name })),
    );
    deleted.push(instanceProfile.Arn as string);
  }
  if (role && isOwnedBy(fromTagList(role.Tags), buildId)) {
    await ignoringGone('iam:DetachRolePolicy', () =>
      clients.iam.send(new DetachRolePolicyCommand({ RoleName: profile.name, PolicyArn: ssmPolicyArn(partitionOf(role.Arn)) })),
    );
    await ignoringGone('iam:DeleteRole', () => clients.iam.send(new DeleteRoleCommand({ RoleName: profile.name })));
    deleted.push(role.Arn as string);
  }
  return deleted;
}

async function ensureRole(clients: AwsClients, buildId: string, profile: InstanceProfilePlan): Promise<Role> {
  try {
    const out = await clients.iam.send(
      new CreateRoleCommand({
        RoleName: profile.name,
        Path: profile.path,
        AssumeRolePolicyDocument: EC2_TRUST_POLICY,
        Description: profile.description,
        Tags: toTagList(profile.tags),
      }),
    );
    return out.Role as Role;
  } catch (error) {
    if (!isIamCode(error, 'EntityAlreadyExists')) throw translateAwsError(error, 'iam:CreateRole');
  }
  const role = (await aws('iam:GetRole', () => clients.iam.send(new GetRoleCommand({ RoleName: profile.name })))).Role as Role;
  return owned('role', role, role.Tags, buildId, profile.name);
}

async function ensureProfile(clients: AwsClients, buildId: string, profile: InstanceProfilePlan): Promise<InstanceProfile> {
  try {
    const out = await clients.iam.send(
      new CreateInstanceProfileCommand({ InstanceProfileName: profile.name, Path: profile.path, Tags: toTagList(profile.tags) }),
    );
    return out.InstanceProfile as InstanceProfile;
  } catch (error) {
    if (!isIamCode(error, 'EntityAlreadyExists')) throw translateAwsError(error, 'iam:CreateInstanceProfile');
  }
  const found = (
    await aws('iam:GetInstanceProfile', () => clients.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: profile.name })))
  ).InstanceProfile as InstanceProfile;
  return owned('instance profile', found, found.Tags, buildId, profile.name);
}

function owned<T>(what: string, item: T, tags: Tag[] | undefined, buildId: string, name: string): T {
  if (!isOwnedBy(fromTagList(tags), buildId))
    throw new ResourceConflict(`IAM ${what} ${name} exists and is not tagged as belonging to build ${buildId}; delete or rename it`);
  return item;
}

/** IAM's error code, as the wire gives it (`Code`) or as the SDK names its exception (`…Exception`). */
function isIamCode(error: unknown, code: string): boolean {
  const actual = codeOf(error);
  return actual === code || actual === `${code}Exception`;
}

/** The partition of an ARN we were given (aws, aws-cn, aws-us-gov): the managed policy lives in the same one. */
function partitionOf(arn: string | undefined): string {
  return arn?.split(':')[1] || 'aws';
}
