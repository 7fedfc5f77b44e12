/**
 * The embedded cloud: one loopback HTTP endpoint that the unchanged AWS SDK clients talk to (EC2, ELBv2 and
 * IAM over awsQuery, routed by the `Version` parameter; Service Quotas and the Price List Query API (a labelled
 * sample, local/cloud/pricing) over AWS JSON 1.1, routed by `X-Amz-Target`), plus the `/_cloud/*` control
 * interface. Every request is authorised by IAM against the caller's role (local/cloud/iam), whose access key
 * the SigV4 header names; signatures themselves are not verified: it is a local test double bound to
 * 127.0.0.1, not a security boundary.
 */
import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { ClockMode, LocalClock } from './clock';
import { EventClock } from './event-clock';
import { CloudError, DEFAULT_LATENCY, LatencyModel, QueryParams, ServiceModule } from './contract';
import { handleControl } from './control';
import { accessKeyOf, CloudIam } from './iam';
import { createEc2Service } from './ec2';
import type { EbsDefaults } from './ec2/ebs-defaults';
import type { TransitGatewayControl } from './ec2/transit-gateways';
import { createElbv2Service } from './elbv2';
import { createIamService } from './iam-api';
import { FaultInjector, Faults, ServiceName } from './faults';
import { handlePricing, PRICING_TARGET_PREFIX, pricingAuthorizations } from './pricing';
import { Quotas } from './quotas';
import { quotaAuthorizations } from './quotas-authorization';
import { Throttle, type BucketUsage } from './throttle';
import { Rendered, renderError, renderJsonError, renderResult } from './wire';

/** With the account-level EBS settings (`ebsEncryptionByDefault`, `ebsDefaultKmsKeyId`; off and AWS managed by default). */
export interface CloudOptions extends EbsDefaults {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Simulated seconds per real second (default 1); ignored by a manual clock. */
  timeScale?: number;
  /**
   * `scaled` (default): simulated time follows real time × timeScale. `manual`: it moves only on `clock.advance`
   * (deterministic tests). `events`: a discrete-event clock (event-clock.ts) that stands still while work runs and
   * moves to the next timer when the process is idle, idle stretches paced at timeScale.
   */
  clock?: ClockMode | 'events';
  /** Overrides of the AWS-like latencies, in simulated seconds. */
  latency?: Partial<LatencyModel>;
  /**
   * IAM (default on): requests signed with credentials from `cloud.iam.account.assumeRole` are authorised
   * against that role's policy as AWS would; other credentials act as the account's administrator.
   */
  iam?: boolean;
  /** AWS's request token buckets (default on). */
  throttling?: boolean;
  /** Default `ap-northeast-2`. */
  region?: string;
  /** Default `123456789012`. */
  accountId?: string;
  /** Key pairs that already exist (default `['fin-k8s-key']`). */
  seedKeyPairs?: string[];
  /** Service Quotas values by quota code, e.g. `{ 'L-F678F1CE': 1 }`; they also bound what EC2 lets you create. */
  quotas?: Record<string, number>;
}

export interface CloudResource {
  service: ServiceName;
  type: string;
  id: string;
  state?: string;
  /** Its Name tag (EC2), its AWS name (load balancers, target groups, roles, instance profiles), `<load balancer>:<port>` for a listener. */
  name?: string;
}

export interface EmbeddedCloud {
  /** `http://127.0.0.1:<port>`: the value for AWS_ENDPOINT_URL_EC2 / _ELASTIC_LOAD_BALANCING_V2 / _SERVICE_QUOTAS / _IAM / _PRICING. */
  url: string;
  clock: LocalClock | EventClock;
  faults: FaultInjector;
  quotas: Quotas;
  /** The account's IAM: roles for the local runtime's steps, and the authorisation of every request. */
  iam: CloudIam;
  /** Another account's transit gateways shared with ours, and that owner's answers to our attachments (control interface). */
  transitGateways: TransitGatewayControl;
  /** Live resources tagged `k8s-ec2:build-id` = buildId, across EC2, ELBv2 and IAM (roles, instance profiles). */
  resources(buildId: string): CloudResource[];
  /**
   * Requests received per `service:Action` (throttled, denied and fault-injected ones included), and per
   * calling principal ARN (the administrator's calls under the account root's ARN); resetStats zeroes the
   * counters, not the token buckets.
   */
  stats(): CloudStats;
  resetStats(): void;
  /**
   * Forget every resource (ELB's service-linked role too), fault rule, counter and token bucket. The clock
   * keeps running, and the roles and credentials the runtime was given stay valid.
   */
  reset(): void;
  close(): Promise<void>;
}

export interface CloudStats {
  calls: Record<string, number>;
  total: number;
  byPrincipal: Record<string, number>;
  /** Per calling principal ARN, its requests per `service:Action` (which step made which calls). */
  byPrincipalCall: Record<string, Record<string, number>>;
  /** Requests refused by a token bucket (RequestLimitExceeded, Throttling); they are counted in `calls` too. */
  throttled: number;
  /** Every token bucket drawn from since the last reset of the stats: size, refill rate, tokens given, requests refused. */
  buckets: BucketUsage[];
}

const SERVICE_NAMES: Record<string, ServiceName> = { '2016-11-15': 'ec2', '2015-12-01': 'elbv2', '2010-05-08': 'iam' };

/** A JSON-protocol request's members (Service Quotas); an empty body is no members. Throws SyntaxError on bad JSON. */
const jsonBody = (body: string): Record<string, unknown> => (body ? (JSON.parse(body) as Record<string, unknown>) : {});

export async function startCloud(opts: CloudOptions = {}): Promise<EmbeddedCloud> {
  const region = opts.region ?? 'ap-northeast-2';
  const accountId = opts.accountId ?? '123456789012';
  const clock = opts.clock === 'events' ? new EventClock(opts.timeScale ?? 1) : new LocalClock(opts.timeScale ?? 1, opts.clock ?? 'scaled');
  const latency: LatencyModel = { ...DEFAULT_LATENCY, ...opts.latency };
  const quotas = new Quotas(opts.quotas);
  // IAM first: EC2 launches with its instance profiles (as IAM's propagation lets EC2 see them).
  const iamApi = createIamService({ clock, latency, partition: 'aws', accountId });
  const ec2 = createEc2Service({
    instanceProfiles: iamApi.ec2View,
    clock,
    latency,
    region,
    accountId,
    quotas,
    seedKeyPairs: opts.seedKeyPairs ?? ['fin-k8s-key'],
    ebsDefaults: opts,
  });
  const elbv2 = createElbv2Service({ clock, latency, ec2: ec2.view, region, accountId });
  const modules = new Map<string, ServiceModule>([
    [ec2.apiVersion, ec2],
    [elbv2.apiVersion, elbv2],
    [iamApi.apiVersion, iamApi],
  ]);
  const faults = new Faults();
  const throttle = new Throttle(opts.throttling ?? true, () => clock.now());
  let calls: Record<string, number> = {};
  let byPrincipal: Record<string, number> = {};
  let byPrincipalCall: Record<string, Record<string, number>> = {};
  const iam = new CloudIam('aws', accountId, region);
  const enforceIam = opts.iam ?? true;
  const count = (key: string, principalArn: string) => {
    calls[key] = (calls[key] ?? 0) + 1;
    byPrincipal[principalArn] = (byPrincipal[principalArn] ?? 0) + 1;
    const mine = (byPrincipalCall[principalArn] ??= {});
    mine[key] = (mine[key] ?? 0) + 1;
  };

  /** AZs a request targets, for AZ-scoped fault rules: Placement, AvailabilityZone, any subnet (EC2 or ELBv2 form). */
  const requestAzs = (params: QueryParams): string[] => {
    const azs = new Set<string>();
    for (const [key, value] of Object.entries(params)) {
      if (key === 'Placement.AvailabilityZone' || key === 'AvailabilityZone') azs.add(value);
      else if (/SubnetId$/.test(key) || /^Subnets\.member\.\d+$/.test(key)) {
        const az = ec2.subnetAz(value);
        if (az) azs.add(az);
      }
    }
    return [...azs];
  };

  const handleQuery = async (body: string, accessKeyId: string | undefined): Promise<Rendered> => {
    const params: QueryParams = Object.fromEntries(new URLSearchParams(body));
    const requestId = randomUUID();
    const module = modules.get(params.Version ?? '');
    const action = params.Action ?? '';
    if (!module) {
      return renderError(
        'query',
        '',
        new CloudError('InvalidAction', `Unknown API version '${params.Version ?? ''}' for action ${action}`),
        requestId,
      );
    }
    const service = SERVICE_NAMES[module.apiVersion];
    const principal = iam.account.principalFor(accessKeyId);
    count(`${service}:${action}`, principal.arn);
    try {
      // IAM publishes no request rates to model (docs/design.md "10.5 Throttling").
      const settle = service === 'iam' ? () => undefined : throttle.admit(service, action, params);
      if (enforceIam) await iam.authorize(service, action, principal, module.authorizations(action, params));
      const request = { service, action, availabilityZones: requestAzs(params) };
      const fault = faults.check(request);
      if (fault) throw fault;
      const result = module.handle(action, params);
      iam.succeeded(service, action);
      settle();
      // The action ran (its resources exist); an `after` fault now loses its answer, as a 5xx after the work would.
      const lost = faults.check(request, 'after');
      if (lost) throw lost;
      return renderResult(module.protocol, module.apiVersion, action, result, requestId);
    } catch (error) {
      const cloudError =
        error instanceof CloudError ? error : new CloudError('InternalError', `Embedded cloud bug: ${(error as Error).message}`, 500);
      return renderError(module.protocol, module.apiVersion, cloudError, requestId);
    }
  };

  const handleQuotas = async (
    target: string,
    body: string,
    accessKeyId: string | undefined,
  ): Promise<Rendered & { headers?: Record<string, string> }> => {
    const principal = iam.account.principalFor(accessKeyId);
    const action = target.split('.')[1] ?? '';
    count(`servicequotas:${action}`, principal.arn);
    try {
      if (enforceIam)
        await iam.authorize('servicequotas', action, principal, quotaAuthorizations(action, jsonBody(body), region, accountId));
      const fault = faults.check({ service: 'servicequotas', action: target.split('.')[1] ?? '', availabilityZones: [] });
      if (fault) throw fault;
      const result = quotas.handle(target, jsonBody(body), region, accountId);
      return { status: 200, contentType: 'application/x-amz-json-1.1', body: JSON.stringify(result) };
    } catch (error) {
      return renderJsonError(error instanceof CloudError ? error : new CloudError('SerializationException', (error as Error).message));
    }
  };

  /** The Price List Query API (local/cloud/pricing): authorised like the others, answered from the labelled sample. */
  const handlePricingRequest = async (
    action: string,
    body: string,
    authorization: string | undefined,
  ): Promise<Rendered & { headers?: Record<string, string> }> => {
    const principal = iam.account.principalFor(accessKeyOf(authorization));
    count(`pricing:${action}`, principal.arn);
    try {
      if (enforceIam) await iam.authorize('pricing', action, principal, pricingAuthorizations(action, authorization));
      const result = handlePricing(action, jsonBody(body));
      return { status: 200, contentType: 'application/x-amz-json-1.1', body: JSON.stringify(result) };
    } catch (error) {
      return renderJsonError(error instanceof CloudError ? error : new CloudError('SerializationException', (error as Error).message));
    }
  };

  const cloud: EmbeddedCloud = {
    url: '',
    clock,
    faults,
    quotas,
    iam,
    transitGateways: ec2.transitGateways,
    resources(buildId) {
      return [
        ...ec2.listByBuildId(buildId).map((r) => ({ service: 'ec2' as const, ...r })),
        ...elbv2.listByBuildId(buildId).map((r) => ({ service: 'elbv2' as const, ...r })),
        ...iamApi.listByBuildId(buildId).map((r) => ({ service: 'iam' as const, ...r })),
      ];
    },
    stats() {
      return {
        calls: { ...calls },
        total: Object.values(calls).reduce((a, b) => a + b, 0),
        byPrincipal: { ...byPrincipal },
        byPrincipalCall: structuredClone(byPrincipalCall),
        throttled: throttle.throttled,
        buckets: throttle.usage(),
      };
    },
    resetStats() {
      calls = {};
      byPrincipal = {};
      byPrincipalCall = {};
      throttle.resetCounts();
    },
    reset() {
      ec2.reset();
      elbv2.reset();
      iamApi.reset();
      faults.clear();
      throttle.reset();
      quotas.reset();
      iam.account.serviceLinkedRoles.clear();
      calls = {};
      byPrincipal = {};
      byPrincipalCall = {};
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let out: Rendered & { headers?: Record<string, string> };
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const target = req.headers['x-amz-target'];
        const accessKeyId = accessKeyOf(req.headers.authorization);
        if (url.pathname.startsWith('/_cloud/')) out = handleControl(cloud, req.method ?? 'GET', url, body);
        else if (typeof target === 'string' && target.startsWith('ServiceQuotasV20190624.'))
          out = await handleQuotas(target, body, accessKeyId);
        else if (typeof target === 'string' && target.startsWith(PRICING_TARGET_PREFIX))
          out = await handlePricingRequest(target.slice(PRICING_TARGET_PREFIX.length), body, req.headers.authorization);
        else if (req.method === 'POST') out = await handleQuery(body, accessKeyId);
        else out = { status: 404, contentType: 'text/plain', body: 'Not an AWS API route of the embedded cloud\n' };
        res.writeHead(out.status, { 'content-type': out.contentType, 'x-amzn-requestid': randomUUID(), ...out.headers });
        res.end(out.body);
      })().catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`Embedded cloud bug: ${(error as Error).message}\n`);
      });
    });
  });
  // Node closes an idle keep-alive socket after 5 s; the SDK clients keep theirs open, and a request sent as the
  // server closes one fails with "socket hang up". A longer idle time than any client's keeps that race away.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  cloud.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return cloud;
}
