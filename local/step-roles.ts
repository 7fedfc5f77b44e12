import { clientsFor, type StaticCredentials } from '../functions/core/clients';
import type { StepHandler } from '../functions/core/step-handler';
import { policyDocument, type Grant } from '../infra/iam';
import { STEP_PERMISSIONS } from '../infra/permissions';
import { STEP_FUNCTIONS, type StepFunctionId } from '../workflows/steps';
import type { EmbeddedCloud } from './cloud';
import type { IssuedCredentials } from './cloud/iam';
import { loadHandler, type LocalHandler } from './stepfunctions/tasks';

/**
 * Each step's Lambda as the deployed stack runs it: under its own role, whose policy is the step's row of
 * the permission table (infra/permissions.ts — the table the CDK stack renders). In the embedded cloud the
 * role is created in its IAM and the handler gets that role's credentials through its dependencies, so
 * every call the step makes is authorised as AWS would authorise it. Endpoints are passed the same way,
 * never through process.env.
 */

/** The standard endpoint variables (`AWS_ENDPOINT_URL_EC2`…) that name where the handlers' clients go. */
export type Endpoints = Record<string, string | undefined>;

/** Lets a test change one step's permissions (e.g. drop one action) before its role is created. */
export type PermissionOverride = (step: StepFunctionId, grants: Grant[]) => Grant[];

export interface StepRoles {
  /** The handler for a Task's handler name, running under its step's role. */
  handler(name: string): LocalHandler;
  /** Each step's role session credentials (absent with external endpoints: their own credentials apply). */
  credentials: Partial<Record<StepFunctionId, IssuedCredentials>>;
}

const STEP_OF_HANDLER = new Map(Object.entries(STEP_FUNCTIONS).map(([id, entry]) => [entry.handler as string, id as StepFunctionId]));

export function createStepRoles(options: { endpoints: Endpoints; cloud?: EmbeddedCloud; override?: PermissionOverride }): StepRoles {
  const credentials: StepRoles['credentials'] = {};
  const roleCredentials = (step: StepFunctionId): StaticCredentials | undefined => {
    const iam = options.cloud?.iam;
    if (!iam) return undefined;
    const grants = options.override ? options.override(step, STEP_PERMISSIONS[step]) : STEP_PERMISSIONS[step];
    credentials[step] ??= iam.account.assumeRole(
      `k8s-ec2-builder-${step}`,
      `k8s-ec2-builder-${STEP_FUNCTIONS[step].handler}`,
      policyDocument(grants, iam.partition, iam.accountId),
    );
    return credentials[step];
  };
  return {
    credentials,
    handler(name) {
      const step = STEP_OF_HANDLER.get(name);
      const handler = loadHandler(name) as LocalHandler & Partial<Pick<StepHandler<unknown, unknown>, 'withDependencies'>>;
      if (!step || !handler.withDependencies) return handler;
      const session = roleCredentials(step);
      return handler.withDependencies({ clientsFor: (region) => clientsFor(region, options.endpoints, session) }) as LocalHandler;
    },
  };
}
