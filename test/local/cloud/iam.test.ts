/**
 * IAM in the embedded cloud: requests signed with a role's credentials are authorised against that role's
 * policy with the resources and condition keys AWS evaluates, the permissions AWS checks besides the called
 * action, and AWS's error shapes. The roles here use the real permission table (infra/permissions.ts).
 */
import * as E from '@aws-sdk/client-ec2';
import * as L from '@aws-sdk/client-elastic-load-balancing-v2';
import { policyDocument, type Grant } from '../../../infra/iam';
import { STEP_PERMISSIONS } from '../../../infra/permissions';
import type { StepFunctionId } from '../../../workflows/steps';
import { runInput, tagSpec } from './fixtures';
import { Harness, rejection, startHarness, stopHarness } from './helpers';

const OURS = { 'k8s-ec2:managed-by': 'k8s-ec2-builder', 'k8s-ec2:build-id': 'b-1' };
const CMK = 'arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ ebsEncryptionByDefault: true, ebsDefaultKmsKeyId: CMK });
});
afterAll(() => stopHarness(h));
afterEach(() => h.cloud.reset());

function roleClients(step: StepFunctionId, edit: (grants: Grant[]) => Grant[] = (g) => g) {
  const credentials = h.cloud.iam.account.assumeRole(
    `role-${step}-${Math.random()}`,
    'session',
    policyDocument(edit(STEP_PERMISSIONS[step]), 'aws', '123456789012'),
  );
  const config = { region: 'ap-northeast-2', endpoint: h.cloud.url, credentials, maxAttempts: 1 };
  return { ec2: new E.EC2Client(config), elbv2: new L.ElasticLoadBalancingV2Client(config), principal: credentials.principalArn };
}

/** The grants without one action (the statement stays if other actions remain in it). */
const without = (action: string) => (grants: Grant[]) =>
  grants.map((g) => ({ ...g, actions: g.actions.filter((a) => a !== action) })).filter((g) => g.actions.length > 0);

/** A network of ours (or not), made by the administrator (the harness's own credentials). */
async function network(tags: Record<string, string> = OURS) {
  const vpcId = (await h.ec2.send(new E.CreateVpcCommand({ CidrBlock: '10.0.0.0/16', TagSpecifications: [tagSpec('vpc', tags)] }))).Vpc!
    .VpcId!;
  const subnetId = (
    await h.ec2.send(
      new E.CreateSubnetCommand({
        VpcId: vpcId,
        CidrBlock: '10.0.1.0/24',
        AvailabilityZone: 'ap-northeast-2a',
        TagSpecifications: [tagSpec('subnet', tags)],
      }),
    )
  ).Subnet!.SubnetId!;
  const groupId = (
    await h.ec2.send(
      new E.CreateSecurityGroupCommand({
        VpcId: vpcId,
        GroupName: 'nodes',
        Description: 'nodes',
        TagSpecifications: [tagSpec('security-group', tags)],
      }),
    )
  ).GroupId!;
  return { vpcId, subnetId, groupId };
}

const launch = (subnetId: string, groupId: string, tags: Record<string, string> = OURS): E.RunInstancesCommandInput =>
  runInput(subnetId, groupId, {
    TagSpecifications: (['instance', 'volume', 'network-interface'] as const).map((type) => tagSpec(type, tags)),
  });

describe('EC2 authorisation', () => {
  it('allows a create only with our tag on the request, and answers UnauthorizedOperation 403 with an encoded message otherwise', async () => {
    const { ec2, principal } = roleClients('createNetwork');
    const denied = await rejection(ec2.send(new E.CreateVpcCommand({ CidrBlock: '10.0.0.0/16' })));
    expect(denied.name).toBe('UnauthorizedOperation');
    expect(denied.$metadata.httpStatusCode).toBe(403);
    expect(denied.message).toContain(
      `User: ${principal} is not authorized to perform: ec2:CreateVpc on resource: arn:aws:ec2:ap-northeast-2:123456789012:vpc/*`,
    );
    const encoded = /Encoded authorization failure message: (\S+)/.exec(denied.message)![1];
    expect(JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'))).toMatchObject({
      allowed: false,
      context: { action: 'ec2:CreateVpc' },
    });
    const vpc = await ec2.send(new E.CreateVpcCommand({ CidrBlock: '10.0.0.0/16', TagSpecifications: [tagSpec('vpc', OURS)] }));
    expect(vpc.Vpc?.VpcId).toMatch(/^vpc-/);
  });

  it('authorises tag-on-create as ec2:CreateTags with ec2:CreateAction: without that grant a tagged create is refused', async () => {
    const { ec2 } = roleClients('createNetwork', (grants) =>
      grants.filter((g) => !(g.actions.includes('ec2:CreateTags') && JSON.stringify(g.conditions).includes('"CreateVpc"'))),
    );
    const denied = await rejection(
      ec2.send(new E.CreateVpcCommand({ CidrBlock: '10.0.0.0/16', TagSpecifications: [tagSpec('vpc', OURS)] })),
    );
    expect(denied.message).toContain(
      'not authorized to perform: ec2:CreateTags on resource: arn:aws:ec2:ap-northeast-2:123456789012:vpc/*',
    );
  });

  it('allows changes and deletes only of resources tagged as ours; a resource that is gone answers NotFound', async () => {
    const { ec2 } = roleClients('teardownNetwork');
    const foreign = await network({ team: 'someone-else' });
    const denied = await rejection(ec2.send(new E.DeleteSecurityGroupCommand({ GroupId: foreign.groupId })));
    expect([denied.name, denied.message]).toEqual(['UnauthorizedOperation', expect.stringContaining(`security-group/${foreign.groupId}`)]);
    const ours = await network();
    await ec2.send(new E.DeleteSecurityGroupCommand({ GroupId: ours.groupId }));
    expect((await rejection(ec2.send(new E.DeleteSecurityGroupCommand({ GroupId: ours.groupId })))).name).toBe('InvalidGroup.NotFound');
  });

  it('evaluates RunInstances once per resource: our subnet and group, the foreign AMI and key pair, the tagged instance, volume and interface', async () => {
    const { ec2 } = roleClients('launchNodes');
    const ours = await network();
    const run = await ec2.send(new E.RunInstancesCommand(launch(ours.subnetId, ours.groupId)));
    expect(run.Instances).toHaveLength(1);
    const foreign = await network({ team: 'someone-else' });
    const intoForeign = await rejection(ec2.send(new E.RunInstancesCommand(launch(foreign.subnetId, foreign.groupId))));
    expect(intoForeign.message).toContain(`subnet/${foreign.subnetId}`);
    const untaggedInterface = launch(ours.subnetId, ours.groupId);
    untaggedInterface.TagSpecifications = untaggedInterface.TagSpecifications!.filter((t) => t.ResourceType !== 'network-interface');
    expect((await rejection(ec2.send(new E.RunInstancesCommand(untaggedInterface)))).message).toContain(
      'ec2:RunInstances on resource: arn:aws:ec2:ap-northeast-2:123456789012:network-interface/*',
    );
  });

  it('needs the KMS permissions on a customer-managed default EBS key to launch', async () => {
    const ours = await network();
    const { ec2 } = roleClients('launchNodes', without('kms:CreateGrant'));
    const denied = await rejection(ec2.send(new E.RunInstancesCommand(launch(ours.subnetId, ours.groupId))));
    expect(denied.message).toContain(`kms:CreateGrant on resource: ${CMK}`);
  });

  it('leaves read-only calls on "*" and lets credentials it did not issue act as the administrator', async () => {
    const { ec2, principal } = roleClients('verifyBaseline');
    await ec2.send(new E.DescribeInstancesCommand({}));
    const denied = await rejection(ec2.send(new E.DescribeKeyPairsCommand({})));
    expect(denied.message).toBe(
      `You are not authorized to perform this operation. User: ${principal} is not authorized to perform: ec2:DescribeKeyPairs because no identity-based policy allows the ec2:DescribeKeyPairs action.`,
    );
    await h.ec2.send(new E.DescribeKeyPairsCommand({}));
    expect(h.cloud.stats().byPrincipal).toEqual({ [principal]: 2, 'arn:aws:iam::123456789012:root': 1 });
  });
});

describe('ELBv2 authorisation', () => {
  const createLb = (elbv2: L.ElasticLoadBalancingV2Client, subnetId: string, groupId: string, name = 'c-nlb') =>
    elbv2.send(
      new L.CreateLoadBalancerCommand({
        Name: name,
        Type: 'network',
        Scheme: 'internal',
        Subnets: [subnetId],
        SecurityGroups: [groupId],
        Tags: Object.entries(OURS).map(([Key, Value]) => ({ Key, Value })),
      }),
    );

  it('requires the EC2 reads ELB makes for CreateLoadBalancer, answering AccessDenied 403 naming the missing one', async () => {
    const ours = await network();
    h.cloud.clock.advance(60); // ELBv2 sees a subnet some seconds after EC2 made it
    const { elbv2, principal } = roleClients('createLoadBalancer', without('ec2:DescribeSubnets'));
    const denied = await rejection(createLb(elbv2, ours.subnetId, ours.groupId));
    expect([denied.name, denied.$metadata.httpStatusCode]).toEqual(['AccessDenied', 403]);
    expect(denied.message).toBe(
      `User: ${principal} is not authorized to perform: ec2:DescribeSubnets because no identity-based policy allows the ec2:DescribeSubnets action`,
    );
  });

  it('requires iam:CreateServiceLinkedRole only while the account has no ELB service-linked role', async () => {
    const ours = await network();
    h.cloud.clock.advance(60);
    const { elbv2 } = roleClients('createLoadBalancer', without('iam:CreateServiceLinkedRole'));
    const denied = await rejection(createLb(elbv2, ours.subnetId, ours.groupId));
    expect(denied.message).toContain(
      'iam:CreateServiceLinkedRole on resource: arn:aws:iam::123456789012:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing',
    );
    await createLb(roleClients('createLoadBalancer').elbv2, ours.subnetId, ours.groupId, 'first-nlb');
    const second = await createLb(elbv2, ours.subnetId, ours.groupId);
    expect(second.LoadBalancers).toHaveLength(1);
  });

  it('authorises CreateListener on the load balancer and its tag-on-create as AddTags on the listener', async () => {
    const ours = await network();
    h.cloud.clock.advance(60);
    const { elbv2 } = roleClients('createLoadBalancer');
    const lb = (await createLb(elbv2, ours.subnetId, ours.groupId)).LoadBalancers![0];
    const tg = (
      await elbv2.send(
        new L.CreateTargetGroupCommand({
          Name: 'c-api',
          Protocol: 'TCP',
          Port: 6443,
          VpcId: ours.vpcId,
          TargetType: 'instance',
          Tags: [{ Key: 'k8s-ec2:managed-by', Value: 'k8s-ec2-builder' }],
        }),
      )
    ).TargetGroups![0];
    const listener = (tags: Record<string, string>) =>
      elbv2.send(
        new L.CreateListenerCommand({
          LoadBalancerArn: lb.LoadBalancerArn,
          Protocol: 'TCP',
          Port: 6443,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }],
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
    expect((await rejection(listener({ team: 'x' }))).name).toBe('AccessDenied');
    expect((await listener(OURS)).Listeners).toHaveLength(1);
  });
});
