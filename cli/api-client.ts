import { Sha256 } from '@aws-crypto/sha256-js';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, HttpRequest } from '@smithy/types';
import { ARTIFACT_NAMES, type ArtifactName } from '../functions/core/artifacts';
import type { BuildOutputs } from '../functions/core/contracts';
import type { OrphansAnswer, PlanAnswer, SweepAnswer, VerifyAnswer } from '../functions/ops/contracts';

/**
 * A small client for the k8s-ec2-builder HTTP API (openapi.yaml), shared by the `k8s-ec2` CLI and the
 * `npm start` orchestrator. It speaks to the deployed API (API Gateway, IAM auth: every request SigV4-signed
 * for `execute-api`) and to the local stack on loopback (unsigned: it needs no AWS credentials at all).
 */

// The same list the API serves (GET /builds/{id}/artifacts/{name}).
export { ARTIFACT_NAMES, type ArtifactName };

export interface StepView {
  name: string;
  status: string;
  enteredAt?: string;
  exitedAt?: string;
  /** What a retrying step waits for (e.g. an attachment waiting for acceptance in another account). */
  waitingFor?: string;
}

/** `GET /builds/{id}`. Only the fields the CLI reads are typed; the rest passes through untouched. */
export interface BuildView {
  buildId: string;
  status: string;
  clusterName?: string;
  /** Step Functions' own status of the build execution. */
  executionStatus?: string;
  executionArn?: string;
  steps?: StepView[];
  currentStep?: string | null;
  outputs?: Partial<BuildOutputs>;
  error?: ApiErrorBody | Record<string, unknown> | string;
  startedAt?: string;
  stoppedAt?: string;
  /** The newest teardown of the build (`DESTROYING`, `DESTROYED` or `FAILED`). */
  teardown?: { executionArn: string; status: string; startedAt?: string; stoppedAt?: string; links?: Record<string, string> };
  links?: Record<string, string>;
  [key: string]: unknown;
}

/** `POST /builds` and `DELETE /builds/{id}` (202). */
export interface BuildAccepted {
  buildId: string;
  status: string;
  executionArn?: string;
  links?: Record<string, string>;
  [key: string]: unknown;
}

export interface BuildList {
  builds: BuildView[];
  nextToken?: string;
}

export interface ApiErrorBody {
  code: string;
  message: string;
  field?: string;
}

/** One of several problems, as a 400 for an invalid spec lists them all (`errors`). */
export interface ApiErrorDetail {
  code: string;
  message: string;
  field: string;
}

/** A non-2xx answer of the API (or of API Gateway in front of it), with the API's `{ error }` body. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly details: ApiErrorDetail[] = [],
    /** Quote it when reporting a problem: the API logs every request under it. */
    readonly requestId?: string,
  ) {
    super(message);
  }
}

/** No AWS credentials for a request that must be signed: said once, with what to do about it. */
export class MissingCredentials extends Error {
  override readonly name = 'MissingCredentials';
}

/** Signs a request in place of the SDK's middleware; SignatureV4 satisfies it. */
export interface RequestSigner {
  sign(request: HttpRequest): Promise<HttpRequest>;
}

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<Response>;

export interface ApiClientOptions {
  /** Base URL of the API, with the stage for API Gateway (`https://abc.execute-api.ap-northeast-2.amazonaws.com/prod`). */
  baseUrl: string;
  /** Signs every request; absent for the local stack. */
  signer?: RequestSigner;
  /** Default: the global fetch (Node 20). */
  fetch?: FetchLike;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
}

export interface ConnectOptions {
  /** Signing region; default: parsed from an execute-api host, then AWS_REGION / AWS_DEFAULT_REGION. */
  region?: string;
  /** Credentials for SigV4; default: the AWS SDK's default provider chain (env, profile, SSO, IMDS…). */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  fetch?: FetchLike;
  env?: NodeJS.ProcessEnv;
}

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]', '::1']);

/** The local stack binds 127.0.0.1 only, so a loopback host is the one case where no signature is needed. */
export function isLoopbackUrl(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname) || /^127(\.\d{1,3}){3}$/.test(url.hostname);
}

/** `abc123.execute-api.ap-northeast-2.amazonaws.com` (also the `vpce` and China forms) → `ap-northeast-2`. */
export function regionFromHost(hostname: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.(?:vpce\.)?amazonaws\.com(?:\.cn)?$/.exec(hostname)?.[1];
}

function parseBaseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TypeError(
      `--api ${raw} is not a URL (expected e.g. http://127.0.0.1:8787 or https://<id>.execute-api.<region>.amazonaws.com/<stage>)`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`--api ${raw}: only http and https URLs are supported`);
  return url;
}

/**
 * The client for a base URL: unsigned on loopback; otherwise SigV4 for `execute-api` with credentials from
 * the default chain, resolved lazily (a `list` against the local stack never looks for AWS credentials).
 */
export function connect(baseUrl: string, options: ConnectOptions = {}): ApiClient {
  const url = parseBaseUrl(baseUrl);
  if (isLoopbackUrl(url)) return new ApiClient({ baseUrl, fetch: options.fetch });
  const env = options.env ?? process.env;
  const region = options.region ?? regionFromHost(url.hostname) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new TypeError(`cannot tell the signing region of ${url.host} (not an execute-api host): pass --region or set AWS_REGION`);
  }
  const credentials = options.credentials ?? fromNodeProviderChain();
  const provider: AwsCredentialIdentityProvider = async () => {
    try {
      return typeof credentials === 'function' ? await credentials() : credentials;
    } catch (error) {
      throw new MissingCredentials(
        `no AWS credentials to sign requests to ${url.host} (${(error as Error).message}). ` +
          'Configure them (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, aws sso login…), ' +
          'or use the local stack: k8s-ec2 local, then --api http://127.0.0.1:8787',
      );
    }
  };
  const signer = new SignatureV4({ service: 'execute-api', region, credentials: provider, sha256: Sha256 });
  return new ApiClient({ baseUrl, signer, fetch: options.fetch });
}

export class ApiClient {
  readonly baseUrl: URL;
  private readonly signer?: RequestSigner;
  private readonly fetch: FetchLike;
  private readonly timeoutMs: number;

  constructor(options: ApiClientOptions) {
    this.baseUrl = parseBaseUrl(options.baseUrl);
    this.signer = options.signer;
    this.fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** True when the API is the local stack (requests are unsigned, polling can be brisk). */
  get isLocal(): boolean {
    return isLoopbackUrl(this.baseUrl);
  }

  /** `POST /builds`; a repeated call with the same idempotency key answers with the same build. */
  createBuild(spec: unknown, options: { idempotencyKey?: string } = {}): Promise<BuildAccepted> {
    const headers: Record<string, string> = options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {};
    return this.json<BuildAccepted>('POST', '/builds', { body: JSON.stringify(spec), headers });
  }

  getBuild(buildId: string): Promise<BuildView> {
    return this.json<BuildView>('GET', `/builds/${encodeURIComponent(buildId)}`);
  }

  /** One page of `GET /builds`, newest first as the API orders them. */
  async listBuilds(options: { nextToken?: string; limit?: number } = {}): Promise<BuildList> {
    const query: Record<string, string> = {};
    if (options.nextToken) query.nextToken = options.nextToken;
    if (options.limit !== undefined) query.limit = String(options.limit);
    const answer = await this.json<BuildList | BuildView[] | { items: BuildView[]; nextToken?: string }>('GET', '/builds', { query });
    if (Array.isArray(answer)) return { builds: answer };
    if ('items' in answer) return { builds: answer.items, nextToken: answer.nextToken };
    return answer;
  }

  /** `DELETE /builds/{id}`: starts the teardown (202). */
  destroyBuild(buildId: string): Promise<BuildAccepted> {
    return this.json<BuildAccepted>('DELETE', `/builds/${encodeURIComponent(buildId)}`);
  }

  /** `POST /plans`: what a build of this spec would create, its preflight and its cost; with the key, the build id it would get. */
  plan(spec: unknown, options: { idempotencyKey?: string } = {}): Promise<PlanAnswer> {
    const headers: Record<string, string> = options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {};
    return this.json<PlanAnswer>('POST', '/plans', { body: JSON.stringify(spec), headers });
  }

  /** `POST /builds/{id}/verify`: what differs now from what the build made. */
  verify(buildId: string): Promise<VerifyAnswer> {
    return this.json<VerifyAnswer>('POST', `/builds/${encodeURIComponent(buildId)}/verify`);
  }

  /** `GET /orphans`: resources tagged as ours whose build no longer accounts for them. */
  orphans(): Promise<OrphansAnswer> {
    return this.json<OrphansAnswer>('GET', '/orphans');
  }

  /** `POST /orphans/{buildId}/sweep`: starts the teardown of what is tagged with that build id (202, or 200 once DESTROYED). */
  sweep(buildId: string): Promise<SweepAnswer> {
    return this.json<SweepAnswer>('POST', `/orphans/${encodeURIComponent(buildId)}/sweep`);
  }

  async getArtifact(buildId: string, name: ArtifactName): Promise<string> {
    const response = await this.send('GET', `/builds/${encodeURIComponent(buildId)}/artifacts/${encodeURIComponent(name)}`, {
      accept: 'text/plain',
    });
    return response.text();
  }

  private async json<T>(
    method: string,
    path: string,
    options: { body?: string; headers?: Record<string, string>; query?: Record<string, string> } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.send(method, path, headers, options.body, options.query);
    const text = await response.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(
        response.status,
        'BAD_RESPONSE',
        `${method} ${path} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`,
      );
    }
  }

  private async send(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string,
    query: Record<string, string> = {},
  ): Promise<Response> {
    const base = this.baseUrl.pathname.replace(/\/+$/, '');
    const url = new URL(this.baseUrl.href);
    url.pathname = `${base}${path}`;
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);

    let sendHeaders = headers;
    if (this.signer) {
      // SigV4 signs the Host header; fetch sets the very same value itself (and may refuse it from us).
      const request: HttpRequest = {
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: { ...headers, host: url.host },
        body,
      };
      const { headers: signed } = await this.signer.sign(request);
      sendHeaders = Object.fromEntries(Object.entries(signed).filter(([name]) => name !== 'host'));
    }
    const response = await this.fetch(url.href, { method, headers: sendHeaders, body, signal: AbortSignal.timeout(this.timeoutMs) });
    if (!response.ok) throw await toApiError(response, `${method} ${url.pathname}`);
    return response;
  }
}

/** The API's `{ error: { code, message, field } }`, or API Gateway's own `{ message }` + x-amzn-ErrorType. */
async function toApiError(response: Response, what: string): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let body:
    { error?: Partial<ApiErrorBody>; errors?: ApiErrorDetail[]; requestId?: string; message?: string; Message?: string } | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    body = typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    body = undefined;
  }
  const gatewayType = response.headers.get('x-amzn-errortype')?.split(':')[0];
  const requestId = body?.requestId ?? response.headers.get('x-request-id') ?? response.headers.get('x-amzn-requestid') ?? undefined;
  if (body?.error && typeof body.error === 'object') {
    const details = Array.isArray(body.errors) ? body.errors : [];
    return new ApiError(
      response.status,
      body.error.code ?? `HTTP_${response.status}`,
      body.error.message ?? what,
      body.error.field,
      details,
      requestId,
    );
  }
  const message = body?.message ?? body?.Message ?? (text.slice(0, 300) || response.statusText || 'no body');
  return new ApiError(response.status, gatewayType ?? `HTTP_${response.status}`, `${what}: ${message}`, undefined, [], requestId);
}
