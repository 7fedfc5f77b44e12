import type { RecordedError } from './errors';
import type { BuildSpec } from './spec';
import type { BySecurityGroup } from './ports';
import type { NodeRole } from './plan';

/**
 * What flows between the states of the build and teardown machines. Each Task handler receives the whole
 * state and returns only its own piece; the workflow places it with `ResultPath` (`$.network`, `$.nodes`…).
 * Everything here is plain JSON (Step Functions state), kept small (the 256 KB state limit).
 */

/**
 * The execution input, written by the API only (docs/design.md "3.4 Validated once, stored normalised").
 * Every field is fixed when the execution starts, so the same request gives the same input (Step
 * Functions' StartExecution idempotency compares inputs).
 */
export interface BuildInput {
  /** The build execution's name. */
  buildId: string;
  /** This execution's ARN, on every log line (the API knows it before it starts the execution). */
  executionArn: string;
  /** The normalised spec's version (spec-validation.ts SPEC_VERSION). */
  specVersion: number;
  /** The spec with every default filled in: steps read it as it is. */
  spec: BuildSpec;
  /** SHA-256 of the request body as sent (canonical JSON): what a repeat with the same Idempotency-Key is compared on. */
  requestHash?: string;
  /**
   * The deployment (stack) that started it, tagged on everything the build makes (TAG.deployment): which deployment
   * owns it (docs/design.md "12.4"). Absent from executions started before it was recorded.
   */
  deployment?: string;
}

export interface PreflightResult {
  imageId: string;
  imageName: string;
  /** What was checked and passed (quota headroom with its numbers…). */
  checks: string[];
  /**
   * What preflight could not check or the operator must know, e.g. "… quota L-1216C47A not checked: …; AWS
   * enforces it at RunInstances", or a customer-managed default EBS key. Never a reason to refuse the build.
   * Preflight always sets it; it is optional because an execution started before notes existed lacks it.
   */
  notes?: string[];
}

export interface NetworkIds {
  vpcId: string;
  /** availability zone → subnet id */
  privateSubnetIds: Record<string, string>;
  /** availability zone → public subnet id: the bastion's zone first; one per zone with `egress: "nat-per-az"`. */
  publicSubnetIds: Record<string, string>;
  /** Absent without public subnets (no bastion and no NAT gateway: nothing needs the internet). */
  internetGatewayId?: string;
  /** availability zone → the private route table of its subnet. */
  privateRouteTableIds: Record<string, string>;
  publicRouteTableId?: string;
  securityGroupIds: BySecurityGroup<string>;
}

/**
 * Network ids as states written by the release before issue 9 held them (one public subnet, one private
 * route table): a rollback of a build that release started still finds them (core/carried.ts).
 */
export interface LegacyNetworkIds {
  publicSubnetId?: string;
  privateRouteTableId?: string;
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

export type NetworkComplete = NetworkIds & {
  complete: true;
  /**
   * Epoch ms (the step's clock) when the run found every part made: ELB may not see the newest subnets and groups for
   * a few seconds (CreateLoadBalancer waits that long after it, docs/design.md "13.5"). Absent in states written before.
   */
  completedAt?: number;
};

/**
 * What ConnectNetwork made: the network's ways out of the VPC (NAT gateways, VPC endpoints, the Transit
 * Gateway attachment). Empty records when the spec asks for none.
 */
export interface ConnectionIds {
  /** zone → Elastic IP allocation id of that zone's NAT gateway */
  natAddressIds: Record<string, string>;
  /** zone → NAT gateway id */
  natGatewayIds: Record<string, string>;
  /** endpoint service as the spec names it (`ssm`, `s3`…) → VPC endpoint id */
  endpointIds: Record<string, string>;
  transitGatewayAttachmentId?: string;
}

/**
 * ConnectNetwork's answer. AllocateAddress and CreateTransitGatewayVpcAttachment take no idempotency key, so
 * (as in CreateNetwork) a run that has just made one returns at once, `complete: false`, and the
 * `ConnectionsComplete?` Choice runs the step again with the ids in `$.connections`. A run with every id
 * known waits (ResourceNotReady) until each is available, adds the routes, and answers `complete: true`.
 */
export type ConnectionsProgress = ConnectionIds & {
  complete: boolean;
  /**
   * What a person must do before the step can go on (accept the attachment in the gateway owner's account):
   * set once, with `complete: false`; the workflow posts it to Slack (AnnounceActionNeeded) and records
   * `announced`, and the step then waits (ResourceNotReady) without asking again.
   */
  awaitingAction?: string;
  /** The notify function's answer (or its error): present once the action was announced. */
  announced?: unknown;
};

export interface NodeRecord {
  name: string;
  role: NodeRole;
  az: string;
  instanceId: string;
  instanceType: string;
  privateIp?: string;
  /**
   * RunInstances' LaunchTime (ISO 8601), recorded by LaunchNodes so that WaitUntilReady knows, without a
   * Describe, when a node is expected to pass its status checks. Absent from nodes launched before it was
   * recorded and from the build's outputs (WaitUntilReady hands the nodes on without it).
   */
  launchedAt?: string;
}

/**
 * LaunchNodes' answer, kept at `$.nodeLaunch` while its branch runs (the `NodesComplete?` Choice runs it
 * again while `complete: false`); the merge after the Parallel puts `nodes` at `$.nodes`. Nodes are launched
 * in groups (one RunInstances per role and zone, see resources/node-launch.ts), and everything a retry in a
 * fresh Lambda container must know is here, never in process memory:
 * - `nodes`: every node launched so far with its instance id, so that a rollback terminates it even while
 *   a Describe by tag does not show it yet;
 * - `generations`: per launch group (`<role>/<zone>`), the instance-type generation to launch with (an index
 *   into the role's instanceTypes). A capacity error moves it on and the run returns at once, so the next
 *   type is only ever tried once the state says so, and a repeat reuses that generation's ClientToken;
 * - `unnamed`: nodes launched whose own Name tag is not set yet (a group is launched under one Name).
 */
export interface NodesProgress {
  complete: boolean;
  nodes: NodeRecord[];
  generations: Record<string, number>;
  unnamed: string[];
  /**
   * A group failed for good while others launched: this run returns what it launched (so its ids reach the
   * state and the rollback), and the next run throws this before launching anything more.
   */
  failure?: RecordedError;
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
 * Elastic IP returns at once, `complete: false` (no instance yet), so the state machine records the
 * allocation id at `$.bastion` and runs LaunchBastion again (the `BastionComplete?` Choice) with it as a
 * known id; that run launches the instance. `complete: true` does not mean associated: a pending bastion is
 * associated in WaitUntilReady.
 */
export type BastionProgress =
  (BastionIds & { complete: true }) | (Pick<BastionIds, 'allocationId' | 'publicIp'> & { complete: false }) | BastionDisabled;

/** LaunchBastion's answer when the spec has no bastion (`bastion.enabled: false`): nothing launched. */
export interface BastionDisabled {
  complete: true;
  disabled: true;
}

export interface TargetsResult {
  /** target group key → registered instance ids */
  registered: Record<string, string[]>;
}

/**
 * WaitUntilReady's answer, at `$.readiness` (docs/design.md "13.3 Readiness: wait once, then poll"). While
 * something is on its way it is `ready: false` with `waitSeconds`, which the `ExpectReady` Wait sleeps before
 * the step runs again, and `pending`, what is not ready (one line each, for the console). The next run reads
 * what this one learnt instead of asking AWS again: `loadBalancerState` and `loadBalancerCreatedAt`, and the
 * bastion once its Elastic IP is associated. A result without `ready` (written by the release before this
 * loop, which threw until ready) means ready. VerifyBaseline reports `nodes` and `bastion` as the outputs.
 */
export interface ReadinessResult {
  ready: boolean;
  /** Whole seconds ≥ 0 (Step Functions' SecondsPath); 0 once ready. Top level: the local runtime scales it. */
  waitSeconds: number;
  /** What is not ready yet; empty once ready. */
  pending: string[];
  /** The nodes from `$.nodes` (without `launchedAt`), in name order. */
  nodes: NodeRecord[];
  /** Absent without a bastion; `associationId` once its Elastic IP is associated. */
  bastion?: BastionIds;
  /** The NLB's state as last described: `provisioning`, `active`… */
  loadBalancerState: string;
  /** The NLB's CreatedTime (ISO 8601), from which its expected `active` time is reckoned. */
  loadBalancerCreatedAt?: string;
  /** When the first check ran (ISO 8601): where the wait is reckoned from for nodes that carry no launch time. */
  checkingSince?: string;
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
  network?: NetworkIds & Pick<NetworkComplete, 'completedAt'>;
  /** ConnectNetwork's ids (see ConnectionsProgress). */
  connections?: ConnectionsProgress;
  /** LaunchNodes' own progress while its branch runs (see NodesProgress); `nodes` once the Parallel merged. */
  nodeLaunch?: NodesProgress;
  nodes?: NodeRecord[];
  loadBalancer?: LoadBalancerIds;
  /** LaunchBastion's BastionProgress: while it loops, its own known ids (see BastionProgress). */
  bastion?: Partial<BastionIds>;
  targets?: TargetsResult;
  readiness?: ReadinessResult;
  baseline?: BaselineResult;
  /**
   * The Parallel's branch outputs (one state each), left in place when a branch failed: the rollback reads
   * the ids the branches created from here (core/carried.ts), since only a full success merges them.
   */
  provisioned?: Array<Partial<BuildState>>;
  /** Set by a Catch (`ResultPath: $.error`): `{ Error, Cause }`. */
  error?: { Error: string; Cause?: string };
}

/** What a successful build reports (docs/design.md "5.5 Outputs and artifacts") and what the artifacts are made from. */
export interface BuildOutputs {
  buildId: string;
  clusterName: string;
  region: string;
  vpcId: string;
  /** `public`: the bastion's subnet; `publicByZone`: every public subnet (absent from builds made before issue 9). */
  subnetIds: { private: Record<string, string>; public?: string; publicByZone?: Record<string, string> };
  securityGroupIds: BySecurityGroup<string>;
  loadBalancer: { arn: string; dnsName: string; apiEndpoint: string };
  /** Absent when the spec turned the bastion off (`bastion.enabled: false`): nodes are then reached through Session Manager. */
  bastion?: { instanceId: string; publicIp: string; privateIp?: string };
  /** What ConnectNetwork made (absent from builds made before issue 9). */
  connections?: ConnectionIds;
  nodes: NodeRecord[];
  kubernetes: { version: string; podCidr: string; serviceCidr: string };
  /** Preflight's notes (PreflightResult.notes). Absent from the output of builds made before notes existed. */
  notes?: string[];
}

/**
 * Result of one teardown step (at `$.teardownLoadBalancer`, `$.teardownInstances`, `$.teardownNetwork`): what it
 * removed this time, and what the next steps need to wait once instead of polling (docs/design.md "13.4 Teardown:
 * fewer calls, one wait").
 */
export interface TeardownResult {
  step: string;
  deleted: string[];
  /**
   * DeleteLoadBalancer: when this run deleted the NLB (ISO 8601). Its interfaces stay in the subnets for about a
   * minute after (EXPECTED_SECONDS.loadBalancerInterfacesGoneAfterDelete); absent when there was no NLB to delete.
   */
  loadBalancerDeletedAt?: string;
  /**
   * DeleteLoadBalancer: when this run started (or found under way) the deletes of the connections (NAT gateways,
   * endpoints, the Transit Gateway attachment), ISO 8601; absent when none was on its way.
   */
  connectionsDeletedAt?: string;
  /**
   * TerminateInstances, while it answers `complete: false` (core/teardown-wait.ts TerminationProgress): whole seconds
   * ≥ 0 until the instances are expected `terminated` and the NLB's interfaces and the connections expected gone,
   * which WaitForNetworkRelease sleeps (SecondsPath) before TerminateInstances looks again. Top level of the result:
   * the local runtime turns it into a real `waitUntil` (local/step-roles.ts).
   */
  waitSeconds?: number;
}

/** What the build machine ends with on success (execution output): outputs plus the baseline checks. */
export interface BuildResult {
  outputs: BuildOutputs;
  baseline: BaselineResult;
}

/** Teardown execution input: the build to remove (found by its tags) and its spec (for region and names). */
export type TeardownInput = BuildInput;
