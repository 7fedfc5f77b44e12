/**
 * IAM's state: roles and instance profiles of the one account. IAM is global: there is no region in its
 * ARNs (`arn:aws:iam::<account>:role/<path><name>`). Names are unique per account regardless of case ("Role
 * names are not distinguished by case", https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html),
 * so records are keyed by the lower-cased name and keep the name as created.
 */
import { randomBytes } from 'node:crypto';
import { CloudError, type LatencyModel, type SimClock } from '../contract';

export type Tags = Map<string, string>;

export interface RoleRec {
  name: string;
  path: string;
  /** `AROA…`, the role's unique id. */
  id: string;
  arn: string;
  /** The trust policy exactly as sent (answers return it URL-encoded, as AWS does). */
  trustPolicy: string;
  description?: string;
  maxSessionDuration: number;
  createdAt: number;
  tags: Tags;
  /** ARNs of the managed policies attached, in attachment order. */
  attachedPolicyArns: string[];
}

export interface InstanceProfileRec {
  name: string;
  path: string;
  /** `AIPA…`, the profile's unique id. */
  id: string;
  arn: string;
  createdAt: number;
  tags: Tags;
  /** The key (lower-cased name) of its role: a profile holds at most one. */
  roleKey?: string;
}

export interface IamState {
  roles: Map<string, RoleRec>;
  profiles: Map<string, InstanceProfileRec>;
}

export const emptyState = (): IamState => ({ roles: new Map(), profiles: new Map() });

export interface IamDeps {
  clock: SimClock;
  latency: LatencyModel;
  partition: string;
  accountId: string;
}

export interface IamCtx {
  readonly state: IamState;
  readonly deps: IamDeps;
}

export const keyOf = (name: string): string => name.toLowerCase();

/** IAM unique ids: a four-letter prefix by kind, then 17 upper-case letters and digits. */
export function uniqueId(prefix: 'AROA' | 'AIPA'): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return prefix + [...randomBytes(17)].map((b) => alphabet[b % alphabet.length]).join('');
}

export function iamArn(ctx: IamCtx, kind: 'role' | 'instance-profile', path: string, name: string): string {
  return `arn:${ctx.deps.partition}:iam::${ctx.deps.accountId}:${kind}${path}${name}`;
}

/** IAM's "does not exist" error, HTTP 404 (the Errors of e.g. https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html). */
export const noSuchEntity = (message: string): CloudError => new CloudError('NoSuchEntity', message, 404);

export function getRole(ctx: IamCtx, name: string): RoleRec {
  const role = ctx.state.roles.get(keyOf(name));
  if (!role) throw noSuchEntity(`The role with name ${name} cannot be found.`);
  return role;
}

export function getProfile(ctx: IamCtx, name: string): InstanceProfileRec {
  const profile = ctx.state.profiles.get(keyOf(name));
  if (!profile) throw noSuchEntity(`Instance Profile ${name} cannot be found.`);
  return profile;
}

export const tagList = (tags: Tags) => [...tags].map(([Key, Value]) => ({ Key, Value }));

/**
 * A role as IAM answers it. The trust policy is "URL-encoded compliant with RFC 3986"
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_Role.html): callers decode it.
 */
export function roleWire(role: RoleRec, withTags = true) {
  return {
    Path: role.path,
    RoleName: role.name,
    RoleId: role.id,
    Arn: role.arn,
    CreateDate: new Date(role.createdAt),
    AssumeRolePolicyDocument: encodeURIComponent(role.trustPolicy),
    Description: role.description,
    MaxSessionDuration: role.maxSessionDuration,
    Tags: withTags && role.tags.size ? tagList(role.tags) : undefined,
  };
}

/** An instance profile as IAM answers it, with its role (without the role's tags, as AWS lists it there). */
export function profileWire(ctx: IamCtx, profile: InstanceProfileRec) {
  const role = profile.roleKey ? ctx.state.roles.get(profile.roleKey) : undefined;
  return {
    Path: profile.path,
    InstanceProfileName: profile.name,
    InstanceProfileId: profile.id,
    Arn: profile.arn,
    CreateDate: new Date(profile.createdAt),
    Roles: role ? [roleWire(role, false)] : [],
    Tags: profile.tags.size ? tagList(profile.tags) : undefined,
  };
}
