/**
 * findDrift on a build as it was made: nothing to report, only Describe calls, each kind read in one call, and the
 * same answer twice. Each kind of drift has its own file (drift-*.test.ts).
 */
import { DescribeInstancesCommand, DescribeSecurityGroupRulesCommand, type Filter } from '@aws-sdk/client-ec2';
import { findDrift } from '../../../functions/ops/drift';
import { mockAws } from '../../fixtures/aws';
import { closedNetworkPlan, seoulPlan } from '../../fixtures/build';
import { DriftWorld } from './drift-world';

const aws = mockAws();

/** Every command a client was sent, by name. */
const sent = () => [...aws.ec2.calls(), ...aws.elbv2.calls()].map((call) => (call.args[0] as object).constructor.name);

describe('findDrift on a build as it was made', () => {
  it.each([
    { label: 'the Seoul default (bastion, closed private subnets)', plan: seoulPlan() },
    {
      label: 'a closed network (NAT per zone, eight endpoints, a Transit Gateway, no bastion)',
      plan: closedNetworkPlan({ bastion: { enabled: false } }),
    },
    {
      label: 'one NAT gateway for every zone, cross-zone off',
      plan: seoulPlan({ egress: 'nat-single', loadBalancer: { crossZone: false, allowedClientCidrs: [], ingress: [] } }),
    },
  ])('reports nothing for $label', async ({ plan }) => {
    const world = new DriftWorld(plan).install(aws.ec2, aws.elbv2);
    expect(await findDrift(aws.clients, plan, world.outputs)).toEqual([]);
  });

  it('only reads: every call is a Describe', async () => {
    const plan = closedNetworkPlan();
    const world = new DriftWorld(plan).install(aws.ec2, aws.elbv2);
    await findDrift(aws.clients, plan, world.outputs);
    expect(sent().length).toBeGreaterThan(10);
    expect(sent().filter((name) => !/^Describe\w+Command$/.test(name))).toEqual([]);
  });

  it('reads every instance in one DescribeInstances and every rule in one DescribeSecurityGroupRules, by filter', async () => {
    const plan = seoulPlan();
    const world = new DriftWorld(plan).install(aws.ec2, aws.elbv2);
    await findDrift(aws.clients, plan, world.outputs);
    const [instances] = aws.ec2.commandCalls(DescribeInstancesCommand);
    expect(aws.ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
    expect(instances.args[0].input.Filters).toEqual([{ Name: 'instance-id', Values: world.instances.map((i) => i.InstanceId) }]);
    expect(aws.ec2.commandCalls(DescribeSecurityGroupRulesCommand)).toHaveLength(1);
  });

  it('reads the largest build (7 control planes, 100 workers, a bastion) in one DescribeInstances', async () => {
    const plan = seoulPlan({
      controlPlane: { count: 7, instanceTypes: ['m6i.large'] },
      workers: { count: 100, instanceTypes: ['m6i.xlarge'] },
    });
    const world = new DriftWorld(plan).install(aws.ec2, aws.elbv2);
    expect(await findDrift(aws.clients, plan, world.outputs)).toEqual([]);
    const calls = aws.ec2.commandCalls(DescribeInstancesCommand);
    expect(calls.map((call) => (call.args[0].input.Filters as Filter[])[0].Values?.length)).toEqual([108]);
  });

  it('answers the same drift, in the same order, on every call', async () => {
    const plan = seoulPlan();
    const world = new DriftWorld(plan).install(aws.ec2, aws.elbv2);
    world.instance('fin-k8s-dev-worker-2').MetadataOptions!.HttpTokens = 'optional';
    world.loadBalancerAttributes['load_balancing.cross_zone.enabled'] = 'false';
    world.dns.hostnames = false;
    const first = await findDrift(aws.clients, plan, world.outputs);
    expect(first.map((d) => d.field)).toEqual(['enableDnsHostnames', 'metadataOptions.httpTokens', 'crossZone']);
    expect(await findDrift(aws.clients, plan, world.outputs)).toEqual(first);
  });
});
