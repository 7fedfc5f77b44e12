import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  Model,
  RequestValidator,
  ResponseType,
  RestApi,
  type JsonSchema,
} from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { specJsonSchema } from '../functions/core/spec';
import { acknowledge, NAG_REASONS } from './nag';

export interface BuildsApiProps {
  /** The api function: the builds routes (Step Functions only). */
  handler: IFunction;
  /** The operations function: plan, verify, orphans, sweep (read-only account access). */
  operations: IFunction;
  logRetention: RetentionDays;
  /** Requests per second for the whole stage. */
  throttleRateLimit: number;
  throttleBurstLimit: number;
}

/** Which Lambda serves a route (proxy integration; each function routes its own paths). */
export type RouteFunction = 'api' | 'operations';

/**
 * The API's routes. The builds routes go to the `api` function, which can only start and read executions;
 * the operations routes (docs/design.md "12. Operating builds") to the `operations` function, which reads the
 * account: kept apart so the function every build request reaches holds no account-wide read access.
 */
export const ROUTES: ReadonlyArray<{ method: string; path: string; fn: RouteFunction }> = [
  { method: 'POST', path: '/builds', fn: 'api' },
  { method: 'GET', path: '/builds', fn: 'api' },
  { method: 'GET', path: '/builds/{id}', fn: 'api' },
  { method: 'DELETE', path: '/builds/{id}', fn: 'api' },
  { method: 'GET', path: '/builds/{id}/artifacts/{name}', fn: 'api' },
  { method: 'POST', path: '/plans', fn: 'operations' },
  { method: 'POST', path: '/builds/{id}/verify', fn: 'operations' },
  { method: 'GET', path: '/orphans', fn: 'operations' },
  { method: 'POST', path: '/orphans/{buildId}/sweep', fn: 'operations' },
];

export const STAGE_NAME = 'v1';

/**
 * The REST API (docs/design.md "2.2 HTTP API and build ids", "9.4 The deployed stack"): SigV4/IAM authorisation on every method, the POST body validated against
 * the build spec's JSON Schema before any Lambda runs, JSON access logs, execution logs at ERROR, X-Ray,
 * and stage-wide throttling (a build starts EC2 work, so the API is not meant for high request rates).
 */
export class BuildsApi extends Construct {
  readonly api: RestApi;

  constructor(scope: Construct, id: string, props: BuildsApiProps) {
    super(scope, id);
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.api = new RestApi(this, 'Api', {
      description: 'k8s-ec2-builder: start, follow and tear down builds; plan, verify, find and sweep orphans (IAM/SigV4 auth)',
      endpointTypes: [EndpointType.REGIONAL],
      // API Gateway writes execution/access logs through one account-level role; the stack sets it up.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.DESTROY,
      defaultMethodOptions: { authorizationType: AuthorizationType.IAM },
      deployOptions: {
        stageName: STAGE_NAME,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: MethodLoggingLevel.ERROR,
        // Request/response bodies stay out of execution logs (they would duplicate specs and artifacts).
        dataTraceEnabled: false,
        throttlingRateLimit: props.throttleRateLimit,
        throttlingBurstLimit: props.throttleBurstLimit,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields({
          caller: true,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
      },
    });

    const validator = new RequestValidator(this, 'BodyValidator', {
      restApi: this.api,
      requestValidatorName: 'build-spec-body',
      validateRequestBody: true,
      // cdk-nag APIG2 asks for both; no method declares required parameters, so this rejects nothing today.
      validateRequestParameters: true,
    });
    const specModel = new Model(this, 'BuildSpecModel', {
      restApi: this.api,
      contentType: 'application/json',
      modelName: 'BuildSpec',
      description: 'The build spec (functions/core/spec.ts), as JSON Schema draft-04',
      schema: toApiGatewaySchema(specJsonSchema()),
    });
    // A body the model rejects gets the same error shape as the handler's own 400s (docs/design.md "3.3 Error shape").
    // Only messageString is used: it is the one error variable API Gateway renders as a quoted JSON
    // string; validationErrorString holds raw quotes and would break the JSON.
    this.api.addGatewayResponse('InvalidBody', {
      type: ResponseType.BAD_REQUEST_BODY,
      statusCode: '400',
      templates: { 'application/json': '{"error":{"code":"INVALID_SPEC","message":$context.error.messageString,"field":"(body)"}}' },
    });

    // Test invocations from the console are not needed; leaving them off halves the Lambda permissions.
    const integration = new LambdaIntegration(props.handler, { proxy: true, allowTestInvoke: false });
    const operations = new LambdaIntegration(props.operations, { proxy: true, allowTestInvoke: false });
    // A plan takes the same spec as a build: the same model rejects a bad one before any Lambda runs.
    const specBody = { requestValidator: validator, requestModels: { 'application/json': specModel } };
    const builds = this.api.root.addResource('builds');
    builds.addMethod('POST', integration, specBody);
    builds.addMethod('GET', integration);
    const build = builds.addResource('{id}');
    build.addMethod('GET', integration);
    build.addMethod('DELETE', integration);
    build.addResource('artifacts').addResource('{name}').addMethod('GET', integration);
    build.addResource('verify').addMethod('POST', operations);
    this.api.root.addResource('plans').addMethod('POST', operations, specBody);
    const orphans = this.api.root.addResource('orphans');
    orphans.addMethod('GET', operations);
    orphans.addResource('{buildId}').addResource('sweep').addMethod('POST', operations);

    acknowledge(
      this,
      { id: 'AwsSolutions-APIG3', reason: NAG_REASONS.apiWaf },
      { id: 'AwsSolutions-COG4', reason: NAG_REASONS.apiCognito },
    );
    acknowledge(this.api.node.findChild('CloudWatchRole'), {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason: NAG_REASONS.apiCloudWatchRole,
    });
  }
}

const RENAMED_KEYS: Record<string, string> = { $schema: 'schema', $ref: 'ref', $id: 'id' };
/** Keys whose value is a map of name → subschema: the names there are data, not schema keywords. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions']);

/**
 * JSON Schema (as zod emits it) → CDK's `JsonSchema`, which spells `$schema`/`$ref`/`$id` without the
 * dollar and renders them back on synth. The test checks that the deployed model equals specJsonSchema().
 */
export function toApiGatewaySchema(schema: Record<string, unknown>): JsonSchema {
  return convert(schema) as JsonSchema;
}

function convert(value: unknown, isSchemaMap = false): unknown {
  if (Array.isArray(value)) return value.map((item) => convert(item));
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, child]) => [
      isSchemaMap ? key : (RENAMED_KEYS[key] ?? key),
      convert(child, !isSchemaMap && SCHEMA_MAPS.has(key)),
    ]),
  );
}
