import * as path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { NOTIFY_LAMBDA_TIMEOUT_SECONDS, STEP_FUNCTIONS, STEP_LAMBDA_TIMEOUT_SECONDS, type StepFunctionId } from '../workflows/steps';
import type { Grant } from './iam';
import { acknowledgeGrants } from './nag';
import { STEP_PERMISSIONS } from './permissions';
import { policyStatement } from './policy-statements';

/** Every step function's memory (and CPU share): the bench prices their GB-seconds with it. */
export const DEFAULT_MEMORY_MB = 512;

/** The repository root: handlers live under functions/handlers, the lock file pins the bundle's inputs. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');
export const SERVICE_NAME = 'k8s-ec2-builder';
export const RUNTIME = Runtime.NODEJS_24_X;

/** See STEP_LAMBDA_TIMEOUT_SECONDS (workflows/steps.ts, shared with the local runtime). */
export const STEP_TIMEOUT = Duration.seconds(STEP_LAMBDA_TIMEOUT_SECONDS);
/** API Gateway gives a Lambda integration at most 29 s; the api handler must answer before that. */
export const API_TIMEOUT = Duration.seconds(25);
export const NOTIFY_TIMEOUT = Duration.seconds(NOTIFY_LAMBDA_TIMEOUT_SECONDS);
/** The operations routes sit behind API Gateway too: same 29 s ceiling as the api function. */
export const OPERATIONS_TIMEOUT = API_TIMEOUT;
/** The daily report reads the whole inventory (tags, then executions per build id) and posts once; no caller waits. */
export const ORPHAN_REPORT_TIMEOUT = Duration.seconds(60);

export interface HandlerFunctionProps {
  /** File under functions/handlers/ without `.ts` (the `handler` of the step catalogue). */
  handler: string;
  description: string;
  timeout: Duration;
  /** @default 512 — the SDK v3 bundle loads noticeably faster with the CPU share of 512 MB */
  memorySize?: number;
  environment?: Record<string, string>;
  logRetention: RetentionDays;
}

/**
 * One handler as a Lambda: Node.js on arm64, X-Ray active, its own log group with retention, and its own
 * role that can write only to that log group (no AWSLambdaBasicExecutionRole, which may create any log
 * group). Bundled with esbuild installed in this repository (no Docker): minified CJS with the AWS SDK v3
 * inside, so the SDK version is the one in package-lock.json, not whatever the runtime ships.
 */
export class HandlerFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${SERVICE_NAME} ${props.handler} function`,
    });
    this.function = new NodejsFunction(this, 'Function', {
      entry: path.join(PROJECT_ROOT, 'functions', 'handlers', `${props.handler}.ts`),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? DEFAULT_MEMORY_MB,
      timeout: props.timeout,
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        minify: true,
        // Error classes set `name = new.target.name` and Step Functions matches Retry/Catch on that name:
        // without keepNames, minification would rename `ResourceNotReady` and every Retry would miss.
        keepNames: true,
        target: 'node22',
        format: OutputFormat.CJS,
        mainFields: ['module', 'main'],
        externalModules: [],
      },
    });
    logGroup.grantWrite(this.role);
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Active X-Ray tracing adds xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions',
    });
  }
}

export interface WorkflowFunctionsProps {
  logRetention: RetentionDays;
}

/** One function per entry of the step catalogue (workflows/steps.ts), each with its own permissions. */
export class WorkflowFunctions extends Construct {
  readonly steps: Record<StepFunctionId, HandlerFunction>;

  constructor(scope: Construct, id: string, props: WorkflowFunctionsProps) {
    super(scope, id);
    const steps = {} as Record<StepFunctionId, HandlerFunction>;
    for (const [stepId, entry] of Object.entries(STEP_FUNCTIONS) as Array<[StepFunctionId, (typeof STEP_FUNCTIONS)[StepFunctionId]]>) {
      const fn = new HandlerFunction(this, pascal(stepId), {
        handler: entry.handler,
        description: `${SERVICE_NAME} step ${entry.handler}`,
        timeout: STEP_TIMEOUT,
        logRetention: props.logRetention,
      });
      grantAll(fn, STEP_PERMISSIONS[stepId]);
      steps[stepId] = fn;
    }
    this.steps = steps;
  }
}

/** A permission table's rows as the function's role policy, each wildcard acknowledged with its row's reason. */
export function grantAll(fn: HandlerFunction, grants: Grant[]): void {
  for (const grant of grants) fn.role.addToPolicy(policyStatement(grant));
  acknowledgeGrants(fn, grants);
}

function pascal(id: string): string {
  return id.charAt(0).toUpperCase() + id.slice(1);
}
