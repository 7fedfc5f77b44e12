import {
  carriedAllocationIds,
  carriedConnections,
  carriedInstanceIds,
  carriedNetwork,
  carriedTeardownTimes,
  carriedTermination,
} from '../../../functions/core/carried';
import type { BuildState } from '../../../functions/core/contracts';
import { NETWORK, NODES } from '../../fixtures/ids';
import { seoulState } from '../../fixtures/build';

const BASTION = { instanceId: 'i-bastion', allocationId: 'eipalloc-1', publicIp: '198.51.100.7' };

describe('what a rollback finds in the build state', () => {
  it.each<[string, Partial<BuildState>, string[], string[]]>([
    ['nothing was created (the teardown machine’s input)', {}, [], []],
    [
      'the Parallel merged (a later step failed)',
      { nodes: NODES, bastion: BASTION },
      [...NODES.map((n) => n.instanceId), 'i-bastion'],
      ['eipalloc-1'],
    ],
    [
      'a branch failed: the pieces are still in the branch outputs',
      {
        provisioned: [
          { nodeLaunch: { complete: false, nodes: NODES.slice(0, 2), generations: {}, unnamed: [] } },
          {},
          { bastion: BASTION },
        ],
      },
      ['i-cp1', 'i-cp2', 'i-bastion'],
      ['eipalloc-1'],
    ],
  ])('names every instance and Elastic IP when %s, each once', (_case, extra, instances, allocations) => {
    const state = seoulState({
      ...extra,
      ...(extra.nodes && { nodeLaunch: { complete: true, nodes: extra.nodes, generations: {}, unnamed: [] } }),
    });
    expect(carriedInstanceIds(state)).toEqual(instances);
    expect(carriedAllocationIds(state)).toEqual(allocations);
  });

  it.each<[string, Partial<BuildState>, object]>([
    ['no network yet', {}, {}],
    ['CreateNetwork still looping', { network: { complete: false, vpcId: 'vpc-1' } as never }, { vpcId: 'vpc-1' }],
    ['a complete network', { network: NETWORK }, NETWORK],
  ])('gives the network ids as far as CreateNetwork got: %s', (_case, extra, expected) => {
    expect(carriedNetwork(seoulState(extra))).toMatchObject(expected);
  });

  it('still finds the one public subnet and private route table of a build the previous release started', () => {
    const legacy = { ...NETWORK, publicSubnetId: 'subnet-public-v1', privateRouteTableId: 'rtb-private-v1' };
    expect(carriedNetwork(seoulState({ network: legacy }))).toMatchObject({
      publicSubnetId: 'subnet-public-v1',
      privateRouteTableId: 'rtb-private-v1',
    });
  });

  const CONNECTIONS = {
    natAddressIds: { 'ap-northeast-2a': 'eipalloc-nat-a' },
    natGatewayIds: {},
    endpointIds: {},
    transitGatewayAttachmentId: 'tgw-attach-1',
  };
  it.each<[string, Partial<BuildState>, object]>([
    ['ConnectNetwork has not run', {}, {}],
    ['the Parallel merged', { connections: { ...CONNECTIONS, complete: true } }, CONNECTIONS],
    [
      'its branch failed after the NAT address and the attachment',
      { provisioned: [{}, {}, {}, { connections: { ...CONNECTIONS, complete: false } }] },
      CONNECTIONS,
    ],
  ])('gives the connection ids as far as ConnectNetwork got: %s', (_case, extra, expected) => {
    expect(carriedConnections(seoulState(extra))).toMatchObject(expected);
  });
});

describe('what TerminateInstances reads of DeleteLoadBalancer’s result', () => {
  const AT = '2026-11-25T10:00:00.000Z';
  it.each<[string, Record<string, unknown>, object]>([
    ['DeleteLoadBalancer has not run (or is not part of this machine)', {}, {}],
    ['it deleted nothing', { teardownLoadBalancer: { step: 'teardown-load-balancer', deleted: [] } }, {}],
    [
      'it deleted the NLB and started the connections’ deletes',
      {
        teardownLoadBalancer: { step: 'teardown-load-balancer', deleted: ['arn:lb'], loadBalancerDeletedAt: AT, connectionsDeletedAt: AT },
      },
      { loadBalancerDeletedAt: Date.parse(AT), connectionsDeletedAt: Date.parse(AT) },
    ],
    ['a time is not readable: left out, never guessed', { teardownLoadBalancer: { loadBalancerDeletedAt: 'yesterday' } }, {}],
  ])('gives the epoch times when %s', (_case, extra, expected) => {
    expect(carriedTeardownTimes({ ...seoulState(), ...extra })).toEqual(expected);
  });
});

describe('what TerminateInstances reads of its own previous answer', () => {
  const AT = '2026-11-25T10:00:00.000Z';
  const LATER = '2026-11-25T10:01:00.000Z';
  const looping = { step: 'teardown-instances', deleted: ['i-1'], complete: false, waitSeconds: 47, startedAt: AT };
  it.each<[string, Record<string, unknown> | undefined, object | undefined]>([
    ['it has not run yet in this execution', undefined, undefined],
    ['its loop is in progress', looping, { startedAt: Date.parse(AT), deleted: ['i-1'] }],
    [
      'its loop is in progress and it terminated instances since',
      { ...looping, instancesTerminatingAt: LATER },
      { startedAt: Date.parse(AT), instancesTerminatingAt: Date.parse(LATER), deleted: ['i-1'] },
    ],
    ['its loop ended (complete: true)', { ...looping, complete: true }, undefined],
    ['the answer is from a release before the loop (no complete)', { step: 'teardown-instances', deleted: [], waitSeconds: 5 }, undefined],
    ['the start is not readable', { ...looping, startedAt: 'yesterday' }, undefined],
  ])('gives the earlier runs when %s', (_case, teardownInstances, expected) => {
    expect(carriedTermination({ ...seoulState(), ...(teardownInstances && { teardownInstances }) })).toEqual(expected);
  });
});
