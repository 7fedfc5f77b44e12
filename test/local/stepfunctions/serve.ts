import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SFNClient } from '@aws-sdk/client-sfn';
import { handleStepFunctionsRequest } from '../../../local/stepfunctions/protocol';
import type { LocalStepFunctions } from '../../../local/stepfunctions/service';

/** The local Step Functions behind node:http on 127.0.0.1, and a real SFNClient talking to it (no retries). */
export async function serveStepFunctions(sfn: LocalStepFunctions) {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const answer = handleStepFunctionsRequest(sfn, String(req.headers['x-amz-target'] ?? ''), Buffer.concat(chunks).toString('utf8'));
      res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new SFNClient({
    region: sfn.region,
    endpoint: url,
    maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  return {
    url,
    client,
    async close() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Handlers held until a test opens them. `openAll` in afterEach opens every one, so a failed test cannot
 * hold an execution (and the shutdown) open.
 */
export function gates() {
  const pending: Array<() => void> = [];
  return {
    gate: () => {
      let open!: () => void;
      const opened = new Promise<void>((resolve) => {
        open = resolve;
      });
      pending.push(open);
      return { open, opened };
    },
    openAll: () => {
      pending.splice(0).forEach((open) => open());
    },
  };
}
