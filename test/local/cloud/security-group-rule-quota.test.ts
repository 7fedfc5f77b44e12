/**
 * "Inbound or outbound rules per security group": 60 each way, one rule per CIDR and one per referenced
 * group (https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups,
 * https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html#security-group-size), the
 * 61st refused with RulesPerSecurityGroupLimitExceeded. And the plan's rule count is what the cloud creates.
 */
import * as E from '@aws-sdk/client-ec2';
import { QuotaExceeded } from '../../../functions/core/errors';
import { plan, type Plan } from '../../../functions/core/plan';
import { parseSpecShape, type BuildSpecInput } from '../../../functions/core/spec';
import { validateSpec } from '../../../functions/core/spec-validation';
import { plannedRuleCounts, SPEC_LIMIT_CODES } from '../../../functions/core/spec-limits';
import { ensureSecurityGroups } from '../../../functions/resources/security-groups';
import { seoulSpecInput } from '../../fixtures/build';
import { newVpc } from './fixtures';
import { Harness, rejection, startHarness, stopHarness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => stopHarness(h));
afterEach(() => h.cloud.reset());

const newGroup = async (vpcId: string, name = 'g') =>
  (await h.ec2.send(new E.CreateSecurityGroupCommand({ GroupName: name, Description: 'd', VpcId: vpcId }))).GroupId!;
/** `count` TCP rules on port `port` from distinct /24s. */
const fromCidrs = (count: number, port = 443): E.IpPermission[] => [
  { IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: Array.from({ length: count }, (_, i) => ({ CidrIp: `172.16.${i}.0/24` })) },
];
const fromGroups = (groupIds: string[], port = 22): E.IpPermission[] => [
  { IpProtocol: 'tcp', FromPort: port, ToPort: port, UserIdGroupPairs: groupIds.map((GroupId) => ({ GroupId })) },
];
const ingress = (GroupId: string, IpPermissions: E.IpPermission[]) =>
  h.ec2.send(new E.AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions }));
const egress = (GroupId: string, IpPermissions: E.IpPermission[]) =>
  h.ec2.send(new E.AuthorizeSecurityGroupEgressCommand({ GroupId, IpPermissions }));

async function ruleCounts(groupId: string): Promise<{ inbound: number; outbound: number }> {
  const { SecurityGroupRules = [] } = await h.ec2.send(
    new E.DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }),
  );
  return { inbound: SecurityGroupRules.filter((r) => !r.IsEgress).length, outbound: SecurityGroupRules.filter((r) => r.IsEgress).length };
}

async function expectQuotaRefusal(call: Promise<unknown>): Promise<void> {
  const err = await rejection(call);
  expect([err.name, err.message, err.$metadata.httpStatusCode]).toEqual([
    'RulesPerSecurityGroupLimitExceeded',
    'The maximum number of rules per security group has been reached.',
    400,
  ]);
}

describe('rules per security group', () => {
  it.each<[string, (g: string, peers: string[]) => Promise<unknown>, (g: string, peers: string[]) => Promise<unknown>]>([
    ['60 CIDR rules in one request', (g) => ingress(g, fromCidrs(60)), (g) => ingress(g, fromCidrs(1, 80))],
    [
      '60 CIDR rules over several requests and ports',
      async (g) => {
        await ingress(g, fromCidrs(30, 80));
        await ingress(g, fromCidrs(30, 443));
      },
      (g) => ingress(g, fromCidrs(1, 8443)),
    ],
    [
      '59 CIDR rules and one group reference',
      async (g, peers) => {
        await ingress(g, fromCidrs(59));
        await ingress(g, fromGroups(peers.slice(0, 1)));
      },
      (g, peers) => ingress(g, fromGroups(peers.slice(1, 2))),
    ],
    ['the default egress rule and 59 more', (g) => egress(g, fromCidrs(59)), (g) => egress(g, fromCidrs(1, 80))],
  ])('takes %s and refuses the 61st in that direction', async (_what, fill, oneMore) => {
    const vpcId = await newVpc(h.ec2);
    const groupId = await newGroup(vpcId);
    const peers = [await newGroup(vpcId, 'peer-1'), await newGroup(vpcId, 'peer-2')];
    await fill(groupId, peers);
    await expectQuotaRefusal(oneMore(groupId, peers));
  });

  it('refuses a request that would cross the limit as a whole, adding none of its rules', async () => {
    const groupId = await newGroup(await newVpc(h.ec2));
    await ingress(groupId, fromCidrs(50, 80));
    await expectQuotaRefusal(ingress(groupId, fromCidrs(11)));
    expect(await ruleCounts(groupId)).toEqual({ inbound: 50, outbound: 1 });
  });

  it('counts inbound and outbound separately', async () => {
    const groupId = await newGroup(await newVpc(h.ec2));
    await ingress(groupId, fromCidrs(60));
    await egress(groupId, fromCidrs(59));
    expect(await ruleCounts(groupId)).toEqual({ inbound: 60, outbound: 60 });
  });

  it('frees a slot when a rule is revoked', async () => {
    const groupId = await newGroup(await newVpc(h.ec2));
    await ingress(groupId, fromCidrs(60));
    await h.ec2.send(
      new E.RevokeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '172.16.0.0/24' }] }],
      }),
    );
    await ingress(groupId, fromCidrs(1, 80));
  });
});

describe('the plan’s rule count and the rules the cloud creates', () => {
  const cidrs = (n: number) => Array.from({ length: n }, (_, i) => `172.16.${i}.0/24`);
  const listeners = (n: number) => Array.from({ length: n }, (_, i) => ({ port: 8000 + i, nodePort: 30000 + i }));
  const spec = (ingressCount: number, clientCidrs: number, sshCidrs = 1): BuildSpecInput =>
    seoulSpecInput({
      bastion: { instanceType: 't3.micro', allowedSshCidrs: cidrs(sshCidrs).map((c) => c.replace('172.16', '198.51')) },
      loadBalancer: { crossZone: true, allowedClientCidrs: cidrs(clientCidrs), ingress: listeners(ingressCount) },
    });
  const planOf = (input: BuildSpecInput): Plan => {
    const shaped = parseSpecShape(input);
    if (!shaped.ok) throw new Error(JSON.stringify(shaped.errors));
    return plan(shaped.spec, 'lab-b1');
  };

  it.each<[string, BuildSpecInput]>([
    ['the Seoul example', seoulSpecInput()],
    ['an NLB group at exactly 60 rules (3 listener ports × 20 CIDRs)', spec(2, 19)],
    ['11 listener ports × 5 CIDRs and 20 SSH CIDRs (every group at its largest)', spec(10, 4, 20)],
    [
      'a closed network without a bastion, with interface endpoints (no bastion group, an endpoint group)',
      seoulSpecInput({ bastion: { enabled: false }, endpoints: ['ssm', 'ssmmessages', 'ec2messages', 's3'] }),
    ],
  ])('agree for %s, which the spec accepts', async (_what, input) => {
    expect(validateSpec(input).ok).toBe(true);
    const p = planOf(input);
    const ids = await ensureSecurityGroups(h, p, await newVpc(h.ec2));
    const created = Object.fromEntries(
      await Promise.all(Object.entries(ids).map(async ([key, id]) => [key, await ruleCounts(id)] as const)),
    );
    expect(created).toEqual(plannedRuleCounts(p.securityGroups));
  });

  it.each<[string, BuildSpecInput]>([
    ['3 listener ports × 21 CIDRs', spec(2, 20)],
    ['11 listener ports × 6 CIDRs', spec(10, 5)],
  ])('agree that %s is too many: the spec refuses it, and the cloud refuses the rules (QuotaExceeded)', async (_what, input) => {
    expect(validateSpec(input)).toMatchObject({
      ok: false,
      errors: [expect.objectContaining({ code: SPEC_LIMIT_CODES.securityGroupRules })],
    });
    await expect(ensureSecurityGroups(h, planOf(input), await newVpc(h.ec2))).rejects.toThrow(QuotaExceeded);
  });
});
