import { CloudError } from './contract';
import { seededRandom } from './rng';

export type ServiceName = 'ec2' | 'elbv2' | 'iam';
/** What a fault rule can target: the awsQuery services, and Service Quotas (AWS JSON 1.1, e.g. to make it not answer). */
export type FaultService = ServiceName | 'servicequotas';
const FAULT_SERVICES: readonly FaultService[] = ['ec2', 'elbv2', 'iam', 'servicequotas'];

/**
 * Whether a rule that names no service applies to a request: EC2 and ELBv2 always; IAM only for a rule naming
 * an action (`*` rules predate the IAM API and keep failing EC2 and ELBv2 only); Service Quotas never.
 */
const matchesWithoutService = (req: FaultRequest, action: string): boolean =>
  req.service === 'ec2' || req.service === 'elbv2' || (req.service === 'iam' && action !== '*');

/**
 * When an injected fault answers: `before` the action runs (nothing changed; what throttling and most
 * 5xx look like), or `after` it ran (its resources exist, but the caller gets the error instead of the
 * result: a response lost to a 5xx or a dropped connection). `after` is how a test shows that a retried
 * create without a ClientToken makes a second resource.
 */
export type FaultPhase = 'before' | 'after';

/** One injected failure: "answer `action` with AWS error `code`" — optionally only in an AZ, N times, or with a probability. */
export interface FaultRule {
  /** Only this service. When absent: EC2, ELBv2, and IAM for a named action (Service Quotas only when named, so `*` rules keep their meaning). */
  service?: FaultService;
  /** The action (`RunInstances`, `GetServiceQuota`) or `*` for every action. */
  action: string;
  /** The AWS error code returned, e.g. `InsufficientInstanceCapacity`. */
  code: string;
  /** Defaults to a message naming the injected fault. */
  message?: string;
  /** Defaults to AWS's status for the code: 503/500 for server-side codes (throttling, capacity), 400 otherwise. */
  httpStatus?: number;
  /** Only requests that target this AZ (Placement, a subnet in it, or an ELBv2 subnet mapping). */
  az?: string;
  /** Fire this many times, then stop matching. Unlimited when absent. */
  count?: number;
  /** Chance (0..1) that a matching request fails; always when absent. */
  probability?: number;
  /** Seed of this rule's random sequence (default 1), so probabilistic tests repeat exactly. */
  seed?: number;
  /** `before` (default): the action does not run. `after`: it runs, and the answer is lost (see FaultPhase). */
  phase?: FaultPhase;
}

export interface ActiveFault extends FaultRule {
  id: number;
  /** Failures injected so far. */
  fired: number;
}

/** What the framework knows about a request when it asks whether to fail it. */
export interface FaultRequest {
  service: FaultService;
  action: string;
  availabilityZones: string[];
}

export interface FaultInjector {
  add(rule: FaultRule): ActiveFault;
  clear(): void;
  list(): ActiveFault[];
}

/** Codes AWS sends as server errors (EC2 lists capacity errors among them), with their usual status. */
const SERVER_SIDE_CODES: Record<string, number> = {
  RequestLimitExceeded: 503,
  Unavailable: 503,
  ServiceUnavailable: 503,
  InternalError: 500,
  InternalFailure: 500,
  InsufficientInstanceCapacity: 500,
  InsufficientAddressCapacity: 500,
  InsufficientHostCapacity: 500,
  InsufficientCapacity: 500,
};

export class Faults implements FaultInjector {
  private rules: Array<ActiveFault & { random: () => number }> = [];
  private nextId = 1;

  add(rule: FaultRule): ActiveFault {
    if (!rule || typeof rule.action !== 'string' || !rule.action) throw new Error('fault rule needs an action (or "*")');
    if (typeof rule.code !== 'string' || !rule.code) throw new Error('fault rule needs an AWS error code');
    if (rule.service !== undefined && !FAULT_SERVICES.includes(rule.service)) {
      throw new Error(`fault rule service must be one of ${FAULT_SERVICES.join(', ')}, got ${String(rule.service)}`);
    }
    if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) {
      throw new Error(`fault rule probability must be within 0..1, got ${rule.probability}`);
    }
    if (rule.count !== undefined && !(Number.isInteger(rule.count) && rule.count > 0)) {
      throw new Error(`fault rule count must be a positive integer, got ${rule.count}`);
    }
    if (rule.phase !== undefined && rule.phase !== 'before' && rule.phase !== 'after') {
      throw new Error(`fault rule phase must be "before" or "after", got ${String(rule.phase)}`);
    }
    const active = { ...rule, id: this.nextId++, fired: 0, random: seededRandom(rule.seed ?? 1) };
    this.rules.push(active);
    return publicView(active);
  }

  clear(): void {
    this.rules = [];
  }

  list(): ActiveFault[] {
    return this.rules.map(publicView);
  }

  /**
   * The error to answer with, or undefined to let the request through. The first matching rule wins.
   * Asked once before the action runs (`before` rules) and once after it succeeded (`after` rules).
   */
  check(req: FaultRequest, phase: FaultPhase = 'before'): CloudError | undefined {
    for (const rule of this.rules) {
      if ((rule.phase ?? 'before') !== phase) continue;
      if (rule.service ? rule.service !== req.service : !matchesWithoutService(req, rule.action)) continue;
      if (rule.action !== '*' && rule.action !== req.action) continue;
      if (rule.az && !req.availabilityZones.includes(rule.az)) continue;
      if (rule.count !== undefined && rule.fired >= rule.count) continue;
      // Draw only for requests that match everything else, so the sequence depends on matching calls alone.
      if (rule.probability !== undefined && rule.random() >= rule.probability) continue;
      rule.fired++;
      const status = rule.httpStatus ?? SERVER_SIDE_CODES[rule.code] ?? 400;
      const after = phase === 'after' ? ' (after the action ran)' : '';
      return new CloudError(rule.code, rule.message ?? `Injected fault: ${rule.code} on ${req.action}${after}`, status);
    }
    return undefined;
  }
}

function publicView(rule: ActiveFault & { random?: unknown }): ActiveFault {
  const view = { ...rule };
  delete view.random;
  return view;
}
