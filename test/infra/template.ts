import type { Template } from 'aws-cdk-lib/assertions';

/**
 * The synthesized CloudFormation template as the infra tests read it: the properties of the resource types
 * they inspect, typed as far as they look. `ofType` and `propertiesOf` check the resource type, so a logical
 * id of the wrong resource fails the test instead of reading undefined.
 */
export interface Ref {
  Ref: string;
}

export interface PolicyStatement {
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export interface PropertiesByType {
  'AWS::IAM::Policy': { Roles: Ref[]; PolicyDocument: { Statement: PolicyStatement[] } };
  'AWS::Lambda::Function': {
    Handler: string;
    Description?: string;
    Runtime: string;
    Architectures: string[];
    TracingConfig: { Mode: string };
    Timeout: number;
    Environment: { Variables: Record<string, unknown> };
    LoggingConfig: { LogGroup: Ref };
  };
  'AWS::Logs::LogGroup': { RetentionInDays: number };
  'AWS::StepFunctions::StateMachine': { DefinitionSubstitutions: Record<string, unknown> };
  'AWS::ApiGateway::Method': {
    AuthorizationType: string;
    RequestValidatorId: Ref;
    RequestModels: Record<string, Ref>;
    Integration: { Type: string; Uri: unknown };
  };
  'AWS::ApiGateway::RequestValidator': { ValidateRequestBody: boolean };
  'AWS::ApiGateway::Model': { ContentType: string; Schema: unknown };
  'AWS::ApiGateway::Stage': { AccessLogSetting: { Format: string } };
  'AWS::Events::Rule': { ScheduleExpression?: string; EventPattern?: unknown; Targets: Array<{ Arn: unknown }> };
}

export type ResourceType = keyof PropertiesByType;

export type Resources = Record<string, { Type: string; Properties: unknown }>;

export function templateResources(template: Template): Resources {
  return (template.toJSON() as { Resources: Resources }).Resources;
}

/** Every resource of `type`, as [logical id, properties]. */
export function ofType<T extends ResourceType>(resources: Resources, type: T): Array<[string, PropertiesByType[T]]> {
  return Object.entries(resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, r.Properties as PropertiesByType[T]]);
}

/** The properties of resource `id`, which must be a `type`. */
export function propertiesOf<T extends ResourceType>(resources: Resources, id: string, type: T): PropertiesByType[T] {
  const resource = resources[id] as Resources[string] | undefined;
  if (resource?.Type !== type) throw new Error(`${id} is ${resource ? `a ${resource.Type}` : 'not in the template'}, not a ${type}`);
  return resource.Properties as PropertiesByType[T];
}
