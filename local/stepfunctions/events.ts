import { randomUUID } from 'node:crypto';
import type { StatusChange } from './service';

/** The EventBridge "Step Functions Execution Status Change" event AWS emits, for the notify handler. */
export function statusChangeEvent({ execution, region, account }: StatusChange) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account,
    time: new Date(execution.stopDate ?? execution.startDate).toISOString(),
    region,
    resources: [execution.executionArn],
    detail: {
      executionArn: execution.executionArn,
      stateMachineArn: execution.stateMachineArn,
      name: execution.name,
      status: execution.status,
      startDate: execution.startDate,
      stopDate: execution.stopDate ?? null,
      input: execution.input,
      output: execution.output ?? null,
      error: execution.error ?? null,
      cause: execution.cause ?? null,
    },
  };
}
