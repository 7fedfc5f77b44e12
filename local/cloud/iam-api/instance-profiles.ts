/**
 * Instance profiles: CreateInstanceProfile, GetInstanceProfile, DeleteInstanceProfile, AddRoleToInstanceProfile,
 * RemoveRoleFromInstanceProfile, ListInstanceProfiles. "An instance profile can contain only one role, and this quota cannot be
 * increased" (https://docs.aws.amazon.com/IAM/latest/APIReference/API_AddRoleToInstanceProfile.html): a second
 * role answers LimitExceeded (HTTP 409). A profile that still holds its role cannot be deleted (DeleteConflict,
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteInstanceProfile.html).
 */
import { CloudError, type QueryParams } from '../contract';
import { paginate, pathOf, requiredName } from './params';
import { getProfile, getRole, iamArn, keyOf, noSuchEntity, profileWire, uniqueId, type IamCtx, type InstanceProfileRec } from './store';
import { parseTags } from './tags';

function createInstanceProfile(ctx: IamCtx, params: QueryParams) {
  const name = requiredName(params, 'InstanceProfileName');
  const path = pathOf(params);
  const tags = parseTags(params);
  if (ctx.state.profiles.has(keyOf(name))) throw new CloudError('EntityAlreadyExists', `Instance Profile ${name} already exists.`, 409);
  const profile: InstanceProfileRec = {
    name,
    path,
    id: uniqueId('AIPA'),
    arn: iamArn(ctx, 'instance-profile', path, name),
    createdAt: ctx.deps.clock.now(),
    tags,
  };
  ctx.state.profiles.set(keyOf(name), profile);
  return { InstanceProfile: profileWire(ctx, profile) };
}

function deleteInstanceProfile(ctx: IamCtx, params: QueryParams) {
  const profile = getProfile(ctx, requiredName(params, 'InstanceProfileName'));
  if (profile.roleKey) throw new CloudError('DeleteConflict', 'Cannot delete entity, must remove roles from instance profile first.', 409);
  ctx.state.profiles.delete(keyOf(profile.name));
  return {};
}

function addRoleToInstanceProfile(ctx: IamCtx, params: QueryParams) {
  const profile = getProfile(ctx, requiredName(params, 'InstanceProfileName'));
  const role = getRole(ctx, requiredName(params, 'RoleName'));
  if (profile.roleKey) throw new CloudError('LimitExceeded', 'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1', 409);
  profile.roleKey = keyOf(role.name);
  return {};
}

/** Removing a role the profile does not hold answers NoSuchEntity naming the role (the wording is our assumption). */
function removeRoleFromInstanceProfile(ctx: IamCtx, params: QueryParams) {
  const profile = getProfile(ctx, requiredName(params, 'InstanceProfileName'));
  const role = getRole(ctx, requiredName(params, 'RoleName'));
  if (profile.roleKey !== keyOf(role.name)) throw noSuchEntity(`The role with name ${role.name} cannot be found.`);
  profile.roleKey = undefined;
  return {};
}

/**
 * ListInstanceProfiles: the profiles whose path starts with `PathPrefix` ("/" by default: all), paginated. "This
 * operation does not return tags, even though they are an attribute of the returned object"
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListInstanceProfiles.html): ListInstanceProfileTags
 * or GetInstanceProfile does.
 */
function listInstanceProfiles(ctx: IamCtx, params: QueryParams) {
  const prefix = pathOf({ Path: params.PathPrefix ?? '/' });
  const profiles = [...ctx.state.profiles.values()]
    .filter((p) => p.path.startsWith(prefix))
    .map((p) => ({ ...profileWire(ctx, p), Tags: undefined }));
  const { page, ...more } = paginate(profiles, params);
  return { InstanceProfiles: page, ...more };
}

export const instanceProfileActions = {
  CreateInstanceProfile: createInstanceProfile,
  GetInstanceProfile: (ctx: IamCtx, params: QueryParams) => ({
    InstanceProfile: profileWire(ctx, getProfile(ctx, requiredName(params, 'InstanceProfileName'))),
  }),
  DeleteInstanceProfile: deleteInstanceProfile,
  AddRoleToInstanceProfile: addRoleToInstanceProfile,
  RemoveRoleFromInstanceProfile: removeRoleFromInstanceProfile,
  ListInstanceProfiles: listInstanceProfiles,
};
