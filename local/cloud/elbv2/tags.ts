/** Tags on load balancers, target groups and listeners: AddTags, RemoveTags, DescribeTags, and tags on create. */
import { CloudError, QueryParams } from '../contract';
import { invalid, stringList, structList } from './params';
import { arnKind, Ctx, listenerNotFound, lbNotFound, tagList, tgNotFound } from './store';

/** AWS's per-resource tag limit for ELBv2. */
export const MAX_TAGS = 50;

/** Reads `name.member.N.Key/Value`, rejecting what AWS rejects before anything is created. */
export function parseTags(params: QueryParams, name = 'Tags'): Map<string, string> {
  const tags = new Map<string, string>();
  for (const t of structList(params, name)) {
    const key = t.Key;
    const value = t.Value ?? '';
    if (!key) throw invalid('A tag key must be specified');
    if (key.length > 128) throw invalid(`Tag key '${key}' is longer than 128 characters`);
    if (value.length > 256) throw invalid(`Tag value for key '${key}' is longer than 256 characters`);
    // The aws: prefix is reserved for tags AWS itself puts on resources.
    if (key.toLowerCase().startsWith('aws:')) throw invalid(`Tag keys starting with 'aws:' are reserved for internal use`);
    if (tags.has(key)) throw new CloudError('DuplicateTagKeys', `A tag key was specified more than once: '${key}'`, 400);
    tags.set(key, value);
  }
  if (tags.size > MAX_TAGS) throw tooManyTags();
  return tags;
}

function tooManyTags(): CloudError {
  return new CloudError('TooManyTags', `You can have a maximum of ${MAX_TAGS} tags per resource`, 400);
}

/** The live tag map of any taggable resource, with the not-found error AWS gives for that kind of ARN. */
function tagsOf(ctx: Ctx, arn: string): Map<string, string> {
  const kind = arnKind(arn);
  if (kind === 'loadbalancer') {
    const lb = ctx.state.loadBalancers.get(arn);
    if (!lb) throw lbNotFound(`Load balancer '${arn}' not found`);
    return lb.tags;
  }
  if (kind === 'targetgroup') {
    const tg = ctx.state.targetGroups.get(arn);
    if (!tg) throw tgNotFound(`Target group '${arn}' not found`);
    return tg.tags;
  }
  const l = ctx.state.listeners.get(arn);
  if (!l) throw listenerNotFound(`Listener '${arn}' not found`);
  return l.tags;
}

/**
 * DescribeTags: "You can specify up to 20 resources in a single call."
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeTags.html
 */
const MAX_RESOURCE_ARNS = 20;

function resourceArns(params: QueryParams): string[] {
  const arns = stringList(params, 'ResourceArns');
  if (arns.length === 0)
    throw invalid("1 validation error detected: Value null at 'resourceArns' failed to satisfy constraint: Member must not be null");
  if (arns.length > MAX_RESOURCE_ARNS) throw invalid(`You can specify up to ${MAX_RESOURCE_ARNS} resource ARNs`);
  return arns;
}

export function addTags(ctx: Ctx, params: QueryParams): object {
  const arns = resourceArns(params);
  const add = parseTags(params, 'Tags');
  if (add.size === 0)
    throw invalid("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null");
  // Check every resource (existence and the limit) before changing any, so a failed call changes nothing.
  const maps = arns.map((arn) => tagsOf(ctx, arn));
  for (const tags of maps) {
    const merged = new Set([...tags.keys(), ...add.keys()]);
    if (merged.size > MAX_TAGS) throw tooManyTags();
  }
  for (const tags of maps) for (const [k, v] of add) tags.set(k, v);
  return {};
}

export function removeTags(ctx: Ctx, params: QueryParams): object {
  const arns = resourceArns(params);
  const keys = stringList(params, 'TagKeys');
  if (keys.length === 0)
    throw invalid("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null");
  const maps = arns.map((arn) => tagsOf(ctx, arn));
  for (const tags of maps) for (const k of keys) tags.delete(k);
  return {};
}

export function describeTags(ctx: Ctx, params: QueryParams): object {
  const arns = resourceArns(params);
  return { TagDescriptions: arns.map((arn) => ({ ResourceArn: arn, Tags: tagList(tagsOf(ctx, arn)) })) };
}
