/**
 * Roles and their managed-policy attachments: CreateRole, GetRole, DeleteRole, AttachRolePolicy,
 * DetachRolePolicy, ListAttachedRolePolicies, ListInstanceProfilesForRole, ListRoles
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_Operations.html). DeleteRole refuses a role that is
 * still in an instance profile or still has managed policies attached with DeleteConflict (HTTP 409): "Before
 * attempting to delete a role, remove the following attached items: … Attached managed policies … Instance
 * profile" (https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRole.html). Which of the two it names
 * when both remain is not documented; the instance profile first is our assumption.
 */
import { CloudError, type QueryParams } from '../contract';
import { int, str } from '../elbv2/params';
import { managedPolicy } from './managed-policies';
import { paginate, pathOf, required, requiredName, validation } from './params';
import { getRole, iamArn, keyOf, noSuchEntity, profileWire, roleWire, uniqueId, type IamCtx, type RoleRec } from './store';
import { parseTags } from './tags';
import { checkTrustPolicy } from './trust-policy';

const deleteConflict = (message: string) => new CloudError('DeleteConflict', message, 409);

/** MaxSessionDuration: 3600 (the default) to 43200 seconds (API_CreateRole). */
function maxSessionDuration(params: QueryParams): number {
  const seconds = int(params, 'MaxSessionDuration') ?? 3600;
  if (seconds < 3600 || seconds > 43200)
    throw validation(
      `1 validation error detected: Value '${seconds}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value between 3600 and 43200`,
    );
  return seconds;
}

function createRole(ctx: IamCtx, params: QueryParams) {
  const name = requiredName(params, 'RoleName');
  const path = pathOf(params);
  const trustPolicy = required(params, 'AssumeRolePolicyDocument');
  checkTrustPolicy(trustPolicy);
  const tags = parseTags(params);
  const seconds = maxSessionDuration(params);
  if (ctx.state.roles.has(keyOf(name))) throw new CloudError('EntityAlreadyExists', `Role with name ${name} already exists.`, 409);
  const role: RoleRec = {
    name,
    path,
    id: uniqueId('AROA'),
    arn: iamArn(ctx, 'role', path, name),
    trustPolicy,
    description: str(params, 'Description'),
    maxSessionDuration: seconds,
    createdAt: ctx.deps.clock.now(),
    tags,
    attachedPolicyArns: [],
  };
  ctx.state.roles.set(keyOf(name), role);
  return { Role: roleWire(role) };
}

function deleteRole(ctx: IamCtx, params: QueryParams) {
  const role = getRole(ctx, requiredName(params, 'RoleName'));
  const key = keyOf(role.name);
  if ([...ctx.state.profiles.values()].some((p) => p.roleKey === key))
    throw deleteConflict('Cannot delete entity, must remove roles from instance profile first.');
  if (role.attachedPolicyArns.length) throw deleteConflict('Cannot delete entity, must detach all policies first.');
  ctx.state.roles.delete(key);
  return {};
}

/** Attaching a policy that is already attached succeeds and changes nothing. */
function attachRolePolicy(ctx: IamCtx, params: QueryParams) {
  const role = getRole(ctx, requiredName(params, 'RoleName'));
  const policy = managedPolicy(ctx.deps.partition, required(params, 'PolicyArn'));
  if (!role.attachedPolicyArns.includes(policy.arn)) role.attachedPolicyArns.push(policy.arn);
  return {};
}

function detachRolePolicy(ctx: IamCtx, params: QueryParams) {
  const role = getRole(ctx, requiredName(params, 'RoleName'));
  const arn = required(params, 'PolicyArn');
  if (!role.attachedPolicyArns.includes(arn)) throw noSuchEntity(`Policy ${arn} was not found.`);
  role.attachedPolicyArns = role.attachedPolicyArns.filter((a) => a !== arn);
  return {};
}

function listAttachedRolePolicies(ctx: IamCtx, params: QueryParams) {
  const role = getRole(ctx, requiredName(params, 'RoleName'));
  const prefix = pathOf({ Path: params.PathPrefix ?? '/' });
  const attached = role.attachedPolicyArns
    .map((arn) => managedPolicy(ctx.deps.partition, arn))
    .filter((p) => p.path.startsWith(prefix))
    .map((p) => ({ PolicyName: p.name, PolicyArn: p.arn }));
  const { page, ...more } = paginate(attached, params);
  return { AttachedPolicies: page, ...more };
}

/**
 * ListRoles: the roles whose path starts with `PathPrefix` ("/" by default: all), paginated. "This operation does
 * not return the following attributes, even though they are an attribute of the returned object:
 * PermissionsBoundary, RoleLastUsed, Tags" (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRoles.html):
 * a caller reads the tags with ListRoleTags or GetRole.
 */
function listRoles(ctx: IamCtx, params: QueryParams) {
  const prefix = pathOf({ Path: params.PathPrefix ?? '/' });
  const roles = [...ctx.state.roles.values()].filter((r) => r.path.startsWith(prefix)).map((r) => roleWire(r, false));
  const { page, ...more } = paginate(roles, params);
  return { Roles: page, ...more };
}

function listInstanceProfilesForRole(ctx: IamCtx, params: QueryParams) {
  const key = keyOf(getRole(ctx, requiredName(params, 'RoleName')).name);
  const profiles = [...ctx.state.profiles.values()].filter((p) => p.roleKey === key).map((p) => profileWire(ctx, p));
  const { page, ...more } = paginate(profiles, params);
  return { InstanceProfiles: page, ...more };
}

export const roleActions = {
  CreateRole: createRole,
  GetRole: (ctx: IamCtx, params: QueryParams) => ({ Role: roleWire(getRole(ctx, requiredName(params, 'RoleName'))) }),
  DeleteRole: deleteRole,
  AttachRolePolicy: attachRolePolicy,
  DetachRolePolicy: detachRolePolicy,
  ListAttachedRolePolicies: listAttachedRolePolicies,
  ListInstanceProfilesForRole: listInstanceProfilesForRole,
  ListRoles: listRoles,
};
