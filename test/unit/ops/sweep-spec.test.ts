import { createHash } from 'node:crypto';
import { parseStateMachineArn } from '../../../functions/api/ids';
import { plan } from '../../../functions/core/plan';
import { readNormalisedSpec } from '../../../functions/core/spec-validation';
import { SweepBlocked, sweepSpecFor } from '../../../functions/ops/sweep-spec';
import { mockAws } from '../../fixtures/aws';
import { elbArn, ours, TaggedWorld, type Ec2Item } from './tagged-world';

/**
 * The spec a sweep tears a build down with, rebuilt from what its tagged resources say: it must be one a step
 * reads as stored, and its plan must name everything the teardown finds by name.
 */
const aws = mockAws();
const REGION = 'ap-northeast-2';
const BUILD = 'dev-20261120-090000-ab12';
const TGW = 'tgw-0123456789abcdef0';
const ZONES = ['ap-northeast-2a', 'ap-northeast-2b', 'ap-northeast-2c'];
const PROFILE = `dev-ssm-${createHash('sha256').update(BUILD).digest('hex').slice(0, 8)}`;
const MACHINES = {
  build: parseStateMachineArn(`arn:aws:states:${REGION}:123456789012:stateMachine:k8s-ec2-build`)!,
  teardown: parseStateMachineArn(`arn:aws:states:${REGION}:123456789012:stateMachine:k8s-ec2-teardown`)!,
  deployment: 'k8s-ec2-dev',
};

const tagged = (type: string, id: string, role: string, name: string, more: Partial<Ec2Item> = {}): Ec2Item => ({
  type,
  id,
  tags: ours(BUILD, 'dev', role, name),
  ...more,
});

function network(world: TaggedWorld, routes: Array<Record<string, string>> = []): void {
  world.ec2.push(
    tagged('vpc', 'vpc-1', 'vpc', 'dev-vpc', { fields: { CidrBlock: '10.1.0.0/16' } }),
    // Listed out of zone order: the spec lists zones in order.
    ...[2, 0, 1].map((i) =>
      tagged('subnet', `subnet-${i}`, 'private-subnet', `dev-private-${'abc'[i]}`, { fields: { AvailabilityZone: ZONES[i] } }),
    ),
    tagged('route-table', 'rtb-1', 'private-route-table', 'dev-private-rt', {
      fields: { Routes: [{ DestinationCidrBlock: '10.1.0.0/16', GatewayId: 'local' }, ...routes] },
    }),
  );
}

function loadBalancer(world: TaggedWorld, ingress: Array<[number, number]>): void {
  world.loadBalancers.push({
    arn: elbArn('loadbalancer/net', 'dev-nlb'),
    name: 'dev-nlb',
    tags: ours(BUILD, 'dev', 'load-balancer', 'dev-nlb'),
  });
  for (const [port, nodePort] of [[6443, 6443], ...ingress]) {
    const name = `dev-tg-${port}`;
    world.targetGroups.push({ arn: elbArn('targetgroup', name), name, port: nodePort, tags: ours(BUILD, 'dev', 'target-group', name) });
  }
}

/** The closed network of docs/design.md 1.3: NAT per zone, endpoints, a Transit Gateway, no bastion. */
function closedNetwork(): TaggedWorld {
  const world = new TaggedWorld();
  network(world, [
    { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-a' },
    { DestinationCidrBlock: '10.200.0.0/16', TransitGatewayId: TGW },
    { DestinationCidrBlock: '192.168.0.0/16', TransitGatewayId: TGW },
  ]);
  world.ec2.push(
    ...['a', 'b', 'c'].flatMap((z) => [
      tagged('natgateway', `nat-${z}`, 'nat-gateway', `dev-nat-${z}`, { state: 'available' }),
      tagged('elastic-ip', `eipalloc-${z}`, 'nat-eip', `dev-nat-${z}-eip`),
    ]),
    ...['ssm', 'ssmmessages', 'ec2messages', 's3', 'ecr.dkr'].map((service) =>
      tagged('vpc-endpoint', `vpce-${service}`, 'vpc-endpoint', `dev-vpce-${service}`, {
        state: 'available',
        fields: { ServiceName: `com.amazonaws.${REGION}.${service}` },
      }),
    ),
    tagged('transit-gateway-attachment', 'tgw-attach-1', 'transit-gateway-attachment', 'dev-tgw-attachment', {
      state: 'available',
      fields: { TransitGatewayId: TGW },
    }),
    tagged('instance', 'i-1', 'worker', 'dev-worker-1', { state: 'running' }),
  );
  loadBalancer(world, [
    [443, 30443],
    [80, 30080],
  ]);
  const profile = {
    name: PROFILE,
    path: '/k8s-ec2-builder/',
    tags: ours(BUILD, 'dev', 'node-instance-profile', PROFILE),
    createdAt: new Date(),
  };
  world.roles.push(profile);
  world.profiles.push(profile);
  return world;
}

it('rebuilds a closed network build’s spec from its tags: egress, endpoints, the gateway and its routes, no bastion', async () => {
  closedNetwork().install(aws);
  const spec = await sweepSpecFor(aws.clients, BUILD, REGION, MACHINES);

  expect(spec).toMatchObject({
    name: 'dev',
    region: REGION,
    vpcCidr: '10.1.0.0/16',
    availabilityZones: ZONES,
    keyName: 'dev-key',
    bastion: { enabled: false, allowedSshCidrs: [] },
    loadBalancer: {
      ingress: [
        { port: 80, nodePort: 30080 },
        { port: 443, nodePort: 30443 },
      ],
    },
    egress: 'nat-per-az',
    endpoints: ['ssm', 'ssmmessages', 'ec2messages', 's3', 'ecr.dkr'],
    transitGateway: { id: TGW, routes: ['10.200.0.0/16', '192.168.0.0/16'] },
  });
  // What a teardown step reads as stored, without filling anything in.
  expect(readNormalisedSpec(spec)).toEqual({ ok: true, spec });
  // The names the teardown deletes by are the ones AWS holds.
  const teardownPlan = plan(spec!, BUILD);
  expect(teardownPlan.loadBalancer.name).toBe('dev-nlb');
  expect(teardownPlan.targetGroups.map((tg) => tg.name).sort()).toEqual(['dev-tg-443', 'dev-tg-6443', 'dev-tg-80']);
  expect(teardownPlan.instanceProfile?.name).toBe(PROFILE);
});

it('rebuilds a bastion build’s spec with the bastion group’s SSH sources, no NAT, endpoints or gateway', async () => {
  const world = new TaggedWorld();
  network(world);
  world.ec2.push(
    tagged('security-group', 'sg-bastion', 'bastion-sg', 'dev-bastion-sg', {
      fields: {
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '203.0.113.0/24' }, { CidrIp: '198.51.100.7/32' }] },
          { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '10.9.0.0/16' }] },
        ],
      },
    }),
    tagged('elastic-ip', 'eipalloc-bastion', 'bastion-eip', 'dev-bastion-eip'),
  );
  loadBalancer(world, [[8080, 31000]]);
  world.install(aws);

  const spec = await sweepSpecFor(aws.clients, BUILD, REGION, MACHINES);
  expect(spec).toMatchObject({
    bastion: { enabled: true, allowedSshCidrs: ['203.0.113.0/24', '198.51.100.7/32'] },
    loadBalancer: { ingress: [{ port: 8080, nodePort: 31000 }] },
    egress: 'none',
    endpoints: [],
  });
  expect(spec).not.toHaveProperty('transitGateway');
  expect(readNormalisedSpec(spec).ok).toBe(true);
});

it('keeps the gateway in the spec when no route to it is left, with a destination no table of the build holds', async () => {
  const world = new TaggedWorld();
  // DeleteRoute removes a destination whatever its target: 192.0.2.0/24 here goes elsewhere and must not be named.
  network(world, [{ DestinationCidrBlock: '192.0.2.0/24', NatGatewayId: 'nat-x' }]);
  world.ec2.push(
    tagged('transit-gateway-attachment', 'tgw-attach-1', 'transit-gateway-attachment', 'dev-tgw-attachment', {
      state: 'pendingAcceptance',
      fields: { TransitGatewayId: TGW },
    }),
  );
  world.install(aws);
  const spec = await sweepSpecFor(aws.clients, BUILD, REGION, MACHINES);
  expect(spec?.transitGateway).toEqual({ id: TGW, routes: ['198.51.100.0/24'] });
});

it('counts one NAT gateway, or only the address one left behind, as NAT egress (the teardown then releases it)', async () => {
  const world = new TaggedWorld();
  network(world);
  world.ec2.push(tagged('elastic-ip', 'eipalloc-a', 'nat-eip', 'dev-nat-a-eip'));
  world.install(aws);
  expect((await sweepSpecFor(aws.clients, BUILD, REGION, MACHINES))?.egress).toBe('nat-single');
});

it('names the cluster after the build id when no resource carries the cluster tag', async () => {
  const world = new TaggedWorld();
  world.ec2.push({ type: 'vpc', id: 'vpc-1', tags: { 'k8s-ec2:build-id': BUILD, 'k8s-ec2:managed-by': 'k8s-ec2-builder' } });
  world.install(aws);
  const spec = await sweepSpecFor(aws.clients, BUILD, REGION, MACHINES);
  expect(spec).toMatchObject({ name: 'dev', availabilityZones: ZONES, vpcCidr: '10.0.0.0/16' });
});

it('answers undefined when nothing tagged with the build id is left', async () => {
  new TaggedWorld().install(aws);
  expect(await sweepSpecFor(aws.clients, BUILD, REGION, MACHINES)).toBeUndefined();
});

it('refuses a sweep whose teardown would leave something: a load balancer under another name, a kind a build never makes', async () => {
  const world = closedNetwork();
  world.loadBalancers[0] = { ...world.loadBalancers[0], arn: elbArn('loadbalancer/net', 'renamed'), name: 'renamed' };
  world.ec2.push(tagged('snapshot', 'snap-1', 'worker', 'dev-worker-1-backup'));
  world.install(aws);
  const refusal = sweepSpecFor(aws.clients, BUILD, REGION, MACHINES);
  await expect(refusal).rejects.toBeInstanceOf(SweepBlocked);
  await expect(refusal).rejects.toThrow(/loadbalancer renamed, snapshot dev-worker-1-backup/);
});

it('refuses to sweep what another deployment made (dev and prod in one account): that stack judges its own builds', async () => {
  const world = closedNetwork();
  world.ec2[0] = { ...world.ec2[0], tags: { ...world.ec2[0].tags, 'k8s-ec2:deployment': 'k8s-ec2-prod' } };
  world.install(aws);
  const refusal = sweepSpecFor(aws.clients, BUILD, REGION, MACHINES);
  await expect(refusal).rejects.toBeInstanceOf(SweepBlocked);
  await expect(refusal).rejects.toThrow(/made by deployment "k8s-ec2-prod": sweep it from there/);
});

it('refuses a sweep of detached volumes and interfaces, which the teardown deletes only with their instance', async () => {
  const world = closedNetwork();
  world.ec2.push(
    tagged('volume', 'vol-attached', 'worker', 'dev-worker-1', { state: 'in-use' }),
    tagged('volume', 'vol-kept', 'worker', 'dev-worker-2', { state: 'available' }),
    tagged('network-interface', 'eni-kept', 'worker', 'dev-worker-2', { state: 'available' }),
  );
  world.install(aws);
  const refusal = sweepSpecFor(aws.clients, BUILD, REGION, MACHINES);
  await expect(refusal).rejects.toBeInstanceOf(SweepBlocked);
  await expect(refusal).rejects.toThrow(
    'the teardown cannot remove the detached volume vol-kept (dev-worker-2), network-interface eni-kept (dev-worker-2): ' +
      'it deletes volumes and network interfaces only with the instance they are attached to (snapshot a volume first if its data matters); ' +
      'delete them by hand, then sweep again',
  );
});

it.each([
  {
    label: 'more than 20 endpoints',
    add: (world: TaggedWorld) =>
      world.ec2.push(
        ...Array.from({ length: 21 }, (_, i) =>
          tagged('vpc-endpoint', `vpce-${i}`, 'vpc-endpoint', `dev-vpce-${i}`, {
            state: 'available',
            fields: { ServiceName: `com.amazonaws.${REGION}.service${i}` },
          }),
        ),
      ),
    message:
      'endpoints (21 of them): give at most 20 endpoint services (rebuilt from the service names of the VPC endpoints tagged with the build id)',
  },
  {
    label: 'an endpoint service whose short name the spec refuses',
    add: (world: TaggedWorld) =>
      world.ec2.push(
        tagged('vpc-endpoint', 'vpce-odd', 'vpc-endpoint', 'dev-vpce-odd', {
          state: 'available',
          fields: { ServiceName: 'com.example.Partner_Feed' },
        }),
      ),
    message: 'endpoints[0] "Partner_Feed": must be a VPC endpoint service short name',
  },
  {
    label: 'more than 10 dev-tg-* target groups besides the API server’s',
    add: (world: TaggedWorld) =>
      loadBalancer(
        world,
        Array.from({ length: 11 }, (_, i): [number, number] => [8000 + i, 31000 + i]),
      ),
    message:
      'loadBalancer.ingress (11 of them): give at most 10 ingress listeners (rebuilt from the target groups tagged with the build id and named <name>-tg-<port>)',
  },
])('refuses with SweepBlocked, not a server error, when the rebuilt spec has $label', async ({ add, message }) => {
  const world = new TaggedWorld();
  network(world);
  add(world);
  world.install(aws);
  const refusal = sweepSpecFor(aws.clients, BUILD, REGION, MACHINES);
  await expect(refusal).rejects.toBeInstanceOf(SweepBlocked);
  await expect(refusal).rejects.toThrow(message);
  await expect(refusal).rejects.toThrow(
    /^the spec rebuilt from the tags is not one a teardown accepts: .*; delete the resources that make it so by hand, then sweep again$/,
  );
});
