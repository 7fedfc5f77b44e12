import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { buildDefinition, definitionSubstitutionNames, teardownDefinition, toJson, type StateMachineDefinition } from '../workflows';
import { NOTIFY_FUNCTION, STEP_FUNCTIONS, type StepFunctionId } from '../workflows/steps';
import type { HandlerFunction } from './functions';
import { acknowledge, NAG_REASONS } from './nag';

export interface WorkflowStateMachineProps {
  /** The ASL from workflows/, with `${<Name>FunctionArn}` Task resources. */
  definition: StateMachineDefinition;
  /** The step functions by catalogue id and notify; the ones the definition names are substituted and invocable. */
  functions: TaskFunctions;
  logRetention: RetentionDays;
  /** @default false — see InfraConfig.includeExecutionData */
  includeExecutionData?: boolean;
}

/**
 * One Standard state machine (a build runs for minutes; Express stops at 5) deployed from the plain ASL of
 * workflows/: DefinitionBody from the JSON text plus DefinitionSubstitutions for the function ARNs, so the
 * deployed definition is byte-for-byte what the local runtime runs. Logs every event (level ALL), traces
 * with X-Ray, and its role may invoke exactly the functions its definition names.
 */
export class WorkflowStateMachine extends Construct {
  readonly stateMachine: StateMachine;
  /** Substitution name → function, for the Tasks of this definition. */
  readonly substitutions: Record<string, HandlerFunction>;

  constructor(scope: Construct, id: string, props: WorkflowStateMachineProps) {
    super(scope, id);
    this.substitutions = substitutionsFor(props.definition, props.functions);
    const invoked = Object.values(this.substitutions).map((fn) => fn.function.functionArn);

    const role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('states.amazonaws.com') });
    // Tasks name the unqualified function ARN, so that is all the role needs (no `:*` versions/aliases).
    role.addToPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['lambda:InvokeFunction'], resources: invoked }));

    const logGroup = new LogGroup(this, 'Logs', {
      // Under /aws/vendedlogs/ as the Step Functions guide advises: log delivery then shares one
      // CloudWatch Logs resource-policy entry instead of adding one per group (the policy has a size limit).
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-${id}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromString(toJson(props.definition)),
      definitionSubstitutions: Object.fromEntries(Object.entries(this.substitutions).map(([name, fn]) => [name, fn.function.functionArn])),
      role,
      tracingEnabled: true,
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: props.includeExecutionData ?? false },
    });
    acknowledge(
      this,
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: NAG_REASONS.sfnLogDelivery },
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: NAG_REASONS.sfnXray },
    );
  }
}

/** The functions behind the `${…}` placeholders of a definition; an unknown placeholder fails the synth. */
export function substitutionsFor(definition: StateMachineDefinition, functions: TaskFunctions): Record<string, HandlerFunction> {
  const bySubstitution = new Map<string, HandlerFunction>([
    ...Object.entries(STEP_FUNCTIONS).map(([stepId, entry]): [string, HandlerFunction] => [
      entry.substitution,
      functions.steps[stepId as StepFunctionId],
    ]),
    [NOTIFY_FUNCTION.substitution, functions.notify],
  ]);
  const result: Record<string, HandlerFunction> = {};
  for (const name of definitionSubstitutionNames(definition)) {
    const fn = bySubstitution.get(name);
    if (!fn)
      throw new Error(`the definition uses \${${name}}, which no entry of workflows/steps.ts provides; add the step to STEP_FUNCTIONS`);
    result[name] = fn;
  }
  return result;
}

/** The functions a definition's Tasks may name: every step, and notify (the build's "action needed" message). */
export interface TaskFunctions {
  steps: Record<StepFunctionId, HandlerFunction>;
  notify: HandlerFunction;
}

export interface WorkflowsProps {
  functions: TaskFunctions;
  logRetention: RetentionDays;
  includeExecutionData: boolean;
}

/** The `build` and `teardown` state machines. */
export class Workflows extends Construct {
  readonly build: WorkflowStateMachine;
  readonly teardown: WorkflowStateMachine;

  constructor(scope: Construct, id: string, props: WorkflowsProps) {
    super(scope, id);
    const common = { functions: props.functions, logRetention: props.logRetention, includeExecutionData: props.includeExecutionData };
    this.build = new WorkflowStateMachine(this, 'Build', { definition: buildDefinition(), ...common });
    this.teardown = new WorkflowStateMachine(this, 'Teardown', { definition: teardownDefinition(), ...common });
  }
}
