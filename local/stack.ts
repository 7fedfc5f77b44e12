import './polyfills';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger, LogLevel as LogLevelValues } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { StaticCredentials } from '../functions/core/clients';
import { SERVICE_NAME } from '../functions/core/step-handler';
import { matchPath } from '../functions/api/router';
import { readClientsFor } from '../functions/ops/clients';
import { createApiHandler } from '../functions/handlers/api';
import { createOperationsHandler } from '../functions/handlers/operations';
import { createPricingClient } from '../functions/ops/pricing-client';
import { OPERATION_ROUTES } from '../functions/ops/router';
import { NOTIFY_PERMISSIONS, operationsPermissions, workflowArnsOf } from '../infra/operations-permissions';
import { createNotifyHandler } from '../functions/handlers/notify';
import { plan } from '../functions/core/plan';
import { estimateCost } from '../functions/ops/estimate';
import { buildDefinition, scaleDefinitionTime, teardownDefinition } from '../workflows';
import { NOTIFY_FUNCTION, STEP_FUNCTIONS } from '../workflows/steps';
import { toProxyEvent } from './api/proxy-event';
import { SlackSink, type SlackMessage } from './api/slack-sink';
import { startCloud, type CloudOptions, type EmbeddedCloud } from './cloud';
import { LocalClock } from './cloud/clock';
import { EventClock } from './cloud/event-clock';
import { statusChangeEvent } from './stepfunctions/events';
import { handleStepFunctionsRequest } from './stepfunctions/protocol';
import { LocalStepFunctions } from './stepfunctions/service';
import type { LocalHandler } from './stepfunctions/tasks';
import { createStepRoles, type Endpoints, type PermissionOverride, type StepRoles } from './step-roles';

/**
 * The whole product on one machine, loopback only: the embedded EC2/ELBv2 cloud (or the endpoints already
 * set in AWS_ENDPOINT_URL_EC2 / _ELASTIC_LOAD_BALANCING_V2, e.g. LocalStack or moto), a Step Functions
 * endpoint running the workflows/ definitions with the real handlers in-process, the HTTP API through the
 * same `api` handler, execution status events delivered to `notify`, and a Slack webhook sink.
 */
export interface LocalStackOptions {
  /** Port of the API/Step Functions endpoint on 127.0.0.1 (0 = any free port). */
  port?: number;
  /** Simulated seconds per real second for the cloud's latencies and the workflows' waits (default 60). */
  timeScale?: number;
  /**
   * How simulated time moves (docs/design.md "13.6"). `scaled` (default): real time × timeScale, our own code's
   * run time included. `events`: a discrete-event clock that stands still while our code and the cloud work and
   * moves to the next timer when all wait; the definitions run as deployed (nothing scaled) and timeScale only
   * paces the idle stretches, so simulated figures do not depend on it (the bench runs so).
   */
  time?: 'scaled' | 'events';
  /** Overrides of the embedded cloud's latencies, in simulated seconds (e.g. `instanceListingLag`). */
  latency?: CloudOptions['latency'];
  /** AWS request token buckets in the embedded cloud (default on). */
  throttling?: boolean;
  /** Service Quotas values of the embedded cloud's account by quota code (an established account's raised limits). */
  quotas?: CloudOptions['quotas'];
  /** Called with each Slack message as it arrives. */
  onSlackMessage?: (message: SlackMessage) => void;
  /** Changes a step's permissions before its role is created (tests: a missing permission must fail the build). */
  permissions?: PermissionOverride;
  /** The step functions' log level. Default: POWERTOOLS_LOG_LEVEL, else WARN. */
  logLevel?: LogLevel;
}

export interface LocalStack {
  /** Base URL of the HTTP API (also the Step Functions endpoint). */
  url: string;
  /** The embedded cloud, or undefined when external endpoints are used. */
  cloud?: EmbeddedCloud;
  sfn: LocalStepFunctions;
  slack: SlackSink;
  /** Where the handlers' clients go: the endpoint variables of the embedded cloud, or the external ones. */
  endpoints: Endpoints;
  /** The step roles the handlers run under (credentials issued by the embedded cloud's IAM). */
  roles: StepRoles;
  /** What an operator asks the cloud with (e.g. findLeftovers): the environment's credentials if it has any, else fixed local ones. */
  operatorCredentials?: StaticCredentials;
  buildStateMachineArn: string;
  teardownStateMachineArn: string;
  timeScale: number;
  close(): Promise<void>;
}

const REGION = 'ap-northeast-2';
/** The deployment name a local stack tags its builds with (k8s-ec2:deployment), as a deployed stack tags its own name. */
export const LOCAL_DEPLOYMENT = 'k8s-ec2-local';
/** What the local Step Functions endpoint is called with: it checks no signature. */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** POWERTOOLS_LOG_LEVEL when it is set (as the deployed functions read it), else WARN: a local run prints only what matters. */
function logLevelFrom(env: NodeJS.ProcessEnv): LogLevel {
  const level = env.POWERTOOLS_LOG_LEVEL?.toUpperCase();
  return level && level in LogLevelValues ? (level as LogLevel) : 'WARN';
}

/**
 * External endpoints (LocalStack, moto) and the embedded cloud's administrator accept any credentials: the
 * environment's when it has them (the SDK's default chain), else fixed local ones, so a fresh machine needs none.
 */
function externalCredentials(env: NodeJS.ProcessEnv): StaticCredentials | undefined {
  return env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE ? undefined : LOCAL_CREDENTIALS;
}

/**
 * The endpoints the handlers use: the embedded cloud's URL for EC2, ELBv2, Service Quotas and IAM, or — with
 * AWS_ENDPOINT_URL_EC2 and _ELASTIC_LOAD_BALANCING_V2 already set (LocalStack, moto) — those, with Service
 * Quotas and IAM on the same endpoint unless set (they serve every service on one; without it a step would
 * ask real AWS). Read once here and handed to the handlers; process.env is left as it was.
 */
function endpointsFor(cloudUrl: string | undefined, env: NodeJS.ProcessEnv): Endpoints {
  if (cloudUrl)
    return {
      AWS_ENDPOINT_URL_EC2: cloudUrl,
      AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: cloudUrl,
      AWS_ENDPOINT_URL_SERVICE_QUOTAS: cloudUrl,
      AWS_ENDPOINT_URL_IAM: cloudUrl,
      AWS_ENDPOINT_URL_PRICING: cloudUrl,
    };
  return {
    AWS_ENDPOINT_URL_EC2: env.AWS_ENDPOINT_URL_EC2,
    AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2,
    AWS_ENDPOINT_URL_SERVICE_QUOTAS: env.AWS_ENDPOINT_URL_SERVICE_QUOTAS ?? env.AWS_ENDPOINT_URL_EC2,
    AWS_ENDPOINT_URL_IAM: env.AWS_ENDPOINT_URL_IAM ?? env.AWS_ENDPOINT_URL_EC2,
    AWS_ENDPOINT_URL_PRICING: env.AWS_ENDPOINT_URL_PRICING ?? env.AWS_ENDPOINT_URL_EC2,
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function listen(server: Server, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const timeScale = options.timeScale ?? 60;
  // The environment is read, never written: everything the handlers need is handed to them.
  const env = process.env;
  const events = options.time === 'events';
  const external = Boolean(env.AWS_ENDPOINT_URL_EC2 && env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2);
  const cloud = external
    ? undefined
    : await startCloud({
        port: 0,
        timeScale,
        clock: events ? 'events' : 'scaled',
        throttling: options.throttling ?? true,
        region: REGION,
        latency: options.latency,
        quotas: options.quotas,
      });
  const endpoints = endpointsFor(cloud?.url, env);
  const logLevel = options.logLevel ?? logLevelFrom(env);
  const functionLogger = (name: string) => new Logger({ serviceName: SERVICE_NAME, logLevel, persistentKeys: { function: name } });
  const roles = createStepRoles({
    endpoints,
    cloud,
    override: options.permissions,
    region: REGION,
    logLevel,
    externalCredentials: externalCredentials(env),
    // One simulated clock for the steps' time, their Lambda time and their SDK retries (docs/design.md "13.1").
    // With external endpoints, a clock of the stack's own at the same scale: an emulator run at ×timeScale
    // stamps its launch times on such a clock, and a step reckons its waits against them.
    clock: cloud?.clock ?? new LocalClock(timeScale),
    timeScale,
    scaleWaits: !events,
  });
  // Every step's module is loaded now, before any execution: a first require (TypeScript compiled on the fly,
  // the SDK clients) takes a few hundred real milliseconds, which a scaled clock would read as that × timeScale
  // of simulated time in the middle of the first build (at ×60, a quarter of a minute per step).
  for (const step of Object.values(STEP_FUNCTIONS)) roles.handler(step.handler);

  const slack = new SlackSink(options.onSlackMessage);
  const server = createServer();
  const url = await listen(server, options.port ?? 0);

  // The success message's cost estimate: the embedded cloud's labelled price sample, under notify's deployed grants.
  const pricing = createPricingClient(endpoints, roles.functionCredentials('notify', NOTIFY_PERMISSIONS));
  const notify = createNotifyHandler({
    resolveWebhookUrl: () => Promise.resolve(`${url}/_slack/webhook`),
    logger: functionLogger('notify'),
    estimate: (spec, buildId) => estimateCost(pricing, plan(spec, buildId)),
  });
  const sfn = new LocalStepFunctions({
    region: REGION,
    ...(cloud?.clock instanceof EventClock && { clock: cloud.clock }),
    // The build invokes notify itself when a person must act (an attachment to accept).
    handlers: (name) => (name === NOTIFY_FUNCTION.handler ? (notify as LocalHandler) : roles.handler(name)),
    onStatusChange: async (change) => {
      // On the event clock, notify's work (its Price List calls, its webhook post) is work the clock waits for, as a Task's is.
      const announce = () => notify(statusChangeEvent(change));
      await (cloud?.clock instanceof EventClock ? cloud.clock.during(announce) : announce());
    },
  });
  // On the event clock the definitions run as deployed: its Waits and Retries take simulated seconds as they are.
  const asRun = <D extends Parameters<typeof scaleDefinitionTime>[0]>(definition: D): D =>
    events ? definition : scaleDefinitionTime(definition, timeScale);
  const buildStateMachineArn = sfn.createStateMachine('k8s-ec2-build', asRun(buildDefinition()));
  const teardownStateMachineArn = sfn.createStateMachine('k8s-ec2-teardown', asRun(teardownDefinition()));
  const apiDeps = {
    sfn: new SFNClient({ region: REGION, endpoint: url, credentials: LOCAL_CREDENTIALS }),
    env: {
      BUILD_STATE_MACHINE_ARN: buildStateMachineArn,
      TEARDOWN_STATE_MACHINE_ARN: teardownStateMachineArn,
      AWS_REGION: REGION,
      // Every local stack is one deployment: a fresh one after a crash judges (and sweeps) what the last one left.
      K8S_EC2_DEPLOYMENT: LOCAL_DEPLOYMENT,
    },
  };
  const api = createApiHandler({ ...apiDeps, logger: functionLogger('api') });
  // The operations function reads the account under its own role (read-only, as deployed): the cloud refuses anything else.
  const operationsCredentials = roles.functionCredentials(
    'operations',
    operationsPermissions(workflowArnsOf(buildStateMachineArn, teardownStateMachineArn)),
  );
  const operations = createOperationsHandler({
    ...apiDeps,
    // Ages of orphans and drift check times are read against the resources' own (simulated) creation times.
    ...(cloud && { now: () => new Date(cloud.clock.now()) }),
    logger: functionLogger('operations'),
    clientsFor: readClientsFor(endpoints, operationsCredentials, cloud && { clock: cloud.clock, delayScale: timeScale }),
    pricing: createPricingClient(endpoints, operationsCredentials),
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const body = await readBody(req);
      const target = req.headers['x-amz-target'];
      if (typeof target === 'string' && target.startsWith('AWSStepFunctions.')) {
        const answer = handleStepFunctionsRequest(sfn, target, body);
        res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(answer.body));
      } else if (req.method === 'POST' && req.url === '/_slack/webhook') {
        const answer = slack.receive(body);
        res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.text);
      } else {
        const event = toProxyEvent(req, body);
        // API Gateway sends each route to its function (infra/api.ts); here one server stands in for both.
        const result = await (matchPath(event.path, OPERATION_ROUTES) ? operations : api)(event);
        const response = result as { statusCode: number; headers?: Record<string, string>; body: string };
        res.writeHead(response.statusCode, response.headers ?? {}).end(response.body);
      }
    })().catch((error: unknown) => {
      res
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: 'INTERNAL', message: String(error) } }));
    });
  });

  return {
    url,
    cloud,
    sfn,
    slack,
    endpoints,
    roles,
    operatorCredentials: externalCredentials(env),
    buildStateMachineArn,
    teardownStateMachineArn,
    timeScale,
    async close() {
      await sfn.stopAll().catch(() => undefined);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      await cloud?.close();
    },
  };
}
