import type { BuildSpec, BuildSpecInput } from './spec';
import type { SecurityGroupKey } from './ports';
import type { NodeRole } from './plan';

/**
 * What flows between the states of the build and teardown machines. Each Task handler receives the whole
 * state and returns only its own piece; the workflow places it with `ResultPath` (`$.network`, `$.nodes`…).
 * Everything here is plain JSON (Step Functions state), kept small (the 256 KB state limit).
 */

/** The execution input: the build id (= execution name) and the spec as the client sent it. */
export interface BuildInput {
  buildId: string;
  spec: BuildSpecInput | BuildSpec;
}

export interface PreflightResult {
  imageId: string;
  imageName: string;
  checks: string[];
}

export interface NetworkIds {
  vpcId: string;
  /** availability zone → subnet id */
  privateSubnetIds: Record<string, string>;
  publicSubnetId: string;
  internetGatewayId: string;
  privateRouteTableId: string;
  publicRouteTableId: string;
  securityGroupIds: Record<SecurityGroupKey, string>;
}

/**
 * CreateNetwork's answer. EC2 takes no idempotency key for CreateVpc or CreateInternetGateway, and right
 * after either a Describe by tag may come back empty; so a run that has just created one of them returns
 * at once, `complete: false`, with the ids made so far. The state machine records them at `$.network` and
 * runs CreateNetwork again (the `NetworkComplete?` Choice), which receives them as known ids: a retry in a
 * fresh Lambda container can then never create a second VPC or gateway. `complete: true` carries every id.
 */
export type NetworkProgress = NetworkInProgress | NetworkComplete;

export interface NetworkInProgress {
  complete: false;
  vpcId: string;
  /** Set once the gateway exists (the second run creates it). */
  internetGatewayId?: string;
}

export type NetworkComplete = NetworkIds & { complete: true };

export interface NodeRecord {
  name: string;
  role: NodeRole;
  az: string;
  instanceId: string;
  instanceType: string;
  privateIp?: string;
}

export interface LoadBalancerIds {
  loadBalancerArn: string;
  dnsName: string;
  /** target group key (`api`, `ingress-80`…) → ARN */
  targetGroupArns: Record<string, string>;
  /** listener port → ARN */
  listenerArns: Record<string, string>;
}

export interface BastionIds {
  instanceId: string;
  allocationId: string;
  publicIp: string;
  associationId?: string;
  privateIp?: string;
}

/**
 * LaunchBastion's answer. AllocateAddress takes no idempotency key: a run that has just allocated the
 * Elastic IP returns at once, `complete: false`, so the state machine records the allocation id at
 * `$.bastion` and runs LaunchBastion again (the `BastionComplete?` Choice) with it as a known id.
 * `complete: true` does not mean associated: a pending bastion is associated in WaitUntilReady.
 */
export type BastionProgress = BastionIds & { complete: boolean };

export interface TargetsResult {
  /** target group key → registered instance ids */
  registered: Record<string, string[]>;
}

export interface ReadinessResult {
  nodes: NodeRecord[];
  bastion: BastionIds;
  loadBalancerState: string;
}

export interface BaselineResult {
  checks: Array<{ id: string; ok: boolean; detail: string }>;
}

/** The state as it grows through the build. */
export interface BuildState extends BuildInput {
  preflight?: PreflightResult;
  /**
   * Complete NetworkIds for every step after CreateNetwork. While CreateNetwork loops it holds a
   * NetworkInProgress (its own known ids); the `NetworkComplete?` Choice lets only a complete one past.
   */
  network?: NetworkIds;
  nodes?: NodeRecord[];
  loadBalancer?: LoadBalancerIds;
  /** LaunchBastion's BastionProgress: while it loops, its own known ids (see BastionProgress). */
  bastion?: BastionIds;
  targets?: TargetsResult;
  readiness?: ReadinessResult;
  baseline?: BaselineResult;
  /** Set by a Catch (`ResultPath: $.error`): `{ Error, Cause }`. */
  error?: { Error: string; Cause?: string };
}

/** What a successful build reports (DESIGN §6) and what the artifacts are made from. */
export interface BuildOutputs {
  buildId: string;
  clusterName: string;
  region: string;
  vpcId: string;
  subnetIds: { private: Record<string, string>; public: string };
  securityGroupIds: Record<SecurityGroupKey, string>;
  loadBalancer: { arn: string; dnsName: string; apiEndpoint: string };
  bastion: { instanceId: string; publicIp: string; privateIp?: string };
  nodes: NodeRecord[];
  kubernetes: { version: string; podCidr: string; serviceCidr: string };
}

/** Result of one teardown step: what it removed this time and what it is still waiting for. */
export interface TeardownResult {
  step: string;
  deleted: string[];
}

/** What the build machine ends with on success (execution output): outputs plus the baseline checks. */
export interface BuildResult {
  outputs: BuildOutputs;
  baseline: BaselineResult;
}

/** Teardown execution input: the build to remove (found by its tags) and its spec (for region and names). */
export type TeardownInput = BuildInput;
