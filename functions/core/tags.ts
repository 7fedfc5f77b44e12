import type { Tag, TagSpecification, Filter, ResourceType } from '@aws-sdk/client-ec2';

/** Tag keys that mark a resource as ours. Users may not set keys under these prefixes. */
export const TAG = {
  name: 'Name',
  cluster: 'k8s-ec2:cluster',
  buildId: 'k8s-ec2:build-id',
  role: 'k8s-ec2:role',
  managedBy: 'k8s-ec2:managed-by',
  /**
   * The deployment that made it: the CloudFormation stack's name (K8S_EC2_DEPLOYMENT), stable across redeploys and a
   * replaced state machine. Two stacks may share an account and region (dev and prod); each judges orphans
   * (docs/design.md "12.4") only among its own builds. Absent from builds made before it existed.
   */
  deployment: 'k8s-ec2:deployment',
  /** On IAM resources only (IAM is global): the region of the build that made them, so that a region's orphan listing leaves other regions' alone. */
  region: 'k8s-ec2:region',
} as const;
export const MANAGED_BY = 'k8s-ec2-builder';
export const RESERVED_TAG_PREFIXES = ['aws:', 'k8s-ec2:', 'kubernetes.io/'] as const;
/** AWS allows 50 tags per resource; we add at most this many of our own (the six on every resource, the deployment, and a role or region tag). */
export const OWN_TAG_COUNT = 8;
export const AWS_MAX_TAGS = 50;

export type Role =
  | 'vpc'
  | 'private-subnet'
  | 'public-subnet'
  | 'internet-gateway'
  | 'private-route-table'
  | 'public-route-table'
  | 'bastion-sg'
  | 'nlb-sg'
  | 'control-plane-sg'
  | 'worker-sg'
  | 'control-plane'
  | 'worker'
  | 'bastion'
  | 'bastion-eip'
  | 'load-balancer'
  | 'target-group'
  | 'nat-gateway'
  | 'nat-eip'
  | 'endpoint-sg'
  | 'vpc-endpoint'
  | 'transit-gateway-attachment'
  | 'node-instance-profile';

export type Tags = Record<string, string>;

/** Who owns a build's resources: enough to find every one of them again by tag. */
export interface Owner {
  buildId: string;
  clusterName: string;
  userTags: Tags;
  /** The deployment's name (TAG.deployment); absent for inputs written before it was recorded. */
  deployment?: string;
}

/** Every tag a resource gets on create (docs/design.md "4.2 Tags"). */
export function resourceTags(owner: Owner, role: Role, name: string, extra: Tags = {}): Tags {
  return {
    ...owner.userTags,
    [TAG.name]: name,
    [TAG.cluster]: owner.clusterName,
    [TAG.buildId]: owner.buildId,
    [TAG.role]: role,
    [TAG.managedBy]: MANAGED_BY,
    ...(owner.deployment && { [TAG.deployment]: owner.deployment }),
    [`kubernetes.io/cluster/${owner.clusterName}`]: 'owned',
    ...extra,
  };
}

/** Key and Value both set: what EC2's and IAM's tag lists both take. */
export function toTagList(tags: Tags): Array<Required<Pick<Tag, 'Key' | 'Value'>>> {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function fromTagList(tags: Array<{ Key?: string; Value?: string }> | undefined): Tags {
  return Object.fromEntries((tags ?? []).filter((t) => t.Key).map((t) => [t.Key as string, t.Value ?? '']));
}

export function tagSpecifications(resourceType: ResourceType, tags: Tags): TagSpecification[] {
  return [{ ResourceType: resourceType, Tags: toTagList(tags) }];
}

/** EC2 filters that find a build's resources (optionally of one role). */
export function ownedFilters(buildId: string, role?: Role): Filter[] {
  const filters: Filter[] = [
    { Name: `tag:${TAG.buildId}`, Values: [buildId] },
    { Name: `tag:${TAG.managedBy}`, Values: [MANAGED_BY] },
  ];
  if (role) filters.push({ Name: `tag:${TAG.role}`, Values: [role] });
  return filters;
}

/** True when the tags say the resource belongs to this build (we never touch anything else). */
export function isOwnedBy(tags: Tags, buildId: string): boolean {
  return tags[TAG.buildId] === buildId && tags[TAG.managedBy] === MANAGED_BY;
}
