import {
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
} from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand, DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsThrottled, WorkflowContractError, ResourceConflict, ResourceNotReady } from '../../../functions/core/errors';
import { handler } from '../../../functions/handlers/wait-until-ready';
import { awsError, mockAws } from '../../fixtures/aws';
import { seoulSpec } from '../../fixtures/build';
import { FakeWorld } from '../../fixtures/fake-world';

const { ec2, elbv2 } = mockAws();
let world: FakeWorld;

beforeEach(() => {
  world = new FakeWorld().install(ec2, elbv2);
});

/** Runs the handler and returns the ResourceNotReady it must throw. */
async function notReady(): Promise<ResourceNotReady> {
  const error = await handler(world.waitState()).then(
    () => {
      throw new Error('expected ResourceNotReady, but the handler reported the build ready');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ResourceNotReady);
  return error as ResourceNotReady;
}

describe('wait-until-ready handler', () => {
  it('reports a finished build ready: nodes with private IPs, the bastion with its public IP, the NLB active', async () => {
    const result = await handler(world.waitState());
    expect(result).toEqual({
      nodes: world.outputs.nodes,
      bastion: {
        instanceId: world.outputs.bastion.instanceId,
        allocationId: 'eipalloc-0bastion',
        publicIp: world.outputs.bastion.publicIp,
        associationId: 'eipassoc-0bastion',
        privateIp: world.outputs.bastion.privateIp,
      },
      loadBalancerState: 'active',
    });
    expect(result.nodes.every((n) => n.privateIp?.startsWith('10.0.'))).toBe(true);
    expect(ec2.commandCalls(AssociateAddressCommand)).toHaveLength(0);
  });

  it('returns nodes in name order whatever order EC2 lists them in', async () => {
    world.instances.reverse();
    const { nodes } = await handler(world.waitState());
    expect(nodes.map((n) => n.name)).toEqual([
      'fin-k8s-dev-cp-1',
      'fin-k8s-dev-cp-2',
      'fin-k8s-dev-cp-3',
      'fin-k8s-dev-worker-1',
      'fin-k8s-dev-worker-2',
      'fin-k8s-dev-worker-3',
    ]);
  });

  it('finds nodes and bastion by the build tags and asks for status checks of all seven instances, pending ones included', async () => {
    await handler(world.waitState());
    const filters = ec2.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input.Filters ?? []);
    const roleValues = filters.map((f) => f.find((x) => x.Name === 'tag:k8s-ec2:role')?.Values);
    expect(roleValues).toEqual(expect.arrayContaining([['control-plane', 'worker'], ['bastion']]));
    for (const f of filters) expect(f).toContainEqual({ Name: 'tag:k8s-ec2:build-id', Values: [world.plan.buildId] });
    const status = ec2.commandCalls(DescribeInstanceStatusCommand);
    expect(status).toHaveLength(1);
    expect(status[0].args[0].input).toMatchObject({ IncludeAllInstances: true });
    expect(status[0].args[0].input.InstanceIds).toHaveLength(7);
    expect(status[0].args[0].input.InstanceIds).toContain(world.outputs.bastion.instanceId);
  });

  it.each<[string, (w: FakeWorld) => void, RegExp]>([
    ['a node still pending', (w) => w.launching('fin-k8s-dev-worker-2'), /i-0wk1: pending/],
    [
      'a node whose status checks are initializing',
      (w) => w.initializing('fin-k8s-dev-cp-1'),
      /i-0cp0: running, system initializing, instance initializing/,
    ],
    [
      'a node whose instance check is impaired',
      (w) => (w.instance('fin-k8s-dev-cp-3').instanceStatus = 'impaired'),
      /i-0cp2: running, system ok, instance impaired/,
    ],
    ['a node EC2 lists no status for yet', (w) => (w.instance('fin-k8s-dev-worker-3').noStatusYet = true), /i-0wk2: no status yet/],
    [
      'the bastion whose status checks are initializing',
      (w) => w.initializing('fin-k8s-dev-bastion'),
      /i-0bastion000000000: running, system initializing/,
    ],
    [
      'a node not visible by its tags yet',
      (w) => (w.instances = w.instances.filter((i) => i.name !== 'fin-k8s-dev-worker-3')),
      /nodes not visible yet: fin-k8s-dev-worker-3/,
    ],
    ['the NLB still provisioning', (w) => (w.loadBalancer!.state = 'provisioning'), /load balancer fin-k8s-dev-nlb is provisioning/],
    ['the NLB not visible yet', (w) => (w.loadBalancer = undefined), /load balancer fin-k8s-dev-nlb is not visible yet/],
    [
      'a control plane not registered with the API target group',
      (w) => (w.targetGroup('api').targets = w.targetGroup('api').targets.filter((t) => t.id !== 'i-0cp1')),
      /fin-k8s-dev-tg-6443: i-0cp1 not registered/,
    ],
    [
      'a worker not registered with an ingress target group',
      (w) => w.targetGroup('ingress-443').targets.pop(),
      /fin-k8s-dev-tg-443: i-0wk2 not registered/,
    ],
    [
      'a control plane draining out of the API target group',
      (w) => (w.targetGroup('api').targets[2].state = 'draining'),
      /fin-k8s-dev-tg-6443: i-0cp2 not registered/,
    ],
    [
      'a worker registered on the wrong port',
      (w) => (w.targetGroup('ingress-80').targets[0].port = 30443),
      /fin-k8s-dev-tg-80: i-0wk0 not registered/,
    ],
    [
      'the bastion pending (its Elastic IP cannot be associated yet)',
      (w) => {
        w.unassociated();
        w.launching('fin-k8s-dev-bastion');
      },
      /bastion i-0bastion000000000 is pending/,
    ],
    ['the bastion Elastic IP not visible by its tags yet', (w) => (w.address = undefined), /Elastic IP of build .* is not visible yet/],
    [
      'the bastion instance not visible by its tags yet',
      (w) => (w.instances = w.instances.filter((i) => i.role !== 'bastion')),
      /bastion instance of build .* is not visible yet/,
    ],
  ])('throws ResourceNotReady naming %s, and nothing else', async (_what, perturb, named) => {
    perturb(world);
    const error = await notReady();
    expect(error.message).toMatch(named);
    expect(error.message).toMatch(/^waiting for 1 thing\(s\): /);
    expect(error.details).toEqual({ pending: [expect.stringMatching(named)] });
  });

  it('lists every pending thing in one error so the console shows the whole picture', async () => {
    world.launching('fin-k8s-dev-cp-2');
    world.loadBalancer!.state = 'provisioning';
    world.targetGroup('ingress-80').targets = [];
    const error = await notReady();
    expect(error.details?.pending).toEqual([
      'i-0cp1: pending, system not-applicable, instance not-applicable',
      'load balancer fin-k8s-dev-nlb is provisioning',
      'fin-k8s-dev-tg-80: i-0wk0, i-0wk1, i-0wk2 not registered',
    ]);
  });

  it('associates the Elastic IP exactly once when the bastion runs, then reports ready', async () => {
    world.unassociated();
    const result = await handler(world.waitState());
    expect(ec2.commandCalls(AssociateAddressCommand).map((c) => c.args[0].input)).toEqual([
      { AllocationId: 'eipalloc-0bastion', InstanceId: world.outputs.bastion.instanceId },
    ]);
    expect(result.bastion).toMatchObject({ associationId: 'eipassoc-0bastion', publicIp: world.outputs.bastion.publicIp });

    // A retry of the step (or the next readiness check) finds it associated and does not associate again.
    await handler(world.waitState());
    expect(ec2.commandCalls(AssociateAddressCommand)).toHaveLength(1);
    expect(world.associateCount).toBe(1);
  });

  it('does not associate the Elastic IP while the bastion is pending, and does once it runs', async () => {
    world.unassociated();
    world.launching('fin-k8s-dev-bastion');
    await notReady();
    expect(ec2.commandCalls(AssociateAddressCommand)).toHaveLength(0);

    Object.assign(world.bastion, { state: 'running', system: 'ok', instanceStatus: 'ok' });
    await expect(handler(world.waitState())).resolves.toMatchObject({ bastion: { associationId: 'eipassoc-0bastion' } });
    expect(ec2.commandCalls(AssociateAddressCommand)).toHaveLength(1);
  });

  it('keeps waiting when AssociateAddress still sees the bastion in the wrong state (IncorrectInstanceState)', async () => {
    world.unassociated();
    world.fail('AssociateAddress', awsError('IncorrectInstanceState'));
    const error = await notReady();
    expect(error.message).toMatch(/AssociateAddress: IncorrectInstanceState/);
  });

  it('fails for good when our Elastic IP was moved to another instance by hand', async () => {
    Object.assign(world.address!, { associationId: 'eipassoc-0other', instanceId: 'i-0someoneelse' });
    await expect(handler(world.waitState())).rejects.toThrow(ResourceConflict);
    expect(ec2.commandCalls(AssociateAddressCommand)).toHaveLength(0);
  });

  it.each([
    ['loadBalancer', (s: ReturnType<FakeWorld['waitState']>) => ({ ...s, loadBalancer: undefined })],
    ['nodes', (s: ReturnType<FakeWorld['waitState']>) => ({ ...s, nodes: undefined })],
  ])(
    'throws WorkflowContractError (our bug, not the spec) naming $.%s when the state lacks it, before calling AWS',
    async (missing, strip) => {
      const error = await handler(strip(world.waitState())).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowContractError);
      expect((error as Error).message).toContain(`$.${missing}`);
      expect(ec2.calls()).toHaveLength(0);
      expect(elbv2.calls()).toHaveLength(0);
    },
  );

  it.each([
    ['DescribeInstances', 'RequestLimitExceeded'],
    ['DescribeVolumes', 'RequestLimitExceeded'],
    ['DescribeAddresses', 'RequestLimitExceeded'],
    ['DescribeInstanceStatus', 'RequestLimitExceeded'],
    ['DescribeLoadBalancers', 'Throttling'],
    ['DescribeTags', 'Throttling'],
    ['DescribeTargetHealth', 'Throttling'],
  ])('surfaces a throttled %s as AwsThrottled (the state machine backs off), never as "not ready"', async (action, code) => {
    world.fail(action, awsError(code));
    const error = await handler(world.waitState()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsThrottled);
    expect((error as AwsThrottled).message).toContain(`${action}: ${code}`);
  });

  it('rethrows an error it cannot classify unchanged', async () => {
    const odd = awsError('SomethingNew');
    world.fail('DescribeTargetHealth', odd);
    await expect(handler(world.waitState())).rejects.toBe(odd);
  });

  describe('without a bastion (the spec turned it off)', () => {
    const noBastion = () => ({
      ...world.waitState(),
      spec: seoulSpec({ bastion: { enabled: false }, endpoints: ['ssm', 'ssmmessages', 'ec2messages'] }),
    });
    beforeEach(() => {
      world.instances = world.instances.filter((i) => i.role !== 'bastion');
      world.address = undefined;
    });

    it('reports the build ready with the nodes and the NLB alone, looking for no bastion and no Elastic IP', async () => {
      await expect(handler(noBastion())).resolves.toEqual({ nodes: world.outputs.nodes, loadBalancerState: 'active' });
      const roles = ec2
        .commandCalls(DescribeInstancesCommand)
        .map((c) => c.args[0].input.Filters?.find((f) => f.Name === 'tag:k8s-ec2:role')?.Values);
      expect(roles).toEqual([['control-plane', 'worker']]);
      expect(ec2.commandCalls(DescribeAddressesCommand)).toHaveLength(0);
      expect(ec2.commandCalls(AssociateAddressCommand)).toHaveLength(0);
      expect(ec2.commandCalls(DescribeInstanceStatusCommand)[0].args[0].input.InstanceIds).toHaveLength(6);
    });

    it('still waits for the nodes', async () => {
      world.initializing('fin-k8s-dev-worker-2');
      await expect(handler(noBastion())).rejects.toMatchObject({
        name: 'ResourceNotReady',
        message: expect.stringMatching(/^waiting for 1 thing/) as unknown,
      });
    });

    it('with a bastion in the spec, the same world is not ready (its bastion is missing)', async () => {
      await notReady();
    });
  });

  it('sends one DescribeTargetHealth per target group of the state', async () => {
    await handler(world.waitState());
    expect(
      elbv2
        .commandCalls(DescribeTargetHealthCommand)
        .map((c) => c.args[0].input.TargetGroupArn)
        .sort(),
    ).toEqual(world.targetGroups.map((tg) => tg.arn).sort());
    expect(elbv2.commandCalls(DescribeLoadBalancersCommand)[0].args[0].input).toEqual({ Names: ['fin-k8s-dev-nlb'] });
  });
});
