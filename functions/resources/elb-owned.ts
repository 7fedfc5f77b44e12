import {
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  type Tag as ElbTag,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../core/clients';
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

/**
 * `ask` for every item, `batchSize` items a call. An ELBv2 Describe that names one resource deleted since it was
 * listed fails as a whole (NotFound): that batch is then asked item by item, and the gone one is left out.
 */
async function askLeavingOutGone<I, R>(
  operation: string,
  items: readonly I[],
  batchSize: number,
  ask: (batch: I[]) => Promise<R[]>,
): Promise<R[]> {
  const answers: R[] = [];
  for (const batch of chunks(items, batchSize)) {
    const whole = await goneAs(undefined, operation, () => ask(batch));
    answers.push(...(whole ?? (await Promise.all(batch.map((item) => goneAs([], operation, () => ask([item]))))).flat()));
  }
  return answers;
}

/** Tags by ARN, 20 ARNs a call; an ARN deleted since it was listed is not in the map. */
export async function describeElbTags(clients: AwsClients, arns: readonly string[]): Promise<Map<string, Tags>> {
  const descriptions = await askLeavingOutGone(
    'DescribeTags',
    arns,
    DESCRIBE_TAGS_MAX_ARNS,
    async (ResourceArns) => (await clients.elbv2.send(new DescribeTagsCommand({ ResourceArns }))).TagDescriptions ?? [],
  );
  return new Map(descriptions.flatMap((d) => (d.ResourceArn ? [[d.ResourceArn, fromTagList(d.Tags)] as const] : [])));
}

/** Target groups by name, all in one call; one deleted (or never made) is left out. */
export function describeTargetGroupsNamed(clients: AwsClients, names: readonly string[]): Promise<TargetGroup[]> {
  return askLeavingOutGone(
    'DescribeTargetGroups',
    names,
    Math.max(names.length, 1),
    async (Names) => (await clients.elbv2.send(new DescribeTargetGroupsCommand({ Names }))).TargetGroups ?? [],
  );
}

/**
 * Of `arns`, whether each one's tags say it belongs to this build. An ARN deleted since it was listed is not in the
 * map: it is gone, which is not the same as someone else's.
 */
export async function ownership(clients: AwsClients, arns: readonly string[], buildId: string): Promise<Map<string, boolean>> {
  const tags = await describeElbTags(clients, arns);
  return new Map([...tags].map(([arn, tagsOfArn]) => [arn, isOwnedBy(tagsOfArn, buildId)]));
}

/** The subset of `arns` whose tags say they belong to this build; one deleted since it was listed is not among them. */
export async function ownedArns(clients: AwsClients, arns: string[], buildId: string): Promise<Set<string>> {
  const owners = await ownership(clients, arns, buildId);
  return new Set(arns.filter((arn) => owners.get(arn)));
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
  const owned = (await ownership(clients, [arn], buildId)).get(arn);
  if (owned === undefined) return { kind: 'absent' };
  return owned ? { kind: 'owned', arn, resource } : { kind: 'foreign', arn };
}
