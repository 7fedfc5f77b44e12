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
export type FoundResource = TaggedResource & {
  buildId: string;
  clusterName?: string;
  /** TAG.deployment: the stack that made it (absent on resources made before it was tagged). */
  deployment?: string;
  /** TAG.region, on IAM resources (global): the region of the build that made them. */
  region?: string;
  /** Target groups: the port it forwards to (a listener's NodePort), as DescribeTargetGroups listed it. */
  port?: number;
};

/** The tags a found resource is described by. */
const DESCRIBING_KEYS = [TAG.name, TAG.cluster, TAG.buildId, TAG.role, TAG.managedBy, TAG.deployment];

/** A security group's rules are tagged like it and go with it: the teardown deletes the group; listing them would repeat it. */
const DEPENDENT_KINDS: ReadonlySet<string> = new Set(['security-group-rule']);

/**
 * Kinds tagged like the instance they are attached to and deleted with it (DeleteOnTermination): listed only once
 * detached (`available`), when they outlive their instance and are billed on their own (a volume is; an interface
 * holds its address and blocks its subnet). Attached, the teardown's termination of the instance removes them.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Volume.html,
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInterface.html (State, Status)
 */
const ATTACHED_KINDS: ReadonlySet<string> = new Set(['volume', 'network-interface']);
const DETACHED = 'available';

/** Roughly the teardown's order (docs/design.md "8. Teardown order"), so a listing reads the way a sweep deletes. */
const KIND_ORDER = [
  'loadbalancer',
  'targetgroup',
  'instance',
  'volume',
  'network-interface',
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
  port?: number;
}

/** Every resource tagged as ours (optionally of one build only), in the teardown's order of kinds. */
export async function findTaggedResources(clients: AwsClients, buildId?: string, now = Date.now()): Promise<FoundResource[]> {
  const [ec2, elb, iam] = await Promise.all([ec2Candidates(clients, buildId), describeElbTagged(clients), describeIamTagged(clients)]);
  const candidates: Candidate[] = [
    ...ec2,
    ...elb.map((r) => ({ type: r.type, id: r.arn, tags: r.tags, awsName: r.name, createdAt: r.createdAt, port: r.targetGroup?.Port })),
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
 * gateway…: functions/ops/inventory-ec2.ts), nor volumes and interfaces still attached.
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
  const live = await liveOnly(clients.ec2, described);
  return live.filter((r) => !ATTACHED_KINDS.has(r.type) || r.state === DETACHED);
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
    ...(c.tags[TAG.deployment] && { deployment: c.tags[TAG.deployment] }),
    ...(c.tags[TAG.region] && { region: c.tags[TAG.region] }),
    ...(c.port !== undefined && { port: c.port }),
  };
}

function byKindThenName(a: FoundResource, b: FoundResource): number {
  const rank = (type: string) => (KIND_ORDER.includes(type) ? KIND_ORDER.indexOf(type) : KIND_ORDER.length);
  return rank(a.type) - rank(b.type) || (a.name ?? a.id).localeCompare(b.name ?? b.id) || a.id.localeCompare(b.id);
}
