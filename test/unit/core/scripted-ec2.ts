import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the scripted endpoint answers one request with. */
export type Answer = 'throttle' | 'unavailable' | 'ok';

export interface ScriptedEc2 {
  url: string;
  /** The Action of every request received, in order (one per attempt the SDK made). */
  actions: string[];
  close: () => Promise<void>;
}

/**
 * A real HTTP endpoint speaking EC2's query protocol, so that a real SDK client's retry middleware and our
 * strategy run as in production: request n gets `answers[n]` (then `then`), a RequestLimitExceeded 503, an
 * InternalError 500 or an empty DescribeVpcs result. `onRequest` runs before each answer (a test's clock).
 */
export async function scriptedEc2(answers: Answer[], then: Answer = 'ok', onRequest: () => void = () => undefined): Promise<ScriptedEc2> {
  const actions: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      actions.push(new URLSearchParams(body).get('Action') ?? '');
      onRequest();
      const answer = answers[actions.length - 1] ?? then;
      const [status, xml] = ANSWERS[answer];
      res.writeHead(status, { 'content-type': 'text/xml' }).end(xml);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    actions,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const error = (code: string, message: string) =>
  `<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>req-1</RequestID></Response>`;

const ANSWERS: Record<Answer, [number, string]> = {
  throttle: [503, error('RequestLimitExceeded', 'Request limit exceeded.')],
  unavailable: [500, error('InternalError', 'An internal error has occurred.')],
  ok: [
    200,
    '<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-1</requestId><vpcSet/></DescribeVpcsResponse>',
  ],
};

/** Credentials for the scripted endpoint (it checks none): without them the SDK would look for real ones. */
export const TEST_CREDENTIALS = { accessKeyId: 'AKIDTESTTEST', secretAccessKey: 'secret' };
