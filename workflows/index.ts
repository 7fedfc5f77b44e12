/**
 * The state machine definitions (plain Amazon States Language, JSONPath) that infra/ deploys and the
 * local runtime runs unchanged. Task resources are `${<Name>FunctionArn}` placeholders: the stack fills
 * them through DefinitionSubstitutions, the local runtime replaces the Tasks by state name.
 */
import { allStates, type StateMachineDefinition } from './asl';
import { buildDefinition } from './build';
import { teardownDefinition } from './teardown';

export { allStates, toJson, type StateMachineDefinition } from './asl';
export { BASTION_COMPLETE, buildDefinition, BUILD_SUCCEEDED, NETWORK_COMPLETE, NODES_COMPLETE, PARALLEL_STEP } from './build';
export { teardownDefinition, teardownStates, TEARDOWN_SUCCEEDED } from './teardown';
export { BUILD_FAILURES, TEARDOWN_FAILED, FAILURE_PATH, type FailureRecord } from './failures';
export { LAMBDA_SERVICE_RETRY, READINESS_RETRY, TRANSIENT_AWS_RETRY, retryWaitBound } from './policies';
export { scaleDefinitionTime } from './scale';
export { STEP_FUNCTIONS, type StepFunctionId } from './steps';

const PLACEHOLDER = /^\$\{(\w+)\}$/;

/**
 * The substitution variables the definitions use (each a function ARN), sorted: exactly the keys the
 * stack's DefinitionSubstitutions must provide.
 */
export function definitionSubstitutionNames(...definitions: StateMachineDefinition[]): string[] {
  const walked = definitions.length > 0 ? definitions : [buildDefinition(), teardownDefinition()];
  const names = new Set<string>();
  for (const definition of walked) {
    for (const [, state] of allStates(definition)) {
      const match = state.Type === 'Task' ? PLACEHOLDER.exec(state.Resource) : null;
      if (match) names.add(match[1]);
    }
  }
  return [...names].sort();
}
