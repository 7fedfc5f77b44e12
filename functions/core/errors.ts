/**
 * Our error classes. The class name is the error name Step Functions matches in Retry/Catch
 * (a Lambda's errorType is the thrown error's `name`), so names here are part of the workflow contract.
 */

import { AWS_THROTTLE_CODES } from './throttle-codes';

export { AWS_THROTTLE_CODES };

export type ErrorDetails = Record<string, unknown>;

export interface BuildErrorOptions {
  cause?: unknown;
  details?: ErrorDetails;
  /** The AWS error code this error was translated from (see `codeOf`). */
  awsCode?: string;
}

export abstract class BuildError extends Error {
  abstract readonly retryable: boolean;
  readonly details?: ErrorDetails;
  /** The AWS error code this error was translated from; undefined for errors of our own making. */
  readonly awsCode?: string;

  constructor(message: string, options?: BuildErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options?.details;
    this.awsCode = options?.awsCode;
  }
}

// Retryable: the state machine retries these with backoff.
/** The AWS API throttled us (RequestLimitExceeded, Throttling). */
export class AwsThrottled extends BuildError {
  readonly retryable = true;
}
/** AWS answered 5xx or could not be reached. */
export class AwsUnavailable extends BuildError {
  readonly retryable = true;
}
/** A resource exists but is not in the wanted state yet (booting, draining, lingering ENIs). */
export class ResourceNotReady extends BuildError {
  readonly retryable = true;
}
/**
 * A person must act before the build can go on (accept its Transit Gateway attachment in the gateway owner's
 * account): like ResourceNotReady, but the state machine polls it slowly (workflows/policies.ts
 * AWAITING_ACTION_RETRY), since a person takes minutes, not seconds.
 */
export class AwaitingAction extends BuildError {
  readonly retryable = true;
}
/** A resource we just created or were handed is not visible yet (EC2 eventual consistency). */
export class NotYetVisible extends BuildError {
  readonly retryable = true;
}

// Terminal: never retried; a build that meets one rolls back.
export class InvalidSpec extends BuildError {
  readonly retryable = false;
}
export class PreflightFailed extends BuildError {
  readonly retryable = false;
}
export class QuotaExceeded extends BuildError {
  readonly retryable = false;
}
export class InsufficientCapacity extends BuildError {
  readonly retryable = false;
}
export class PermissionDenied extends BuildError {
  readonly retryable = false;
}
export class ResourceConflict extends BuildError {
  readonly retryable = false;
}
/** What was built breaks a security invariant of docs/design.md "9.3 VerifyBaseline" (found by VerifyBaseline). */
export class BaselineViolation extends BuildError {
  readonly retryable = false;
}

/**
 * A step was started without a piece of state an earlier step must have produced (e.g. `$.network`): a bug
 * in our workflow or a hand-edited execution input, never the user's spec. Never retried (the same input
 * fails the same way); the failure cause names it as ours so nobody edits a spec to fix it.
 */
export class WorkflowContractError extends BuildError {
  readonly retryable = false;
  constructor(message: string, options?: BuildErrorOptions) {
    super(`workflow contract broken (a k8s-ec2-builder bug, not a problem with your spec): ${message}`, options);
  }
}

/**
 * AWS throttled us: retried by the state machine for minutes (workflows/policies.ts THROTTLE_RETRY), after the
 * SDK has already resent the call within the invocation (core/retry-strategy.ts).
 */
export const THROTTLE_ERRORS = ['AwsThrottled'] as const;
/** 5xx, no answer, or not visible yet: retried by the state machine with a short backoff (TRANSIENT_AWS_RETRY). */
export const TRANSIENT_ERRORS = ['AwsUnavailable', 'NotYetVisible'] as const;
/** Every error the state machine retries as a failure (not as waiting). */
export const RETRYABLE_ERRORS = [...THROTTLE_ERRORS, ...TRANSIENT_ERRORS] as const;
export const READINESS_ERROR = 'ResourceNotReady' as const;
export const AWAITING_ACTION_ERROR = 'AwaitingAction' as const;
/** The errors that mean "waiting" (polled by the state machine), as opposed to failures or transient errors. */
export const WAITING_ERRORS: readonly string[] = [READINESS_ERROR, AWAITING_ACTION_ERROR];
export const TERMINAL_ERRORS = [
  'InvalidSpec',
  'PreflightFailed',
  'QuotaExceeded',
  'InsufficientCapacity',
  'PermissionDenied',
  'ResourceConflict',
  'BaselineViolation',
  'WorkflowContractError',
] as const;
export const ALL_ERROR_NAMES: readonly string[] = [...RETRYABLE_ERRORS, ...WAITING_ERRORS, ...TERMINAL_ERRORS];

type ErrorClass = new (message: string, options?: BuildErrorOptions) => BuildError;

/**
 * AWS error code → our class. One table for EC2 and ELBv2. Codes not listed are rethrown unchanged
 * (never blanket-retried). NotFound codes mean "not visible yet" when we hold an ID we were given;
 * delete paths treat them as success (`isNotFound`, through `ignoringGone` in resources/owned.ts).
 *
 * ELBv2's answers about EC2 IDs: SubnetNotFound and InvalidSecurityGroup document one meaning only, "the
 * specified subnet / security group does not exist"
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html). Every
 * subnet and group we hand ELBv2 is one this build created, so that can only be ELBv2 not seeing it yet
 * (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html): NotYetVisible, like EC2's own
 * NotFound codes. InvalidTarget and InvalidSubnet also document causes a retry cannot fix (a target in
 * another VPC or of an unsupported type; a subnet out of addresses), so they keep their terminal meaning
 * here and are read as "not visible yet" only by the calls whose own checks exclude those causes
 * (`awsOnFreshIds`).
 */
const CLASSIFICATION: Record<string, ErrorClass> = {
  ...codes(AwsThrottled, ...AWS_THROTTLE_CODES),
  ...codes(
    AwsUnavailable,
    'ServiceUnavailable',
    'Unavailable',
    'InternalError',
    'InternalFailure',
    'ServerInternal',
    'RequestTimeout',
    'RequestTimeoutException',
    'TimeoutError',
    // The connection failed (no AWS answer at all): the step is retried and finds by tag what may exist.
    'ECONNRESET',
    'EPIPE',
    'ETIMEDOUT',
    'ECONNREFUSED',
    'EAI_AGAIN',
  ),
  ...codes(
    ResourceNotReady,
    'DependencyViolation',
    // IAM: a role still in an instance profile or with a policy attached (the teardown removes those first).
    'DeleteConflict',
    'DeleteConflictException',
    'ResourceInUse',
    'IncorrectState',
    'IncorrectInstanceState',
    'InvalidState',
    'OperationNotPermitted.Pending',
  ),
  ...codes(
    NotYetVisible,
    'InvalidVpcID.NotFound',
    'InvalidSubnetID.NotFound',
    'InvalidGroup.NotFound',
    'InvalidInstanceID.NotFound',
    'InvalidInternetGatewayID.NotFound',
    'InvalidRouteTableID.NotFound',
    'InvalidAllocationID.NotFound',
    'InvalidAssociationID.NotFound',
    'InvalidNetworkInterfaceID.NotFound',
    'LoadBalancerNotFound',
    'TargetGroupNotFound',
    'ListenerNotFound',
    'SubnetNotFound',
    'InvalidSecurityGroup',
  ),
  ...codes(
    QuotaExceeded,
    'VpcLimitExceeded',
    'AddressLimitExceeded',
    'InstanceLimitExceeded',
    'VcpuLimitExceeded',
    'SubnetLimitExceeded',
    'SecurityGroupLimitExceeded',
    'RulesPerSecurityGroupLimitExceeded',
    'InternetGatewayLimitExceeded',
    'RouteTableLimitExceeded',
    'NatGatewayLimitExceeded',
    'VpcEndpointLimitExceeded',
    'RouteLimitExceeded',
    'TransitGatewayAttachmentLimitExceeded',
    // IAM: too many roles or instance profiles in the account.
    'LimitExceeded',
    'LimitExceededException',
    'TooManyLoadBalancers',
    'TooManyTargetGroups',
    'TooManyListeners',
    'TooManyTargets',
    'TooManyTags',
    'TooManyRegistrationsForTargetId',
    'ServiceQuotaExceededException',
  ),
  ...codes(
    InsufficientCapacity,
    'InsufficientInstanceCapacity',
    'InsufficientHostCapacity',
    'InsufficientCapacity',
    'InsufficientAddressCapacity',
    'InsufficientFreeAddressesInSubnet',
    'Unsupported',
  ),
  ...codes(
    PermissionDenied,
    'UnauthorizedOperation',
    'AccessDenied',
    'AccessDeniedException',
    'AuthFailure',
    'OptInRequired',
    'Blocked',
    'UnrecognizedClientException',
    'InvalidClientTokenId',
    'ExpiredToken',
  ),
  ...codes(
    ResourceConflict,
    'IdempotentParameterMismatch',
    'DuplicateLoadBalancerName',
    'DuplicateTargetGroupName',
    'DuplicateListener',
    'InvalidGroup.Duplicate',
    'Resource.AlreadyAssociated',
    'TargetGroupAssociationLimit',
  ),
  ...codes(
    InvalidSpec,
    'InvalidParameterValue',
    'InvalidParameterCombination',
    'InvalidParameter',
    'ValidationError',
    'MissingParameter',
    'InvalidConfigurationRequest',
    'InvalidTarget',
    'InvalidAMIID.NotFound',
    'InvalidAMIID.Malformed',
    'InvalidKeyPair.NotFound',
    'InvalidSubnet.Conflict',
    'InvalidVpc.Range',
    'InvalidSubnet.Range',
  ),
};

function codes(errorClass: ErrorClass, ...awsCodes: string[]): Record<string, ErrorClass> {
  return Object.fromEntries(awsCodes.map((code) => [code, errorClass]));
}

/** How deep `codeOf` follows `cause` chains (they are short; this only guards against a cycle). */
const MAX_CAUSE_DEPTH = 5;

/**
 * The AWS error code an error carries, wherever it is: an SDK v3 error's own (its `name`, or `Code`/`code`
 * for query-protocol and network errors), a BuildError's `awsCode` (the code it was translated from), or
 * else that of its `cause`. Undefined when none names one. The one way to ask "which AWS answer was this?",
 * before or after translation.
 */
export function codeOf(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > MAX_CAUSE_DEPTH) return undefined;
  const cause = (error as { cause?: unknown }).cause;
  if (error instanceof BuildError) return error.awsCode ?? codeOf(cause, depth + 1);
  const e = error as { name?: unknown; Code?: unknown; code?: unknown };
  for (const candidate of [e.Code, e.code, e.name]) {
    if (typeof candidate === 'string' && candidate !== 'Error') return candidate;
  }
  // The SDK's retry middleware re-wraps a thrown value that is not an Error of its own realm (an HTTP error
  // raised in another V8 context, as under jest) as "AWS SDK error wrapper for <name>: <message>".
  const wrapped = /^AWS SDK error wrapper for (\w+)/.exec((error as { message?: unknown }).message as string);
  if (wrapped) return wrapped[1];
  return codeOf(cause, depth + 1);
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** The class an AWS error belongs to, or undefined if the table does not know it. */
export function classOf(error: unknown): ErrorClass | undefined {
  const code = codeOf(error);
  if (code && CLASSIFICATION[code]) return CLASSIFICATION[code];
  const status = httpStatus(error);
  if (status !== undefined && status >= 500) return AwsUnavailable;
  return undefined;
}

/**
 * Translate an SDK error at the place the SDK is called: a known AWS code becomes our class (message
 * names the operation and the AWS code); anything else is returned unchanged so it surfaces as itself.
 */
export function translateAwsError(error: unknown, operation: string): unknown {
  if (error instanceof BuildError) return error;
  const errorClass = classOf(error);
  return errorClass ? asClass(errorClass, error, operation) : error;
}

function asClass(errorClass: ErrorClass, error: unknown, operation: string): BuildError {
  const awsCode = codeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return new errorClass(`${operation}: ${awsCode ?? 'Unknown'}: ${message}`, { cause: error, awsCode, details: { operation } });
}

/** Call the SDK and translate what it throws. */
export async function aws<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw translateAwsError(error, operation);
  }
}

/**
 * `aws` for a call where some codes mean something narrower than the one table says, because the caller's
 * own checks rule out their other meanings: `readAs` maps those codes to a class; every other code is
 * classified as usual.
 */
export async function awsReading<T>(operation: string, readAs: Readonly<Record<string, ErrorClass>>, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const code = codeOf(error);
    const errorClass = code !== undefined && Object.prototype.hasOwnProperty.call(readAs, code) ? readAs[code] : undefined;
    throw errorClass ? asClass(errorClass, error, operation) : translateAwsError(error, operation);
  }
}

/**
 * `aws` for a call that hands one service IDs another service has just created for this build and that the
 * caller has confirmed (e.g. instances EC2 reports running, handed to ELBv2). There, `lagCodes` can only
 * mean that the service has not caught up yet, so they become NotYetVisible (retried) whatever the table
 * says; every other code is classified as usual.
 */
export function awsOnFreshIds<T>(operation: string, lagCodes: readonly string[], call: () => Promise<T>): Promise<T> {
  return awsReading(operation, Object.fromEntries(lagCodes.map((code) => [code, NotYetVisible])), call);
}

/** An error as a step can carry it in the state: Step Functions matches the name, people read the message. */
export interface RecordedError {
  error: string;
  message: string;
}

const TERMINAL_CLASSES: Record<string, ErrorClass> = {
  InvalidSpec,
  PreflightFailed,
  QuotaExceeded,
  InsufficientCapacity,
  PermissionDenied,
  ResourceConflict,
  BaselineViolation,
};

/** True for what no Retry of the workflow will repeat: our terminal classes and unclassified errors. */
export function isTerminal(error: unknown): boolean {
  return !(error instanceof BuildError && error.retryable);
}

export function recordError(error: unknown): RecordedError {
  return { error: (error as Error)?.name ?? 'Error', message: (error as Error)?.message ?? String(error) };
}

/** The error a run recorded, thrown by a later run as the same class (or an Error of the same name). */
export function recordedError(record: RecordedError): Error {
  const errorClass = TERMINAL_CLASSES[record.error];
  if (errorClass) return new errorClass(record.message);
  return Object.assign(new Error(record.message), { name: record.error });
}

/**
 * True for the "already gone" answers that a delete treats as success: a NotFound code on the raw SDK error
 * or on our translation of it (`codeOf`).
 */
export function isNotFound(error: unknown): boolean {
  const code = codeOf(error) ?? '';
  // IAM says NoSuchEntity (the SDK's exception name adds "Exception").
  return code.endsWith('NotFound') || code === 'NoSuchEntity' || code === 'NoSuchEntityException';
}
