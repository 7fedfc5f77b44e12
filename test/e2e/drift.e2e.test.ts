import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  AuthorizeSecurityGroupIngressCommand,
  DeleteVpcEndpointsCommand,
  ModifyInstanceMetadataOptionsCommand,
} from '@aws-sdk/client-ec2';
import {
  DeleteListenerCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeTargetGroupsCommand,
  ModifyLoadBalancerAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { createClients, type AwsClients } from '../../functions/core/clients';
import type { BuildInput, BuildOutputs, BuildResult } from '../../functions/core/contracts';
import { plan, type Plan } from '../../functions/core/plan';
import { findDrift } from '../../functions/ops/drift';
import type { EmbeddedCloud } from '../../local/cloud';
import { messageText } from '../../local/api/slack-sink';
import { readClientsFor } from '../../functions/ops/clients';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { api, buildIdOf, seoulBody, waitWhile } from './helpers';

/**
 * Drift on a real build of the embedded cloud: a build as it was made has none, read by a role that may only
 * Describe; then each change a person can make by hand in the console (as AWS lets them) is reported, and only
 * those. The build has a NAT gateway, the S3 gateway endpoint and an interface endpoint, so that routes and
 * connections are compared with what the real steps made, not with a model of them.
 */
let stack: LocalStack;
let cloud: EmbeddedCloud;
let admin: AwsClients;
let reader: AwsClients;
let built: Plan;
let outputs: BuildOutputs;

/** Actions whose name says they only read. */
const READ_ONLY = /^[a-z0-9-]+:(Describe|Get|List)/;
const NAME = 'drift-e2e';

// The build waits a few simulated minutes (NAT gateway, endpoints, the NLB): ×200, a few seconds.
jest.setTimeout(180_000);

beforeAll(async () => {
  stack = await startLocalStack({ timeScale: 200 });
  if (!stack.cloud) throw new Error('these tests need the embedded cloud (unset AWS_ENDPOINT_URL_EC2)');
  cloud = stack.cloud;
  admin = createClients('ap-northeast-2', stack.endpoints, stack.operatorCredentials);
  // What the operations function is allowed: reading, nothing else (docs/design.md "12.5 API, IAM and the daily report").
  const credentials = cloud.iam.account.assumeRole('drift-reader', 'verify', {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['ec2:Describe*', 'elasticloadbalancing:Describe*'], Resource: ['*'] }],
  });
  // As the operations function reads: with its retries for a busy account (functions/ops/clients.ts).
  reader = readClientsFor(stack.endpoints, credentials)('ap-northeast-2');

  const buildId = buildIdOf(await api(stack, 'POST', '/builds', seoulBody(NAME, { egress: 'nat-single', endpoints: ['s3', 'ssm'] })));
  expect((await waitWhile(stack, buildId, 'RUNNING', 120_000)).status).toBe('SUCCEEDED');
  // The success message (its cost estimate reads the price list) is the build's last call: counters start after it.
  await stack.slack.waitFor((message) => messageText(message).includes(buildId));
  // What POST /builds/{id}/verify reads: the spec the execution started with and the ids it ended with.
  const execution = stack.sfn.listExecutions(stack.buildStateMachineArn).find((e) => e.name === buildId);
  const input = JSON.parse(execution?.input ?? '{}') as BuildInput;
  outputs = (JSON.parse(execution?.output ?? '{}') as BuildResult).outputs;
  built = plan(input.spec, buildId);
});

afterAll(async () => {
  await stack?.close();
});

const nodeNamed = (name: string) => outputs.nodes.find((n) => n.name === name)!;

describe('drift of a build on the embedded cloud', () => {
  it('a build as it was made has none, read with Describe calls only by a role that may do nothing else', async () => {
    cloud.resetStats();
    expect(await findDrift(reader, built, outputs)).toEqual([]);
    const { calls, byPrincipal } = cloud.stats();
    expect(Object.keys(calls).length).toBeGreaterThan(10);
    expect(Object.keys(calls).filter((action) => !READ_ONLY.test(action))).toEqual([]);
    expect(Object.keys(byPrincipal)).toEqual([expect.stringContaining('drift-reader')]);
  });

  it('reports each change made by hand, and nothing else', async () => {
    const cp1 = nodeNamed(`${NAME}-cp-1`);
    const worker1 = nodeNamed(`${NAME}-worker-1`);
    await admin.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: outputs.securityGroupIds.workers,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    );
    await admin.ec2.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: cp1.instanceId, HttpTokens: 'optional' }));
    const address = await admin.ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    await admin.ec2.send(new AssociateAddressCommand({ AllocationId: address.AllocationId, InstanceId: worker1.instanceId }));
    await admin.ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [outputs.connections!.endpointIds.ssm] }));

    const arn = outputs.loadBalancer.arn;
    await admin.elbv2.send(
      new ModifyLoadBalancerAttributesCommand({
        LoadBalancerArn: arn,
        Attributes: [{ Key: 'load_balancing.cross_zone.enabled', Value: 'false' }],
      }),
    );
    const listeners = (await admin.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: arn }))).Listeners ?? [];
    await admin.elbv2.send(new DeleteListenerCommand({ ListenerArn: listeners.find((l) => l.Port === 443)?.ListenerArn }));
    const [api6443] = (await admin.elbv2.send(new DescribeTargetGroupsCommand({ Names: [`${NAME}-tg-6443`] }))).TargetGroups ?? [];
    await admin.elbv2.send(
      new DeregisterTargetsCommand({ TargetGroupArn: api6443.TargetGroupArn, Targets: [{ Id: cp1.instanceId, Port: 6443 }] }),
    );

    const instance = (node: { name: string; instanceId: string }) => `instance ${node.name} (${node.instanceId})`;
    const endpointId = outputs.connections!.endpointIds.ssm;
    // Deleting takes a simulated minute, a fraction of a second here: either state is the drift.
    expect(await findDrift(reader, built, outputs)).toEqual([
      {
        resource: `vpc-endpoint ${NAME}-vpce-ssm (${endpointId})`,
        field: 'state',
        expected: 'available',
        actual: expect.stringMatching(/^delet(ing|ed)$/) as string,
      },
      {
        resource: `security-group ${NAME}-worker-sg (${outputs.securityGroupIds.workers})`,
        field: 'ingress',
        expected: null,
        actual: 'tcp 22 from 0.0.0.0/0',
      },
      { resource: instance(cp1), field: 'metadataOptions.httpTokens', expected: 'required', actual: 'optional' },
      { resource: instance(worker1), field: 'publicIpAddress', expected: null, actual: address.PublicIp },
      { resource: `load-balancer ${NAME}-nlb`, field: 'crossZone', expected: true, actual: false },
      { resource: `load-balancer ${NAME}-nlb`, field: 'listener 443', expected: `TCP 443 → ${NAME}-tg-443`, actual: null },
      { resource: `target-group ${NAME}-tg-6443`, field: 'targets', expected: `${cp1.instanceId}:6443`, actual: null },
    ]);
  });
});
