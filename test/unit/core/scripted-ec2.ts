import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the scripted endpoint answers one request with. */
export type Answer = 'throttle' | 'unavailable' | 'ok' | 'iamQuota';

export interface ScriptedEc2 {
  url: string;
  /** The Action of every request received, in order (one per attempt the SDK made). */
  actions: string[];
  close: () => Promise<void>;
}

/**
 * A real HTTP endpoint speaking EC2's query protocol, so that a real SDK client's retry middleware and our
 * strategy run as in production: request n gets `answers[n]` (then `then`), a RequestLimitExceeded 503, an
 * InternalError 500 or an empty DescribeVpcs result; or, for an IAM client sent here, IAM's LimitExceeded 409
 * (`iamQuota`, in IAM's query-protocol error shape). `onRequest` runs before each answer (a test's clock).
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
    // Idle keep-alive connections too, or the close waits for their timeout (5 s).
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const error = (code: string, message: string) =>
  `<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>req-1</RequestID></Response>`;

/** IAM's error shape (awsQuery), not EC2's. */
const iamError = (code: string, message: string) =>
  `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>${code}</Code>` +
  `<Message>${message}</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`;

const ANSWERS: Record<Answer, [number, string]> = {
  throttle: [503, error('RequestLimitExceeded', 'Request limit exceeded.')],
  // What IAM answers at the account's role quota: the SDK names it LimitExceededException, on its throttling list.
  iamQuota: [409, iamError('LimitExceeded', 'Cannot exceed quota for RolesPerAccount: 1000')],
  unavailable: [500, error('InternalError', 'An internal error has occurred.')],
  ok: [
    200,
    '<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-1</requestId><vpcSet/></DescribeVpcsResponse>',
  ],
};

/** Credentials for the scripted endpoint (it checks none): without them the SDK would look for real ones. */
export const TEST_CREDENTIALS = { accessKeyId: 'AKIDTESTTEST', secretAccessKey: 'secret' };
