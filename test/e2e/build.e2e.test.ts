import { DescribeInstancesCommand, DescribeSecurityGroupsCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { messageText } from '../../local/api/slack-sink';
import { api, buildIdOf, seoulBody, waitWhile } from './helpers';

/**
 * The product end to end on the embedded cloud: the real API handler, the real workflows/ definitions run
 * by the local Step Functions, the real step handlers and the unchanged AWS SDK clients.
 */
let stack: LocalStack;
let ec2: EC2Client;
let elbv2: ElasticLoadBalancingV2Client;

beforeAll(async () => {
  stack = await startLocalStack({ timeScale: 200 });
  const config = { region: 'ap-northeast-2', endpoint: stack.cloud!.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  ec2 = new EC2Client(config);
  elbv2 = new ElasticLoadBalancingV2Client(config);
});

afterAll(async () => {
  await stack.close();
});

afterEach(() => stack.cloud!.faults.clear());

async function build(name: string, headers: Record<string, string> = {}) {
  const created = await api(stack, 'POST', '/builds', seoulBody(name), headers);
  expect(created.status).toBe(202);
  const buildId = buildIdOf(created);
  return { buildId, final: await waitWhile(stack, buildId, 'RUNNING') };
}

async function destroy(buildId: string) {
  const deleted = await api(stack, 'DELETE', `/builds/${buildId}`);
  expect(deleted.status).toBe(202);
  return waitWhile(stack, buildId, 'DESTROYING');
}

const slackFor = (buildId: string, word: string) =>
  stack.slack.waitFor((m) => messageText(m).includes(buildId) && messageText(m).includes(word));

describe('a build on the embedded cloud', () => {
  let buildId: string;

  it('succeeds, and what exists matches the spec', async () => {
    const result = await build('e2e-main');
    buildId = result.buildId;
    expect(result.final.status).toBe('SUCCEEDED');

    const reservations =
      (
        await ec2.send(
          new DescribeInstancesCommand({
            Filters: [
              { Name: 'tag:k8s-ec2:build-id', Values: [buildId] },
              { Name: 'instance-state-name', Values: ['running'] },
            ],
          }),
        )
      ).Reservations ?? [];
    const instances = reservations.flatMap((r) => r.Instances ?? []);
    expect(instances).toHaveLength(7);
    const roleOf = (i: (typeof instances)[number]) => i.Tags?.find((t) => t.Key === 'k8s-ec2:role')?.Value;
    expect(instances.map(roleOf).sort()).toEqual([
      'bastion',
      'control-plane',
      'control-plane',
      'control-plane',
      'worker',
      'worker',
      'worker',
    ]);
    for (const i of instances) {
      expect(i.MetadataOptions?.HttpTokens).toBe('required');
      expect(i.Tags).toEqual(
        expect.arrayContaining([
          { Key: 'k8s-ec2:managed-by', Value: 'k8s-ec2-builder' },
          { Key: 'team', Value: 'platform' },
        ]),
      );
      if (roleOf(i) !== 'bastion') expect(i.PublicIpAddress).toBeUndefined();
    }
    const volumes =
      (
        await ec2.send(
          new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: instances.map((i) => i.InstanceId!) }] }),
        )
      ).Volumes ?? [];
    expect(volumes.length).toBe(7);
    expect(volumes.every((v) => v.Encrypted && v.VolumeType === 'gp3')).toBe(true);

    const lb = (await elbv2.send(new DescribeLoadBalancersCommand({ Names: ['e2e-main-nlb'] }))).LoadBalancers![0];
    expect(lb).toMatchObject({ Scheme: 'internal', Type: 'network', State: { Code: 'active' } });
    expect(lb.AvailabilityZones).toHaveLength(3);
    const lbAttributes = (await elbv2.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Attributes;
    expect(lbAttributes).toContainEqual({ Key: 'load_balancing.cross_zone.enabled', Value: 'true' });

    const groups = (await elbv2.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).TargetGroups ?? [];
    expect(groups.map((g) => g.Port).sort()).toEqual([30080, 30443, 6443]);
    for (const g of groups) {
      const attributes = (await elbv2.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: g.TargetGroupArn }))).Attributes;
      expect(attributes).toContainEqual({ Key: 'preserve_client_ip.enabled', Value: 'false' });
    }
    const listeners = (await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners ?? [];
    expect(listeners.map((l) => l.Port).sort((a, b) => a! - b!)).toEqual([80, 443, 6443]);

    const sgs =
      (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag:k8s-ec2:build-id', Values: [buildId] }] })))
        .SecurityGroups ?? [];
    expect(sgs.map((g) => g.GroupName).sort()).toEqual([
      'e2e-main-bastion-sg',
      'e2e-main-control-plane-sg',
      'e2e-main-nlb-sg',
      'e2e-main-worker-sg',
    ]);
    const nodeRules = sgs.filter((g) => /control-plane|worker/.test(g.GroupName!)).flatMap((g) => g.IpPermissions ?? []);
    expect(nodeRules.flatMap((p) => p.IpRanges ?? []).map((r) => r.CidrIp)).not.toContain('0.0.0.0/0');
    const bastionRules = sgs.find((g) => g.GroupName === 'e2e-main-bastion-sg')!.IpPermissions!;
    expect(bastionRules).toEqual([
      expect.objectContaining({ FromPort: 22, ToPort: 22, IpRanges: [expect.objectContaining({ CidrIp: '203.0.113.0/24' })] }),
    ]);

    const message = await slackFor(buildId, 'SUCCEEDED');
    expect(messageText(message)).toContain(lb.DNSName);
    // Priced by the embedded cloud's Price List sample, which the message names as such.
    expect(messageText(message)).toMatch(/Cost estimate while it runs[\s\S]*3 × instance m6i\.large +@ \$0\.1468\/h[\s\S]*Total +\$/);
    expect(messageText(message)).toContain('hand-recorded sample');
  });

  it('answers status, list and artifacts over HTTP', async () => {
    const status = await api(stack, 'GET', `/builds/${buildId}`);
    expect(status.json?.steps?.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        'Preflight',
        'CreateNetwork',
        'LaunchNodes',
        'CreateLoadBalancer',
        'LaunchBastion',
        'RegisterTargets',
        'WaitUntilReady',
        'VerifyBaseline',
      ]),
    );
    expect(status.json?.outputs?.nodes).toHaveLength(6);
    const list = await api(stack, 'GET', '/builds');
    expect(JSON.stringify(list.json)).toContain(buildId);
    const inventory = await api(stack, 'GET', `/builds/${buildId}/artifacts/inventory.ini`);
    expect(inventory.status).toBe(200);
    expect(inventory.text).toContain(`apiserver_loadbalancer_domain_name="${status.json?.outputs?.loadBalancer.dnsName}"`);
    const hosts = await api(stack, 'GET', `/builds/${buildId}/artifacts/hosts.yaml`);
    expect(hosts.status).toBe(200);
    expect(hosts.text).toContain(`address: ${status.json?.outputs?.loadBalancer.dnsName}`);
    const kubeadm = await api(stack, 'GET', `/builds/${buildId}/artifacts/kubeadm.yaml`);
    expect(kubeadm.text).toContain(`controlPlaneEndpoint: ${status.json?.outputs?.loadBalancer.dnsName}:6443`);
  });

  it('destroy leaves nothing tagged with the build id', async () => {
    const final = await destroy(buildId);
    expect(final.status).toBe('DESTROYED');
    expect(stack.cloud!.resources(buildId)).toEqual([]);
    await slackFor(buildId, 'DESTROYED');
  });
});

describe('safety under retries and failures', () => {
  it('a repeated POST with the same Idempotency-Key returns the same build', async () => {
    const headers = { 'Idempotency-Key': 'e2e-idem-1' };
    const first = await api(stack, 'POST', '/builds', seoulBody('e2e-idem'), headers);
    const second = await api(stack, 'POST', '/builds', seoulBody('e2e-idem'), headers);
    expect(first.status).toBe(202);
    expect([200, 202]).toContain(second.status);
    expect(buildIdOf(second)).toBe(buildIdOf(first));
    const conflict = await api(stack, 'POST', '/builds', seoulBody('e2e-idem', { workers: { count: 1 } }), headers);
    expect(conflict.status).toBe(409);
    const final = await waitWhile(stack, buildIdOf(first), 'RUNNING');
    expect(final.status).toBe('SUCCEEDED');
    expect((await destroy(buildIdOf(first))).status).toBe('DESTROYED');
  });

  it('a terminal fault in the load-balancer step rolls back to zero resources', async () => {
    stack.cloud!.faults.add({
      service: 'elbv2',
      action: 'CreateLoadBalancer',
      code: 'TooManyLoadBalancers',
      message: 'injected: NLB quota reached',
    });
    const { buildId, final } = await build('e2e-rollback');
    expect(final.status).toBe('ROLLED_BACK');
    expect(JSON.stringify(final.error)).toContain('CreateLoadBalancer');
    expect(stack.cloud!.resources(buildId)).toEqual([]);
    const message = await slackFor(buildId, 'ROLLED_BACK');
    expect(messageText(message)).toContain('CreateLoadBalancer');
  });

  it('30 % throttling and 5xx on mutating EC2 actions still ends SUCCEEDED with exactly 7 instances', async () => {
    const mutating = [
      'CreateVpc',
      'ModifyVpcAttribute',
      'CreateSubnet',
      'CreateInternetGateway',
      'AttachInternetGateway',
      'CreateRouteTable',
      'CreateRoute',
      'AssociateRouteTable',
      'CreateSecurityGroup',
      'AuthorizeSecurityGroupIngress',
      'RunInstances',
      'AllocateAddress',
      'AssociateAddress',
    ];
    mutating.forEach((action, i) =>
      stack.cloud!.faults.add({
        service: 'ec2',
        action,
        code: i % 2 ? 'InternalError' : 'RequestLimitExceeded',
        probability: 0.3,
        seed: i + 7,
      }),
    );
    const { buildId, final } = await build('e2e-chaos');
    const fired = stack.cloud!.faults.list().reduce((n, f) => n + f.fired, 0);
    expect(fired).toBeGreaterThan(5);
    expect(final.status).toBe('SUCCEEDED');
    const instances = stack.cloud!.resources(buildId).filter((r) => r.type === 'instance');
    expect(instances).toHaveLength(7);
    stack.cloud!.faults.clear();
    expect((await destroy(buildId)).status).toBe('DESTROYED');
    expect(stack.cloud!.resources(buildId)).toEqual([]);
  });

  it('a preflight failure ends FAILED, reports every problem and creates nothing', async () => {
    const created = await api(
      stack,
      'POST',
      '/builds',
      seoulBody('e2e-preflight', { keyName: 'no-such-key', workers: { count: 3, instanceTypes: ['m6i.metal'] } }),
    );
    expect(created.status).toBe(202);
    const final = await waitWhile(stack, buildIdOf(created), 'RUNNING');
    expect(final.status).toBe('FAILED');
    const error = JSON.stringify(final.error);
    expect(error).toContain('Preflight');
    expect(error).toContain('keyName');
    expect(error).toContain('m6i.metal');
    expect(stack.cloud!.resources(buildIdOf(created))).toEqual([]);
    await slackFor(buildIdOf(created), 'FAILED');
  });

  it('bad input gets a 400 naming the field and starts nothing', async () => {
    const before = (await api(stack, 'GET', '/builds')).text;
    const bad = await api(stack, 'POST', '/builds', seoulBody('e2e-bad', { bastion: { allowedSshCidrs: ['0.0.0.0/0'] } }));
    expect(bad.status).toBe(400);
    expect(bad.json?.error).toMatchObject({ code: 'SSH_OPEN_TO_WORLD', field: 'bastion.allowedSshCidrs[0]' });
    expect((await api(stack, 'GET', '/builds')).text).toBe(before);
  });
});
