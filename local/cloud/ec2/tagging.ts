/** Tags on create (TagSpecifications) and their wire shape, shared by every EC2 resource kind. */
import { CloudError } from '../contract';
import { Args, invalidValue } from './args';
import { Tags } from './store';

const MAX_TAGS = 50;

export function validateTag(key: string, value: string): void {
  if (!key || key.length > 128) throw invalidValue(`Tag keys must be 1 to 128 characters, got '${key}'`);
  if (value.length > 256) throw invalidValue(`Tag value for key '${key}' exceeds 256 characters`);
  if (key.toLowerCase().startsWith('aws:')) throw invalidValue(`Tag keys starting with 'aws:' are reserved for AWS use`);
}

export function parseTagList(list: Args[]): Array<[string, string]> {
  return list.map((t) => {
    const key = t.str('Key') ?? '';
    const value = t.str('Value') ?? '';
    validateTag(key, value);
    return [key, value] as [string, string];
  });
}

export function addTags(target: Tags, tags: Array<[string, string]>): void {
  for (const [k, v] of tags) target.set(k, v);
  if (target.size > MAX_TAGS)
    throw new CloudError('TagLimitExceeded', `The maximum number of tags (${MAX_TAGS}) for a resource has been reached.`);
}

/**
 * Tags for each resource type named in `TagSpecification.N`. A type this action does not create is
 * rejected the way AWS does, which catches a handler tagging e.g. `subnet` on CreateVpc.
 */
export function tagSpecifications(args: Args, allowed: string[]): Map<string, Tags> {
  const out = new Map<string, Tags>(allowed.map((t) => [t, new Map()]));
  // Most actions name the list `TagSpecification.N`; a few, such as CreateTransitGatewayVpcAttachment, `TagSpecifications.N`.
  for (const spec of [...args.list('TagSpecification'), ...args.list('TagSpecifications')]) {
    const type = spec.str('ResourceType') ?? '';
    const tags = out.get(type);
    if (!tags) throw invalidValue(`'${type}' is not a valid taggable resource type for this operation.`);
    addTags(tags, parseTagList(spec.list('Tag')));
  }
  return out;
}

/** The tags for the one resource type an action creates (a TagSpecification with that ResourceType). */
export function tagsOnCreate(args: Args, resourceType: string): Tags {
  return tagSpecifications(args, [resourceType]).get(resourceType) as Tags;
}

/** Wire `tagSet`; omitted when empty, as EC2 does. */
export function tagSet(tags: Tags): Array<{ key: string; value: string }> | undefined {
  if (tags.size === 0) return undefined;
  return [...tags].map(([key, value]) => ({ key, value }));
}
