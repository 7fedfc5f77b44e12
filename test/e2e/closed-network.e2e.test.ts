import {
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeTransitGatewayVpcAttachmentsCommand,
  DescribeVpcEndpointsCommand,
  EC2Client,
  type Filter,
} from '@aws-sdk/client-ec2';
import { messageText } from '../../local/api/slack-sink';
import { findLeftovers } from '../../local/leftovers';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { api, buildIdOf, seoulBody, waitWhile } from './helpers';

/**
 * Issue 9 end to end: the closed-network options on the embedded cloud — a Transit Gateway (shared by a
 * "network team" through the cloud's control interface, with or without auto-accept), NAT egress, VPC
 * endpoints and a build without a bastion — built, verified, and torn down to nothing.
 */
let stack: LocalStack;
let ec2: EC2Client;

const ALL_ENDPOINTS = ['ssm', 'ssmmessages', 'ec2messages', 's3', 'ecr.api', 'ecr.dkr', 'sts', 'logs'];
const ON_PREMISES = ['10.200.0.0/16', '192.168.0.0/16'];

beforeAll(async () => {
  stack = await startLocalStack({ timeScale: 200 });
  ec2 = new EC2Client({
    region: 'ap-northeast-2',
    endpoint: stack.cloud!.url,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

afterAll(async () => {
  await stack.close();
});

/** What the network team does in its own account: a gateway shared with ours (control interface of the cloud). */
async function sharedTransitGateway(autoAcceptSharedAttachments: boolean): Promise<string> {
  const res = await fetch(`${stack.cloud!.url}/_cloud/transit-gateways`, {
    method: 'POST',
    body: JSON.stringify({ autoAcceptSharedAttachments }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { transitGatewayId: string }).transitGatewayId;
}

const byBuild = (buildId: string): Filter[] => [{ Name: 'tag:k8s-ec2:build-id', Values: [buildId] }];

async function start(name: string, extra: Record<string, unknown>): Promise<string> {
  const created = await api(stack, 'POST', '/builds', seoulBody(name, extra));
  expect(created.status).toBe(202);
  return buildIdOf(created);
}

/** Destroys the build and checks that nothing tagged with it is left anywhere (EC2, ELB, IAM). */
async function destroyToNothing(buildId: string, name: string): Promise<void> {
  expect((await api(stack, 'DELETE', `/builds/${buildId}`)).status).toBe(202);
  expect((await waitWhile(stack, buildId, 'DESTROYING', 120_000)).status).toBe('DESTROYED');
  expect(await findLeftovers(buildId, name, 'ap-northeast-2', stack.endpoints, stack.operatorCredentials)).toEqual([]);
  expect(stack.cloud!.resources(buildId)).toEqual([]);
  expect((await ec2.send(new DescribeAddressesCommand({ Filters: byBuild(buildId) }))).Addresses).toEqual([]);
}

async function privateRoutes(buildId: string): Promise<string[][]> {
  const tables = (await ec2.send(new DescribeRouteTablesCommand({ Filters: byBuild(buildId) }))).RouteTables ?? [];
  return tables
    .filter((t) => t.Tags?.some((tag) => tag.Key === 'k8s-ec2:role' && tag.Value === 'private-route-table'))
    .map((t) =>
      (t.Routes ?? []).map(
        (r) => `${r.DestinationCidrBlock ?? r.DestinationPrefixListId}→${r.NatGatewayId ?? r.TransitGatewayId ?? r.GatewayId}:${r.State}`,
      ),
    );
}

// Each build waits 1–2 simulated minutes for NAT gateways, endpoints and the attachment (×200: about a second).
jest.setTimeout(180_000);

describe('closed-network options on the embedded cloud', () => {
  it('a Transit Gateway, NAT per zone and all eight endpoints: built, verified, and torn down to nothing', async () => {
    const gatewayId = await sharedTransitGateway(true);
    const name = 'e2e-connected';
    const buildId = await start(name, {
      egress: 'nat-per-az',
      endpoints: ALL_ENDPOINTS,
      transitGateway: { id: gatewayId, routes: ON_PREMISES },
    });
    const final = await waitWhile(stack, buildId, 'RUNNING', 120_000);
    expect(final.status).toBe('SUCCEEDED');

    const nats = (await ec2.send(new DescribeNatGatewaysCommand({ Filter: byBuild(buildId) }))).NatGateways ?? [];
    expect(nats.map((n) => n.State)).toEqual(['available', 'available', 'available']);
    expect(new Set(nats.map((n) => n.SubnetId)).size).toBe(3);
    const endpoints = (await ec2.send(new DescribeVpcEndpointsCommand({ Filters: byBuild(buildId) }))).VpcEndpoints ?? [];
    expect(endpoints.filter((e) => e.VpcEndpointType === 'Interface' && e.State?.toLowerCase() === 'available')).toHaveLength(7);
    expect(endpoints.filter((e) => e.VpcEndpointType === 'Gateway' && e.State?.toLowerCase() === 'available')).toHaveLength(1);
    const attachments =
      (await ec2.send(new DescribeTransitGatewayVpcAttachmentsCommand({ Filters: byBuild(buildId) }))).TransitGatewayVpcAttachments ?? [];
    expect(attachments.map((a) => [a.TransitGatewayId, a.State])).toEqual([[gatewayId, 'available']]);

    // One private table per zone: its default route to its own zone's NAT gateway, on-premises to the gateway.
    const tables = await privateRoutes(buildId);
    expect(tables).toHaveLength(3);
    for (const routes of tables) {
      expect(routes.filter((r) => r.startsWith('0.0.0.0/0→nat-') && r.endsWith(':active'))).toHaveLength(1);
      for (const cidr of ON_PREMISES) expect(routes).toContain(`${cidr}→${gatewayId}:active`);
    }
    const natOfTable = tables.map((routes) => routes.find((r) => r.startsWith('0.0.0.0/0'))?.split(/→|:/)[1]);
    expect(new Set(natOfTable).size).toBe(3);

    // VerifyBaseline's verdicts, from the execution's output (BuildResult).
    const execution = stack.sfn.listExecutions(stack.buildStateMachineArn).find((e) => e.name === buildId);
    const baseline = (JSON.parse(execution?.output ?? '{}') as { baseline?: { checks: Array<{ id: string; ok: boolean }> } }).baseline;
    for (const id of ['private-egress-through-nat', 'transit-gateway-routes', 'connections-available', 'vpc-dns-for-endpoints'])
      expect(baseline?.checks).toContainEqual(expect.objectContaining({ id, ok: true }));

    await destroyToNothing(buildId, name);
    const afterwards =
      (await ec2.send(new DescribeTransitGatewayVpcAttachmentsCommand({ Filters: byBuild(buildId) }))).TransitGatewayVpcAttachments ?? [];
    expect(afterwards.map((a) => a.State)).toEqual(['deleted']);
  });

  it('without a bastion: no Internet Gateway, no public subnet, no public IP; ssh_config goes through Session Manager', async () => {
    const gatewayId = await sharedTransitGateway(true);
    const name = 'e2e-no-bastion';
    const buildId = await start(name, {
      bastion: { enabled: false },
      egress: 'none',
      endpoints: ['ssm', 'ssmmessages', 'ec2messages'],
      transitGateway: { id: gatewayId, routes: ['10.200.0.0/16'] },
    });
    const final = await waitWhile(stack, buildId, 'RUNNING', 120_000);
    expect(final.status).toBe('SUCCEEDED');

    const vpcId = final.outputs?.vpcId as string;
    const igws = await ec2.send(new DescribeInternetGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [vpcId] }] }));
    expect(igws.InternetGateways).toEqual([]);
    const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).Subnets ?? [];
    expect(subnets.map((s) => s.Tags?.find((t) => t.Key === 'k8s-ec2:role')?.Value)).toEqual([
      'private-subnet',
      'private-subnet',
      'private-subnet',
    ]);
    const instances = ((await ec2.send(new DescribeInstancesCommand({ Filters: byBuild(buildId) }))).Reservations ?? []).flatMap(
      (r) => r.Instances ?? [],
    );
    expect(instances).toHaveLength(6);
    expect(instances.filter((i) => i.PublicIpAddress)).toEqual([]);
    expect(new Set(instances.map((i) => i.IamInstanceProfile?.Arn?.split('/').slice(-2).join('/')))).toEqual(
      new Set([expect.stringMatching(/^k8s-ec2-builder\/e2e-no-bastion-ssm-[0-9a-f]{8}$/)]),
    );
    expect((await ec2.send(new DescribeAddressesCommand({ Filters: byBuild(buildId) }))).Addresses).toEqual([]);
    expect(final.outputs?.bastion).toBeUndefined();

    const sshConfig = await api(stack, 'GET', `/builds/${buildId}/artifacts/ssh_config`);
    expect(sshConfig.status).toBe(200);
    expect(sshConfig.text).toContain('AWS-StartSSHSession');
    expect(sshConfig.text).not.toContain('ProxyJump');

    await destroyToNothing(buildId, name);
  });

  it('a gateway that does not auto-accept: the build names the attachment to accept, and finishes once it is accepted', async () => {
    const gatewayId = await sharedTransitGateway(false);
    const name = 'e2e-accept';
    const buildId = await start(name, { transitGateway: { id: gatewayId, routes: ['10.200.0.0/16'] } });

    let waiting: string | undefined;
    for (let i = 0; i < 600 && !waiting; i++) {
      const view = (await api(stack, 'GET', `/builds/${buildId}`)).json;
      waiting = view?.steps?.find((s) => s.name === 'ConnectNetwork')?.waitingFor;
      if (!waiting) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(waiting).toMatch(/^accept attachment tgw-attach-[0-9a-f]+ in account \d{12}: .*pendingAcceptance/);
    const attachmentId = /tgw-attach-[0-9a-f]+/.exec(waiting as string)![0];
    // Slack says it too, once, while the build waits.
    const slack = await stack.slack.waitFor(
      (m) => messageText(m).includes(buildId) && messageText(m).includes(`accept attachment ${attachmentId}`),
    );
    expect(messageText(slack)).toContain('waiting for you');

    const accepted = await fetch(`${stack.cloud!.url}/_cloud/transit-gateway-attachments/${attachmentId}/accept`, { method: 'POST' });
    expect(accepted.status).toBe(200);
    expect((await waitWhile(stack, buildId, 'RUNNING', 120_000)).status).toBe('SUCCEEDED');
    expect(
      stack.slack.messages.filter((m) => messageText(m).includes(buildId) && messageText(m).includes('accept attachment')),
    ).toHaveLength(1);
    await destroyToNothing(buildId, name);
  });

  it('an attachment never accepted: the build rolls back and leaves nothing', async () => {
    const gatewayId = await sharedTransitGateway(false);
    const name = 'e2e-never';
    const buildId = await start(name, { egress: 'nat-single', transitGateway: { id: gatewayId, routes: ['10.200.0.0/16'] } });
    const final = await waitWhile(stack, buildId, 'RUNNING', 180_000);
    expect(final.status).toBe('ROLLED_BACK');
    expect(JSON.stringify(final.error)).toContain('pendingAcceptance');
    expect(await findLeftovers(buildId, name, 'ap-northeast-2', stack.endpoints, stack.operatorCredentials)).toEqual([]);
    expect((await ec2.send(new DescribeAddressesCommand({ Filters: byBuild(buildId) }))).Addresses).toEqual([]);
  });

  it.each([
    ['overlapping routes', { transitGateway: { id: 'tgw-0123456789abcdef0', routes: ['10.0.128.0/17'] } }, 'transitGateway.routes[0]'],
    [
      'nat-per-az with no room',
      {
        egress: 'nat-per-az',
        availabilityZones: ['ap-northeast-2a', 'ap-northeast-2b', 'ap-northeast-2c', 'ap-northeast-2d', 'ap-northeast-2e'],
      },
      'egress',
    ],
    ['no bastion and no Session Manager endpoints', { bastion: { enabled: false }, endpoints: ['s3'] }, 'endpoints'],
  ])('bad values are refused before anything is created: %s', async (_what, extra, field) => {
    const before = (await api(stack, 'GET', '/builds')).text;
    const bad = await api(stack, 'POST', '/builds', seoulBody('e2e-bad-net', extra));
    expect(bad.status).toBe(400);
    expect(bad.json?.error).toMatchObject({ field });
    expect((await api(stack, 'GET', '/builds')).text).toBe(before);
  });

  it('an unknown gateway and an unknown endpoint service fail preflight, each named, and nothing is created', async () => {
    const buildId = await start('e2e-unknown', {
      endpoints: ['ssm', 'no-such-service'],
      transitGateway: { id: 'tgw-0123456789abcdef0', routes: ['10.200.0.0/16'] },
    });
    const final = await waitWhile(stack, buildId, 'RUNNING');
    expect(final.status).toBe('FAILED');
    const error = JSON.stringify(final.error);
    expect(error).toContain('transitGateway.id');
    expect(error).toContain('endpoints[1]');
    expect(stack.cloud!.resources(buildId)).toEqual([]);
  });
});
