/**
 * The operations and orphan-report tables (infra/operations-permissions.ts) as roles of the embedded cloud's IAM,
 * the way the local runtime runs those functions (local/step-roles.ts functionCredentials): their real reads are
 * allowed, and what the tables leave out — any change, the price list for the report — is refused as AWS would.
 */
import { CreateVpcCommand } from '@aws-sdk/client-ec2';
import { CreateRoleCommand, DeleteRoleCommand } from '@aws-sdk/client-iam';
import { GetProductsCommand } from '@aws-sdk/client-pricing';
import { createClients, type AwsClients, type StaticCredentials } from '../../functions/core/clients';
import { IAM_PATH } from '../../functions/core/plan';
import { MANAGED_BY, TAG, toTagList } from '../../functions/core/tags';
import { estimateCost } from '../../functions/ops/estimate';
import { findTaggedResources } from '../../functions/ops/inventory';
import { createPricingClient } from '../../functions/ops/pricing-client';
import { runPreflightChecks } from '../../functions/resources/preflight';
import { operationsPermissions, orphanReportPermissions, workflowArnsOf } from '../../infra/operations-permissions';
import { createStepRoles, type StepRoles } from '../../local/step-roles';
import { BUILD_ID, seoulPlan } from '../fixtures/build';
import { Harness, rejection, startHarness, stopHarness } from '../local/cloud/helpers';

const REGION = 'ap-northeast-2';
const WORKFLOWS = workflowArnsOf(
  `arn:aws:states:${REGION}:123456789012:stateMachine:k8s-ec2-build`,
  `arn:aws:states:${REGION}:123456789012:stateMachine:k8s-ec2-teardown`,
);
const EC2_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const OURS = toTagList({ [TAG.managedBy]: MANAGED_BY, [TAG.buildId]: BUILD_ID, [TAG.cluster]: 'fin-k8s-dev' });

let h: Harness;
let roles: StepRoles;
let endpoints: Record<string, string>;
const open: Array<{ destroy(): void }> = [];

function clientsOf(credentials: StaticCredentials | undefined): AwsClients {
  const clients = createClients(REGION, endpoints, credentials);
  open.push(clients.ec2, clients.ec2Once, clients.elbv2, clients.quotas, clients.iam);
  return clients;
}

beforeAll(async () => {
  h = await startHarness();
  const url = h.cloud.url;
  endpoints = {
    AWS_ENDPOINT_URL_EC2: url,
    AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: url,
    AWS_ENDPOINT_URL_SERVICE_QUOTAS: url,
    AWS_ENDPOINT_URL_IAM: url,
    AWS_ENDPOINT_URL_PRICING: url,
  };
  roles = createStepRoles({ endpoints, cloud: h.cloud, logLevel: 'WARN', region: REGION });
  // What a build left behind, made by the administrator: a VPC and a node role under our path.
  await h.ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16', TagSpecifications: [{ ResourceType: 'vpc', Tags: OURS }] }));
  await h.iam.send(
    new CreateRoleCommand({ RoleName: `${BUILD_ID}-node`, Path: IAM_PATH, AssumeRolePolicyDocument: EC2_TRUST, Tags: OURS }),
  );
});

afterAll(async () => {
  for (const client of open) client.destroy();
  await stopHarness(h);
});

describe('the operations role in the embedded cloud', () => {
  const credentials = () => roles.functionCredentials('operations', operationsPermissions(WORKFLOWS));

  it('is made once, under its own name', () => {
    const first = credentials();
    expect(first?.accessKeyId).toMatch(/^ASIA/);
    expect(credentials()?.accessKeyId).toBe(first?.accessKeyId);
    expect(roles.functionCredentials('orphan-report', orphanReportPermissions(WORKFLOWS))?.accessKeyId).not.toBe(first?.accessKeyId);
  });

  it('takes the orphan inventory: EC2 tags, ELBv2 and the IAM roles under our path', async () => {
    const found = await findTaggedResources(clientsOf(credentials()));
    expect(found.map((r) => r.type).sort()).toEqual(['role', 'vpc']);
  });

  it("runs the plan's Preflight checks and prices it", async () => {
    // What `k8s-ec2 plan` prints as passed: no problem, the image found, and every quota read (a quota the role
    // could not read would be a note saying so, not a check).
    const findings = await runPreflightChecks(clientsOf(credentials()), seoulPlan());
    expect(findings.problems).toEqual([]);
    expect(findings.image?.imageName).toMatch(/^RHEL-8\./);
    expect(findings.checks).toEqual(expect.arrayContaining([expect.stringMatching(/^VPCs per Region: \d+ used/)]));
    expect(findings.notes).toEqual([]);
    const pricing = createPricingClient(endpoints, credentials());
    open.push(pricing);
    const estimate = await estimateCost(pricing, seoulPlan());
    expect(estimate.lines.length).toBeGreaterThan(0);
    // Every price answered: a refused GetProducts would leave its line unknown.
    expect(estimate.unknown).toEqual([]);
  });

  it('changes nothing: creates and deletes are refused', async () => {
    const clients = clientsOf(credentials());
    const create = await rejection(
      clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.30.0.0/16', TagSpecifications: [{ ResourceType: 'vpc', Tags: OURS }] })),
    );
    expect(create.name).toBe('UnauthorizedOperation');
    const remove = await rejection(clients.iam.send(new DeleteRoleCommand({ RoleName: `${BUILD_ID}-node` })));
    expect(remove.$metadata.httpStatusCode).toBe(403);
  });
});

describe('the orphan-report role in the embedded cloud', () => {
  const credentials = () => roles.functionCredentials('orphan-report', orphanReportPermissions(WORKFLOWS));

  it('takes the same inventory', async () => {
    const found = await findTaggedResources(clientsOf(credentials()));
    expect(found.map((r) => r.type).sort()).toEqual(['role', 'vpc']);
  });

  it('reads nothing else: not even the price list', async () => {
    const pricing = createPricingClient(endpoints, credentials());
    open.push(pricing);
    const denied = await rejection(pricing.send(new GetProductsCommand({ ServiceCode: 'AmazonEC2', MaxResults: 1 })));
    expect(denied.name).toBe('AccessDeniedException');
  });
});

describe('functionCredentials without the embedded cloud', () => {
  it('hands over the external endpoints’ credentials', () => {
    const external = { accessKeyId: 'local', secretAccessKey: 'local' };
    const outside = createStepRoles({ endpoints: {}, logLevel: 'WARN', region: REGION, externalCredentials: external });
    expect(outside.functionCredentials('operations', operationsPermissions(WORKFLOWS))).toBe(external);
  });
});
