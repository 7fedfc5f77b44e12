/**
 * What the operations routes answer (docs/design.md "12. Operating builds"): POST /plans, POST /builds/{id}/verify,
 * GET /orphans and POST /orphans/{buildId}/sweep. Plain JSON; the CLI (cli/) reads exactly these shapes.
 */

/** One resource a build would create, in the order the build creates it. */
export interface PlannedResource {
  /** The step that creates it (`CreateNetwork`, `ConnectNetwork`, `LaunchNodes`, `LaunchBastion`, `CreateLoadBalancer`, `RegisterTargets`). */
  step: string;
  /** What AWS calls the kind of resource, as EC2 DescribeTags / ELBv2 / IAM name it: `vpc`, `subnet`, `instance`, `loadbalancer`… */
  type: string;
  /** Its Name tag (or its AWS name: target groups, load balancer, instance profile). */
  name: string;
  zone?: string;
  cidr?: string;
  /** Instances: the type tried first (later ones are fallbacks on InsufficientInstanceCapacity). */
  instanceType?: string;
  /** Security groups: inbound rules as `tcp 6443 from sg fin-k8s-dev-nlb-sg — Kubernetes API server from nlb`. */
  rules?: string[];
  /** Load balancer: `TCP 6443 → control-plane nodes :6443 (fin-k8s-dev-tg-6443)`. */
  listeners?: string[];
  /** Anything else worth seeing (a NAT gateway's zones, an endpoint's service name, a route's target). */
  detail?: string;
  tags: Record<string, string>;
}

/** A price line: one kind of billed resource, with its count. */
export interface CostLine {
  /** `instance m6i.large`, `network load balancer`, `public IPv4 address`, `NAT gateway`, `interface endpoint`, `transit gateway attachment`. */
  item: string;
  count: number;
  /** USD per hour for one; absent when the price list did not answer (never 0 for unknown). */
  unitHourlyUsd?: number;
  /** unitHourlyUsd × count; absent when unknown. */
  hourlyUsd?: number;
  /** hourlyUsd × 720 (30 days); absent when unknown. */
  monthlyUsd?: number;
  /** Why a price is missing, or what the line leaves out (data processing, LCU, traffic). */
  note?: string;
}

export interface CostEstimate {
  currency: 'USD';
  region: string;
  /** 720: 30 days of 24 hours. */
  hoursPerMonth: number;
  lines: CostLine[];
  /** Sum of the known lines. */
  knownHourlyUsd: number;
  knownMonthlyUsd: number;
  /** Items whose price is unknown: the totals above then leave them out (the CLI says so). */
  unknown: string[];
  /** Where the prices came from (`AWS Price List Query API, us-east-1`, or the embedded cloud's recorded sample) and what is not counted. */
  source: string;
  notes: string[];
}

/** The same problems the build's Preflight step reports (functions/resources/account.ts Problem). */
export interface PreflightProblem {
  check: string;
  field?: string;
  message: string;
}

export interface PreflightReport {
  passed: boolean;
  problems: PreflightProblem[];
  /** What was checked and passed. */
  checks: string[];
  notes: string[];
}

/** POST /plans → 200. */
export interface PlanAnswer {
  plan: {
    /** The build id the build would get: exact with an Idempotency-Key, else `(known after build)`. */
    buildId: string;
    region: string;
    resources: PlannedResource[];
    /** `type → count`, and the total to create. */
    summary: { create: number; byType: Record<string, number> };
  };
  preflight: PreflightReport;
  estimate: CostEstimate;
}

/** One difference between what the build made and what is there now. */
export interface Drift {
  /** `security-group fin-k8s-dev-worker-sg (sg-0abc…)`, `instance fin-k8s-dev-cp-1 (i-0…)`, `load-balancer fin-k8s-dev-nlb`. */
  resource: string;
  /** `ingress`, `metadataOptions.httpTokens`, `publicIpAddress`, `listener 443`, `targets`, `crossZone`, `exists`. */
  field: string;
  expected: unknown;
  actual: unknown;
}

/** POST /builds/{id}/verify → 200. */
export interface VerifyAnswer {
  buildId: string;
  checkedAt: string;
  /** Empty when the build is as it was made. */
  drift: Drift[];
}

/** A resource tagged `k8s-ec2:managed-by`, found from its tags alone. */
export interface TaggedResource {
  /** As `PlannedResource.type`. */
  type: string;
  id: string;
  name?: string;
  /** The `k8s-ec2:role` tag. */
  role?: string;
  /** Seconds since AWS says it was created, when AWS reports a creation time for this kind (VPCs and subnets have none). */
  ageSeconds?: number;
}

export interface OrphanGroup {
  buildId: string;
  clusterName?: string;
  /** Why it counts as an orphan: `no execution found`, `build ROLLBACK_FAILED`, `destroyed but resources remain`… */
  reason: string;
  /** The oldest known age among its resources. */
  ageSeconds?: number;
  resources: TaggedResource[];
}

/** GET /orphans → 200. */
export interface OrphansAnswer {
  checkedAt: string;
  region: string;
  orphans: OrphanGroup[];
}

/**
 * POST /orphans/{buildId}/sweep → 202 `DESTROYING`. 200 `DESTROYED` only in a race: another request started the
 * same teardown, and it had already succeeded when this one read it (a later sweep of a build with nothing left is 404).
 */
export interface SweepAnswer {
  buildId: string;
  status: 'DESTROYING' | 'DESTROYED';
  executionArn: string;
  links: Record<string, string>;
}
