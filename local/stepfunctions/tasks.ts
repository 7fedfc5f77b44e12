import { createRequire } from 'node:module';
import { TASK_FUNCTIONS } from '../../workflows/steps';

/** An in-process Lambda: what a Task state invokes locally. */
export type LocalHandler = (input: unknown) => Promise<unknown>;
type AslStates = Record<string, { Type: string; Resource?: string; Branches?: Array<{ States: AslStates }> }>;

/** Every Task state (Parallel branches included) → the name of the handler its Resource placeholder names. */
export function taskStates(definition: { States: AslStates }): Record<string, string> {
  const byPlaceholder = new Map(TASK_FUNCTIONS.map((s) => [`\${${s.substitution}}`, s.handler]));
  const found: Record<string, string> = {};
  const walk = (states: AslStates) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task' && state.Resource) {
        const handler = byPlaceholder.get(state.Resource);
        if (!handler) throw new Error(`Task ${name} has resource ${state.Resource}, which names no handler in workflows/steps.ts`);
        found[name] = handler;
      }
      for (const branch of state.Branches ?? []) walk(branch.States);
    }
  };
  walk(definition.States);
  return found;
}

/** This module's CommonJS `require` (paths resolve from this file); under jest, jest's (its registry and mocks). */
const requireHere = createRequire(__filename);

/** Loads functions/handlers/<name>.ts's `handler` (lazily, so a runtime only loads what it runs). */
export function loadHandler(name: string): LocalHandler {
  return (requireHere(`../../functions/handlers/${name}`) as { handler: LocalHandler }).handler;
}

/**
 * Wraps a handler the way the Lambda service does for Step Functions: a thrown error becomes the state's
 * Error (its name) and a Cause that is Lambda's JSON `{errorType, errorMessage, trace}`, so the Fail states'
 * causes read the same locally and in AWS.
 */
export function asLambda(handler: LocalHandler): LocalHandler {
  return async (input) => {
    try {
      return await handler(input);
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      const lambdaError = new Error(
        JSON.stringify({ errorType: e.name, errorMessage: e.message, trace: (e.stack ?? '').split('\n').slice(0, 5) }),
      );
      lambdaError.name = e.name;
      throw lambdaError;
    }
  };
}
