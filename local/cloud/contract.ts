/**
 * The seams inside the embedded cloud: the shared framework (HTTP server, wire protocols, clock, token
 * buckets, fault injection, control interface) and the service modules (EC2, ELBv2, Service Quotas) meet here.
 * Service modules keep their own state and never sleep: states that take time (pending → running,
 * provisioning → active, lingering ENIs) are derived from the simulated clock when they are read.
 */

/** Flat awsQuery parameters exactly as the SDK sends them, e.g. `Filter.1.Name`, `TagSpecification.1.Tag.2.Key`. */
export type QueryParams = Record<string, string>;

/** An error the way AWS returns it; the framework renders it in the service's error XML/JSON shape. */
export class CloudError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
    this.name = code;
  }
}

/** Simulated time. `now()` is simulated epoch milliseconds; `timeScale` = simulated seconds per real second (0: only moved by hand). */
export interface SimClock {
  now(): number;
  readonly timeScale: number;
}

/** Latencies in simulated seconds, AWS-like defaults in `DEFAULT_LATENCY`. */
export interface LatencyModel {
  instancePendingToRunning: number;
  /** Status checks go initializing → ok this long after the instance is running (a fixed value keeps the bench repeatable). */
  statusChecksInitializingToOk: number;
  instanceShuttingDownToTerminated: number;
  nlbProvisioningToActive: number;
  /** After DeleteLoadBalancer its ENIs stay `in-use` this long, blocking subnet and security-group deletes. */
  nlbEniLingerAfterDelete: number;
  /**
   * How long after EC2 creates a subnet, security group or instance ELBv2 still does not know it and answers
   * as for an unknown ID (SubnetNotFound, InvalidSecurityGroup, InvalidTarget). AWS documents the lag but no
   * figure (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html: back off "starting with
   * a couple of seconds"); the default is our assumption of "a few seconds". 0 turns the lag off.
   */
  elbv2SeesNewEc2ResourcesAfter: number;
  /**
   * Eventual consistency: for this long after RunInstances an instance is missing from DescribeInstances
   * answers that list (by tag or any other filter); asked for by its id it is there. 0 (default): at once.
   * "the result of an API command you run that affects your Amazon EC2 resources might not be immediately
   * visible to all subsequent commands you run", https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html
   */
  instanceListingLag: number;
  /**
   * Transit gateway pending → available ("After the transit gateway enters the available state, you can attach your
   * VPCs", https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateTransitGateway.html). No figure is
   * documented; a few minutes is our assumption.
   */
  transitGatewayPendingToAvailable: number;
  /** Transit gateway deleting → deleted (no figure documented; our assumption). */
  transitGatewayDeletingToDeleted: number;
  /**
   * VPC attachment pending → available, from creation (or from acceptance when the gateway's owner had to accept it).
   * The lifecycle is documented (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html#vpc-attachment-lifecycle),
   * its duration is not: 90 s is our assumption within the usual one to two minutes.
   */
  transitGatewayAttachmentPendingToAvailable: number;
  /** VPC attachment deleting → deleted; its interfaces stay in their subnets until then (figure: our assumption). */
  transitGatewayAttachmentDeletingToDeleted: number;
  /**
   * NAT gateway pending → available (or → failed, https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-troubleshooting.html).
   * "The initial status of the NAT gateway is Pending" (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html)
   * with no figure: 90 s is our assumption.
   */
  natGatewayPendingToAvailable: number;
  /** NAT gateway deleting → deleted; its interface and Elastic IP association last until then (figure: our assumption). */
  natGatewayDeletingToDeleted: number;
  /** Interface VPC endpoint pending → available (a gateway endpoint is available at once); figure: our assumption. */
  vpcEndpointPendingToAvailable: number;
  /** VPC endpoint deleting → deleted; an interface endpoint's interfaces stay until then (figure: our assumption). */
  vpcEndpointDeletingToDeleted: number;
  /**
   * IAM eventual consistency: for this long after CreateInstanceProfile, EC2 does not know the profile and
   * RunInstances answers InvalidParameterValue "Invalid IAM Instance Profile name/ARN", as AWS does for an
   * unknown one. IAM changes go to one control plane and are then propagated to each Region's data plane
   * (https://docs.aws.amazon.com/IAM/latest/UserGuide/disaster-recovery-resiliency.html); "Changes that I make
   * are not always immediately visible" (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency)
   * gives no figure. The default (10 s) is our assumption. 0 turns the lag off.
   */
  iamInstanceProfileVisibleToEc2After: number;
}

export const DEFAULT_LATENCY: LatencyModel = {
  instancePendingToRunning: 15,
  statusChecksInitializingToOk: 150,
  instanceShuttingDownToTerminated: 45,
  nlbProvisioningToActive: 150,
  nlbEniLingerAfterDelete: 60,
  elbv2SeesNewEc2ResourcesAfter: 5,
  instanceListingLag: 0,
  transitGatewayPendingToAvailable: 180,
  transitGatewayDeletingToDeleted: 120,
  transitGatewayAttachmentPendingToAvailable: 90,
  transitGatewayAttachmentDeletingToDeleted: 60,
  natGatewayPendingToAvailable: 90,
  natGatewayDeletingToDeleted: 60,
  vpcEndpointPendingToAvailable: 90,
  vpcEndpointDeletingToDeleted: 60,
  iamInstanceProfileVisibleToEc2After: 10,
};

export interface Tag {
  Key: string;
  Value: string;
}

/**
 * The view of EC2 that ELBv2 needs (subnets, security groups, instances, and the NLB's own ENIs), as ELBv2 sees
 * it: a resource EC2 made less than `elbv2SeesNewEc2ResourcesAfter` ago is not in it yet (ec2/elbv2-view.ts).
 */
export interface Ec2View {
  subnet(id: string): { subnetId: string; vpcId: string; availabilityZone: string; cidrBlock: string } | undefined;
  securityGroup(id: string): { groupId: string; vpcId: string } | undefined;
  instance(
    id: string,
  ): { instanceId: string; state: string; vpcId: string; subnetId: string; privateIpAddress: string; availabilityZone: string } | undefined;
  /** Creates a requester-managed ENI (interface type `network_load_balancer`) and returns its id. */
  createLoadBalancerInterface(opts: { subnetId: string; groupIds: string[]; description: string }): string;
  /** The ENI stays `in-use` until `releaseAt` (simulated epoch ms), then disappears. */
  releaseLoadBalancerInterface(eniId: string, releaseAt: number): void;
}

/**
 * The view of IAM that EC2 needs to launch with `IamInstanceProfile` (iam-api/ec2-view.ts): a profile created
 * less than `iamInstanceProfileVisibleToEc2After` ago is not in it yet. `role` is the role in the profile,
 * which RunInstances passes to EC2 (`iam:PassRole`), with its tags for `aws:ResourceTag`/`iam:ResourceTag`.
 */
export interface InstanceProfileView {
  byName(name: string): SeenInstanceProfile | undefined;
  byArn(arn: string): SeenInstanceProfile | undefined;
}

export interface SeenInstanceProfile {
  arn: string;
  /** `AIPA…`, as DescribeInstances shows it in `iamInstanceProfile.id`. */
  id: string;
  role?: { arn: string; tags: Map<string, string> };
}

/**
 * One authorisation AWS makes for a request: an IAM action on one resource ARN (`*` for actions without
 * resource-level permissions), with the condition keys of the request for that resource
 * (`aws:RequestTag/…` and `aws:TagKeys` for what it creates, `aws:ResourceTag/…` for what exists…).
 */
export interface AuthorizationRequest {
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
  /** The resource's own policy where the service has one that IAM evaluates too (a KMS key policy). */
  resourcePolicy?: object;
}

/**
 * One awsQuery service behind the shared endpoint. `handle` returns the result in its *wire* shape and the
 * framework serialises it: protocol `ec2` → `<ActionResponse><requestId/>…</ActionResponse>`, arrays as
 * `<item>` (EC2 wire names such as `vpcSet`, `vpcId`); protocol `query` → `<ActionResponse><ActionResult>…
 * </ActionResult><ResponseMetadata/></ActionResponse>`, arrays as `<member>` (ELBv2 names = SDK names).
 * Throw `CloudError` for AWS errors; the framework renders each protocol's error document.
 */
export interface ServiceModule {
  /** awsQuery `Version` parameter that routes a request here (EC2 `2016-11-15`, ELBv2 `2015-12-01`). */
  readonly apiVersion: string;
  readonly protocol: 'ec2' | 'query';
  handle(action: string, params: QueryParams): unknown;
  /**
   * What IAM must allow for this request to run: one entry per resource AWS evaluates (and per tag-on-create
   * authorisation), read from the request and the current resources' tags. Throws CloudError for requests
   * too malformed to authorise (AWS answers those before IAM too).
   */
  authorizations(action: string, params: QueryParams): AuthorizationRequest[];
  /** Resources tagged with `k8s-ec2:build-id` = buildId, for the control interface. */
  listByBuildId(buildId: string): Array<{ type: string; id: string; state?: string }>;
  reset(): void;
}

/** What the framework hands to ELBv2 (`local/cloud/elbv2/index.ts` exports `createElbv2Service(deps)`). */
export interface Elbv2Deps {
  clock: SimClock;
  latency: LatencyModel;
  ec2: Ec2View;
  region: string;
  accountId: string;
}
