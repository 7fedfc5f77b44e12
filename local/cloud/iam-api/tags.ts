/**
 * Tags on roles and instance profiles: on create (`Tags`), TagRole, UntagRole, ListRoleTags and their
 * instance-profile twins. IAM's rules
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html#id_tags_rules_creating and the `Tag` data
 * type, https://docs.aws.amazon.com/IAM/latest/APIReference/API_Tag.html): at most 50 per resource, key 1–128
 * and value 0–256 characters of letters, digits, spaces and `_.:/=+-@`, keys compared without case (so a
 * request may not repeat one and TagRole overwrites it), and no `aws:` prefix (reserved for AWS).
 */
import { CloudError, type QueryParams } from '../contract';
import { stringList, structList } from '../elbv2/params';
import { paginate, requiredName, validation } from './params';
import { getProfile, getRole, tagList, type IamCtx, type Tags } from './store';

export const MAX_TAGS = 50;
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

const invalidInput = (message: string) => new CloudError('InvalidInput', message, 400);

/** The request's `Tags.member.N`, refused whole if any tag breaks a rule ("the entire request fails"). */
export function parseTags(params: QueryParams): Tags {
  const members = structList(params, 'Tags');
  if (members.length > MAX_TAGS) {
    throw validation(
      `1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TAGS}`,
    );
  }
  const tags: Tags = new Map();
  for (const { Key: key = '', Value: value = '' } of members) {
    if (!key || key.length > 128 || !TAG_TEXT.test(key))
      throw validation(
        `1 validation error detected: Value '${key}' at 'tags.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+`,
      );
    if (value.length > 256 || !TAG_TEXT.test(value))
      throw validation(
        `1 validation error detected: Value '${value}' at 'tags.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*`,
      );
    if (key.toLowerCase().startsWith('aws:')) throw invalidInput(`Tag key ${key} is reserved: keys beginning with aws: are for AWS use.`);
    if ([...tags.keys()].some((k) => k.toLowerCase() === key.toLowerCase()))
      throw invalidInput('Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    tags.set(key, value);
  }
  return tags;
}

/** Adds `add` to `tags`, replacing a key that differs only in case, unless the result would exceed the limit. */
function merge(tags: Tags, add: Tags): void {
  const lower = (k: string) => k.toLowerCase();
  const kept = [...tags.keys()].filter((k) => ![...add.keys()].some((a) => lower(a) === lower(k)));
  if (kept.length + add.size > MAX_TAGS)
    throw new CloudError('LimitExceeded', `The number of tags has reached the maximum limit of ${MAX_TAGS}.`, 409);
  for (const key of tags.keys()) if (!kept.includes(key)) tags.delete(key);
  for (const [k, v] of add) tags.set(k, v);
}

function untag(tags: Tags, params: QueryParams): void {
  const keys = stringList(params, 'TagKeys').map((k) => k.toLowerCase());
  for (const key of [...tags.keys()]) if (keys.includes(key.toLowerCase())) tags.delete(key);
}

const listTags = (tags: Tags, params: QueryParams) => {
  const { page, ...more } = paginate(tagList(tags), params);
  return { Tags: page, ...more };
};

export const tagActions = {
  TagRole: (ctx: IamCtx, p: QueryParams) => (merge(getRole(ctx, requiredName(p, 'RoleName')).tags, parseTags(p)), {}),
  UntagRole: (ctx: IamCtx, p: QueryParams) => (untag(getRole(ctx, requiredName(p, 'RoleName')).tags, p), {}),
  ListRoleTags: (ctx: IamCtx, p: QueryParams) => listTags(getRole(ctx, requiredName(p, 'RoleName')).tags, p),
  TagInstanceProfile: (ctx: IamCtx, p: QueryParams) => (
    merge(getProfile(ctx, requiredName(p, 'InstanceProfileName')).tags, parseTags(p)),
    {}
  ),
  UntagInstanceProfile: (ctx: IamCtx, p: QueryParams) => (untag(getProfile(ctx, requiredName(p, 'InstanceProfileName')).tags, p), {}),
  ListInstanceProfileTags: (ctx: IamCtx, p: QueryParams) => listTags(getProfile(ctx, requiredName(p, 'InstanceProfileName')).tags, p),
};
