import type { AwsClients } from '../core/clients';
import { MANAGED_BY, TAG, type Tags } from '../core/tags';
import type { TaggedResource } from './contracts';
import { describeTagged, liveOnly, withTags } from './inventory-ec2';
import { describeElbTagged } from './inventory-elb';
import { describeIamTagged } from './inventory-iam';

/**
 * Every live resource tagged `k8s-ec2:managed-by = k8s-ec2-builder` in a region, from the tags alone
 * (docs/design.md "12.4 Orphans and the sweep"): nothing here reads an execution, because the execution history
 * of a build may be gone (90 days after it ended, or another stack's build) while what it made is still billed.
 */
export type FoundResource = TaggedResource & { buildId: string; clusterName?: string };

/** The tags a found resource is described by. */
const DESCRIBING_KEYS = [TAG.name, TAG.cluster, TAG.buildId, TAG.role, TAG.managedBy];

/**
 * Kinds tagged like their parent that live and die with it: an instance's volumes and interfaces (deleted on
 * termination) and a security group's rules. The teardown deletes the parent; listing them would repeat it.
 */
const DEPENDENT_KINDS: ReadonlySet<string> = new Set(['volume', 'network-interface', 'security-group-rule']);

/** Roughly the teardown's order (docs/design.md "8. Teardown order"), so a listing reads the way a sweep deletes. */
const KIND_ORDER = [
  'loadbalancer',
  'targetgroup',
  'instance',
  'elastic-ip',
  'transit-gateway-attachment',
  'vpc-endpoint',
  'natgateway',
  'internet-gateway',
  'route-table',
  'security-group',
  'subnet',
  'vpc',
  'instance-profile',
  'role',
];

interface Candidate {
  type: string;
  id: string;
  tags: Tags;
  awsName?: string;
  createdAt?: Date;
}

/** Every resource tagged as ours (optionally of one build only), in the teardown's order of kinds. */
export async function findTaggedResources(clients: AwsClients, buildId?: string, now = Date.now()): Promise<FoundResource[]> {
  const [ec2, elb, iam] = await Promise.all([ec2Candidates(clients, buildId), describeElbTagged(clients), describeIamTagged(clients)]);
  const candidates: Candidate[] = [
    ...ec2,
    ...elb.map((r) => ({ type: r.type, id: r.arn, tags: r.tags, awsName: r.name, createdAt: r.createdAt })),
    ...iam.map((r) => ({ type: r.type, id: r.arn, tags: r.tags, awsName: r.name, createdAt: r.createdAt })),
  ];
  return candidates
    .filter((c) => c.tags[TAG.managedBy] === MANAGED_BY && c.tags[TAG.buildId] && (!buildId || c.tags[TAG.buildId] === buildId))
    .map((c) => found(c, now))
    .sort(byKindThenName);
}

/**
 * EC2 resources by DescribeTags: those carrying our managed-by tag (or, for one build, its build id), then the
 * tags that describe them, without what AWS still lists after it ended (a terminated instance, a deleted NAT
 * gateway…: functions/ops/inventory-ec2.ts).
 */
async function ec2Candidates(clients: AwsClients, buildId: string | undefined): Promise<Candidate[]> {
  const [key, value] = buildId ? [TAG.buildId, buildId] : [TAG.managedBy, MANAGED_BY];
  const tagged = await describeTagged(clients.ec2, [
    { Name: 'key', Values: [key] },
    { Name: 'value', Values: [value] },
  ]);
  const described = await withTags(
    clients.ec2,
    tagged.filter((r) => !DEPENDENT_KINDS.has(r.type)),
    DESCRIBING_KEYS,
  );
  return liveOnly(clients.ec2, described);
}

function found(c: Candidate, now: number): FoundResource {
  // ELBv2 and IAM resources are found by their AWS name (what the teardown deletes them by), EC2 ones by their Name tag.
  const name = c.awsName ?? c.tags[TAG.name];
  const role = c.tags[TAG.role];
  const clusterName = c.tags[TAG.cluster];
  const ageSeconds = c.createdAt ? Math.max(0, Math.floor((now - c.createdAt.getTime()) / 1000)) : undefined;
  return {
    type: c.type,
    id: c.id,
    ...(name && { name }),
    ...(role && { role }),
    ...(ageSeconds !== undefined && { ageSeconds }),
    buildId: c.tags[TAG.buildId],
    ...(clusterName && { clusterName }),
  };
}

function byKindThenName(a: FoundResource, b: FoundResource): number {
  const rank = (type: string) => (KIND_ORDER.includes(type) ? KIND_ORDER.indexOf(type) : KIND_ORDER.length);
  return rank(a.type) - rank(b.type) || (a.name ?? a.id).localeCompare(b.name ?? b.id) || a.id.localeCompare(b.id);
}
