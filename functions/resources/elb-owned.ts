import { DescribeTagsCommand, type Tag as ElbTag } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../core/clients';
import { aws } from '../core/errors';
import { chunks } from '../core/pool';
import { fromTagList, isOwnedBy, type Tags } from '../core/tags';
import { goneAs } from './owned';

/**
 * The ownership rules of the build's ELBv2 resources (load balancer, target groups, listeners), beside
 * owned.ts's for tagged EC2 resources: ELBv2 resources are found by name, and only ever treated as ours when
 * their tags carry our build id.
 */

/**
 * DescribeTags: "You can specify up to 20 resources in a single call."
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeTags.html
 */
const DESCRIBE_TAGS_MAX_ARNS = 20;

/** What a lookup by name found: nothing, someone else's resource, or ours. */
export type Lookup<T> = { kind: 'absent' } | { kind: 'foreign'; arn: string } | { kind: 'owned'; arn: string; resource: T };

/** ELBv2 takes `{ Key, Value }` tags like EC2, but types `Key` as required. */
export function elbTags(tags: Tags): ElbTag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** The subset of `arns` whose tags say they belong to this build. */
export async function ownedArns(clients: AwsClients, arns: string[], buildId: string): Promise<Set<string>> {
  const owned = new Set<string>();
  for (const batch of chunks(arns, DESCRIBE_TAGS_MAX_ARNS)) {
    const out = await aws('DescribeTags', () => clients.elbv2.send(new DescribeTagsCommand({ ResourceArns: batch })));
    for (const description of out.TagDescriptions ?? []) {
      if (description.ResourceArn && isOwnedBy(fromTagList(description.Tags), buildId)) owned.add(description.ResourceArn);
    }
  }
  return owned;
}

/**
 * The shared describe-by-name-then-tag of ELBv2 resources. ELBv2 answers a Describe by name with a
 * NotFound error rather than an empty list; that (and a resource deleted between the two calls) is
 * "absent". Other errors are translated through the one classification table.
 */
export async function lookupOwned<T>(
  clients: AwsClients,
  buildId: string,
  operation: string,
  describe: () => Promise<T[] | undefined>,
  arnOf: (resource: T) => string | undefined,
): Promise<Lookup<T>> {
  const resource = (await goneAs(undefined, operation, describe))?.[0];
  const arn = resource && arnOf(resource);
  if (!resource || !arn) return { kind: 'absent' };
  const owned = await goneAs(undefined, 'DescribeTags', () => ownedArns(clients, [arn], buildId));
  if (!owned) return { kind: 'absent' };
  return owned.has(arn) ? { kind: 'owned', arn, resource } : { kind: 'foreign', arn };
}
