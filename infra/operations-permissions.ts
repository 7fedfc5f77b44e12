import { IAM_PATH } from '../functions/core/plan';
import { iam, readOnly, type Grant } from './iam';
import { STEP_PERMISSIONS } from './permissions';

/**
 * What the functions outside the workflows may do (docs/design.md "12.5 API, IAM and the daily report"), as
 * plain data like STEP_PERMISSIONS: the stack renders it (infra/stack.ts), the local runtime gives each
 * function a role with it in the embedded cloud (local/step-roles.ts functionCredentials), and
 * test/infra/permissions.test.ts checks it against the SDK commands left in each bundle, both ways.
 *
 * Nothing here changes an AWS resource: the operations function and the daily report read the account; the
 * one write is the sweep's StartExecution of the teardown workflow, whose steps delete under their own roles
 * (STEP_PERMISSIONS, tag-conditioned).
 */

/** Service Authorization Reference pages for the actions below: resource types and condition keys. */
export const SERVICE_AUTHORIZATION_PAGES = {
  iam: 'https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html',
  pricing: 'https://docs.aws.amazon.com/service-authorization/latest/reference/list_awspricelist.html',
  states: 'https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsstepfunctions.html',
} as const;

/**
 * The two workflows as the stack knows them (CDK tokens) or the local runtime (plain ARNs). Execution ARNs are
 * `arn:…:states:<region>:<account>:execution:<machine name>:*`: the build id is the execution's name.
 */
export interface WorkflowArns {
  buildStateMachine: string;
  teardownStateMachine: string;
  buildExecutions: string;
  teardownExecutions: string;
}

/** The same from two plain state machine ARNs (the local runtime's): `…:stateMachine:<name>` → `…:execution:<name>:*`. */
export function workflowArnsOf(buildStateMachine: string, teardownStateMachine: string): WorkflowArns {
  const executions = (machine: string) => `${machine.replace(':stateMachine:', ':execution:')}:*`;
  return {
    buildStateMachine,
    teardownStateMachine,
    buildExecutions: executions(buildStateMachine),
    teardownExecutions: executions(teardownStateMachine),
  };
}

/**
 * Price List Query API (cost estimate): GetProducts has no resource types (Service Authorization Reference,
 * AWS Price List), so Resource "*"; prices are public data, nothing of the account is read.
 */
const pricing: Grant = {
  actions: ['pricing:GetProducts'],
  resources: ['*'],
  reason: `pricing:GetProducts supports no resource-level permissions (${SERVICE_AUTHORIZATION_PAGES.pricing}); it reads public price lists only`,
};

/**
 * The orphan inventory (functions/ops/inventory*.ts): everything tagged as ours, from its tags alone
 * (DescribeTags), then the state and age of the kinds AWS keeps listing after they ended, and whether volumes and
 * network interfaces are detached; ELBv2 lists every load balancer and target group and reads their tags. EC2 and
 * ELBv2 Describe* have no resource types, so Resource "*".
 */
const INVENTORY_READS = [
  'ec2:DescribeTags',
  'ec2:DescribeInstances',
  'ec2:DescribeNatGateways',
  'ec2:DescribeVpcEndpoints',
  'ec2:DescribeTransitGatewayVpcAttachments',
  'ec2:DescribeTransitGateways',
  'ec2:DescribeVolumes',
  'ec2:DescribeNetworkInterfaces',
  'elasticloadbalancing:DescribeLoadBalancers',
  'elasticloadbalancing:DescribeTargetGroups',
  'elasticloadbalancing:DescribeTags',
];

/** Drift (functions/ops/drift*.ts): a live build's network, groups, instances, connections and load balancer as they are now. */
const DRIFT_READS = [
  'ec2:DescribeVpcs',
  'ec2:DescribeVpcAttribute',
  'ec2:DescribeSubnets',
  'ec2:DescribeInternetGateways',
  'ec2:DescribeRouteTables',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSecurityGroupRules',
  'ec2:DescribeInstances',
  'ec2:DescribeNatGateways',
  'ec2:DescribeVpcEndpoints',
  'ec2:DescribeTransitGatewayVpcAttachments',
  'elasticloadbalancing:DescribeLoadBalancers',
  'elasticloadbalancing:DescribeLoadBalancerAttributes',
  'elasticloadbalancing:DescribeListeners',
  'elasticloadbalancing:DescribeTags',
  'elasticloadbalancing:DescribeTargetGroups',
  'elasticloadbalancing:DescribeTargetGroupAttributes',
  'elasticloadbalancing:DescribeTargetHealth',
];

/**
 * The sweep (functions/ops/sweep-spec*.ts) rebuilds the teardown's spec from what is tagged with the build id:
 * the VPC's and subnets' CIDRs, the groups, route tables, endpoints and attachments (the target groups' ports come
 * with the inventory's listing of them).
 */
const SWEEP_SPEC_READS = [
  'ec2:DescribeVpcs',
  'ec2:DescribeSubnets',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeRouteTables',
  'ec2:DescribeVpcEndpoints',
  'ec2:DescribeTransitGatewayVpcAttachments',
];

/**
 * The nodes' Session Manager roles and instance profiles (resources/instance-profile.ts) live under our IAM
 * path. ListRoles and ListInstanceProfiles have no resource types (Resource "*"; the handler passes our path as
 * PathPrefix); ListRoleTags and ListInstanceProfileTags are authorised on the role / instance profile, so they
 * name our path only (Service Authorization Reference, IAM).
 */
function iamInventory(): Grant[] {
  return [
    {
      actions: ['iam:ListRoles', 'iam:ListInstanceProfiles'],
      resources: ['*'],
      reason: `iam:ListRoles and iam:ListInstanceProfiles support no resource-level permissions (${SERVICE_AUTHORIZATION_PAGES.iam}); read-only`,
    },
    {
      actions: ['iam:ListRoleTags'],
      resources: [iam(`role${IAM_PATH}*`)],
      reason: `read-only tag lists of the nodes' roles, whose names are made per build: only our IAM path ${IAM_PATH} can be named`,
    },
    {
      actions: ['iam:ListInstanceProfileTags'],
      resources: [iam(`instance-profile${IAM_PATH}*`)],
      reason: `read-only tag lists of the nodes' instance profiles, whose names are made per build: only our IAM path ${IAM_PATH} can be named`,
    },
  ];
}

/** DescribeExecution is authorised on the execution (Service Authorization Reference, Step Functions). */
function readExecutions(workflows: WorkflowArns): Grant {
  return {
    actions: ['states:DescribeExecution'],
    resources: [workflows.buildExecutions, workflows.teardownExecutions],
    reason:
      "Execution ARNs contain the execution name (= build id), chosen at request time; the pattern is limited to executions of this stack's two state machines",
  };
}

/** Reads every operation shares: the inventory, the nodes' IAM, the executions. */
function accountInventory(workflows: WorkflowArns): Grant[] {
  return [readOnly(INVENTORY_READS), ...iamInventory(), readExecutions(workflows)];
}

/**
 * The operations function, one row per route: POST /plans runs the Preflight step's checks (its very row) and
 * prices the plan; POST /builds/{id}/verify reads for drift; GET /orphans takes the inventory, and
 * POST /orphans/{buildId}/sweep rebuilds a spec from the tags and starts the teardown state machine — only that
 * one, never the build's.
 */
export function operationsPermissions(workflows: WorkflowArns): Grant[] {
  return [
    ...STEP_PERMISSIONS.preflight,
    pricing,
    readOnly(DRIFT_READS),
    ...accountInventory(workflows),
    readOnly(SWEEP_SPEC_READS),
    {
      actions: ['states:StartExecution'],
      resources: [workflows.teardownStateMachine],
      reason: 'The sweep starts the teardown workflow, whose steps delete under their own tag-conditioned roles',
    },
  ];
}

/** The daily orphan report: the same inventory as GET /orphans, read-only; it never deletes. */
export function orphanReportPermissions(workflows: WorkflowArns): Grant[] {
  return accountInventory(workflows);
}

/** Notify, besides the webhook secret (infra/notifications.ts): the success message carries a cost estimate. */
export const NOTIFY_PERMISSIONS: Grant[] = [pricing];
