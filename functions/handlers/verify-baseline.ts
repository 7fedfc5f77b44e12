import type { BuildOutputs, BuildResult, ConnectionIds, NetworkIds } from '../core/contracts';
import type { Plan } from '../core/plan';
import { publicSubnetIn } from '../core/carried';
import { BaselineViolation, WorkflowContractError } from '../core/errors';
import { evaluateBaseline, type InstanceFacts } from '../core/baseline-rules';
import { createStepHandler } from '../core/step-handler';
import { API_SERVER_PORT } from '../core/spec-rules';
import {
  describeIngressRules,
  describeLoadBalancerView,
  describeSubnetRoutes,
  describeTargetGroupAttributes,
  describeVpcDns,
} from '../resources/baseline';
import { describeConnectionStates, withoutProgress } from '../resources/connections';
import { describeOwned, INSTANCE_ROLES, LIVE_STATES, withVolumes, type InstanceRecord } from '../resources/instances';

/** Each private subnet → the NAT gateway of the zone(s) the plan routes it through. */
function natOfSubnet(plan: Plan, network: NetworkIds, connections: Partial<ConnectionIds> = {}): Record<string, string> {
  return Object.fromEntries(
    plan.natGateways.flatMap((nat) =>
      nat.zones.flatMap((zone) => {
        const subnet = network.privateSubnetIds[zone];
        const natId = connections.natGatewayIds?.[nat.az];
        return subnet && natId ? [[subnet, natId]] : [];
      }),
    ),
  );
}

const facts = (r: InstanceRecord): InstanceFacts => ({
  instanceId: r.instanceId,
  name: r.name,
  role: r.role,
  publicIp: r.publicIp,
  httpTokens: r.metadata.httpTokens,
  volumes: r.volumes,
});

/**
 * VerifyBaseline: reads back what was built and checks the docs/design.md "9.3 VerifyBaseline" invariants. Any violation fails the
 * build (and so rolls it back): a cluster that is not what we promised is not handed over. On success it
 * returns the build's outputs, from which the artifacts are made.
 */
export const handler = createStepHandler('verify-baseline', async ({ state, spec, plan, clients, logger }): Promise<BuildResult> => {
  const { network, loadBalancer, readiness } = state;
  if (!network || !loadBalancer || !readiness)
    throw new WorkflowContractError('verify-baseline needs $.network, $.loadBalancer and $.readiness');
  const groups = network.securityGroupIds;
  const hasInterfaceEndpoints = plan.endpoints.some((e) => e.type === 'Interface');
  // The nodes and the bastion in one DescribeInstances and their volumes in one DescribeVolumes (docs/design.md
  // "13.2 Build steps: fewer calls"): the same records, and so the same checks, as two reads of each.
  const [instances, ingressRules, privateSubnetRoutes, lb, targetGroupAttributes, connectionStates, vpcDns] = await Promise.all([
    describeOwned(clients, plan.buildId, INSTANCE_ROLES, LIVE_STATES).then((records) => withVolumes(clients, records)),
    describeIngressRules(clients, Object.values(groups)),
    describeSubnetRoutes(clients, Object.values(network.privateSubnetIds)),
    describeLoadBalancerView(clients, loadBalancer.loadBalancerArn),
    describeTargetGroupAttributes(clients, Object.values(loadBalancer.targetGroupArns)),
    describeConnectionStates(clients, state.connections),
    hasInterfaceEndpoints ? describeVpcDns(clients, network.vpcId) : undefined,
  ]);
  const nodes = instances.filter((r) => r.role !== 'bastion');
  const bastion = instances.find((r) => r.role === 'bastion');
  const baseline = evaluateBaseline(
    {
      nodes: nodes.map(facts),
      bastion: bastion && facts(bastion),
      groupIds: groups,
      ingressRules,
      privateSubnetRoutes,
      loadBalancer: lb,
      targetGroupAttributes,
      connectionStates,
      natOfSubnet: natOfSubnet(plan, network, state.connections),
      ...(vpcDns && { vpcDns }),
    },
    plan,
  );
  const failed = baseline.checks.filter((c) => !c.ok);
  if (failed.length > 0) {
    throw new BaselineViolation(failed.map((c) => `${c.id}: ${c.detail}`).join(' | '), { details: { checks: baseline.checks } });
  }
  logger.info('baseline verified', { checks: baseline.checks.map((c) => c.id) });
  const outputs: BuildOutputs = {
    buildId: plan.buildId,
    clusterName: spec.name,
    region: spec.region,
    vpcId: network.vpcId,
    subnetIds: {
      private: network.privateSubnetIds,
      ...(plan.spec.bastion.enabled && { public: publicSubnetIn(network, plan.bastion.az) }),
      publicByZone: network.publicSubnetIds,
    },
    securityGroupIds: groups,
    loadBalancer: {
      arn: loadBalancer.loadBalancerArn,
      dnsName: loadBalancer.dnsName,
      apiEndpoint: `${loadBalancer.dnsName}:${API_SERVER_PORT}`,
    },
    ...(readiness.bastion && {
      bastion: { instanceId: readiness.bastion.instanceId, publicIp: readiness.bastion.publicIp, privateIp: readiness.bastion.privateIp },
    }),
    ...(state.connections && { connections: withoutProgress(state.connections) }),
    nodes: readiness.nodes,
    kubernetes: spec.kubernetes,
    notes: state.preflight?.notes ?? [],
  };
  return { outputs, baseline };
});
