import './polyfills';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SFNClient } from '@aws-sdk/client-sfn';
import { createApiHandler } from '../functions/handlers/api';
import { createNotifyHandler } from '../functions/handlers/notify';
import { buildDefinition, scaleDefinitionTime, teardownDefinition } from '../workflows';
import { toProxyEvent } from './api/proxy-event';
import { SlackSink, type SlackMessage } from './api/slack-sink';
import { startCloud, type EmbeddedCloud } from './cloud';
import { statusChangeEvent } from './stepfunctions/events';
import { handleStepFunctionsRequest } from './stepfunctions/protocol';
import { LocalStepFunctions } from './stepfunctions/service';

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
  /** AWS request token buckets in the embedded cloud (default on). */
  throttling?: boolean;
  /** Called with each Slack message as it arrives. */
  onSlackMessage?: (message: SlackMessage) => void;
}

export interface LocalStack {
  /** Base URL of the HTTP API (also the Step Functions endpoint). */
  url: string;
  /** The embedded cloud, or undefined when external endpoints are used. */
  cloud?: EmbeddedCloud;
  sfn: LocalStepFunctions;
  slack: SlackSink;
  buildStateMachineArn: string;
  teardownStateMachineArn: string;
  timeScale: number;
  close(): Promise<void>;
}

const REGION = 'ap-northeast-2';
const ENDPOINT_VARIABLES = ['AWS_ENDPOINT_URL_EC2', 'AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2', 'AWS_ENDPOINT_URL_SERVICE_QUOTAS', 'AWS_ENDPOINT_URL_SFN'];

function snapshotEnv(names: string[]): () => void {
  const saved = names.map((name) => [name, process.env[name]] as const);
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
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
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  process.env.AWS_REGION ??= REGION;
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';

  // The handlers build their clients from these variables (functions/core/clients.ts), per invocation.
  // What this stack sets is put back on close, so a second stack in the same process starts afresh.
  const restoreEnv = snapshotEnv(ENDPOINT_VARIABLES);
  const external = Boolean(process.env.AWS_ENDPOINT_URL_EC2 && process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2);
  const cloud = external ? undefined : await startCloud({ port: 0, timeScale, throttling: options.throttling ?? true, region: REGION });
  if (cloud) {
    process.env.AWS_ENDPOINT_URL_EC2 = cloud.url;
    process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 = cloud.url;
    process.env.AWS_ENDPOINT_URL_SERVICE_QUOTAS = cloud.url;
  } else {
    // LocalStack and moto serve every service on one endpoint; without this, preflight would ask real AWS.
    process.env.AWS_ENDPOINT_URL_SERVICE_QUOTAS ??= process.env.AWS_ENDPOINT_URL_EC2;
  }

  const slack = new SlackSink(options.onSlackMessage);
  const server = createServer();
  const url = await listen(server, options.port ?? 0);
  process.env.AWS_ENDPOINT_URL_SFN = url;

  const notify = createNotifyHandler({ resolveWebhookUrl: async () => `${url}/_slack/webhook` });
  const sfn = new LocalStepFunctions({
    region: REGION,
    onStatusChange: async (change) => {
      await notify(statusChangeEvent(change) as never);
    },
  });
  const buildStateMachineArn = sfn.createStateMachine('k8s-ec2-build', scaleDefinitionTime(buildDefinition(), timeScale, { transientRetries: 'real-time' }));
  const teardownStateMachineArn = sfn.createStateMachine('k8s-ec2-teardown', scaleDefinitionTime(teardownDefinition(), timeScale, { transientRetries: 'real-time' }));
  const api = createApiHandler({
    sfn: new SFNClient({ region: REGION, endpoint: url }),
    env: { BUILD_STATE_MACHINE_ARN: buildStateMachineArn, TEARDOWN_STATE_MACHINE_ARN: teardownStateMachineArn, AWS_REGION: REGION },
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
        const result = await api(toProxyEvent(req, body));
        const response = result as { statusCode: number; headers?: Record<string, string>; body: string };
        res.writeHead(response.statusCode, response.headers ?? {}).end(response.body);
      }
    })().catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'INTERNAL', message: String(error) } }));
    });
  });

  return {
    url,
    cloud,
    sfn,
    slack,
    buildStateMachineArn,
    teardownStateMachineArn,
    timeScale,
    async close() {
      await sfn.stopAll().catch(() => undefined);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      await cloud?.close();
      restoreEnv();
    },
  };
}
