/**
 * AWS's name rules over the wire: security group names may not begin with `sg-`
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html), load balancer and
 * target group names are 1–32 letters, digits or hyphens without a hyphen at either end, and a load balancer
 * name may not begin with `internal-` (API_CreateLoadBalancer.html, API_CreateTargetGroup.html). And the
 * spec refuses every cluster name whose derived names the cloud would refuse.
 */
import * as E from '@aws-sdk/client-ec2';
import * as elb from '@aws-sdk/client-elastic-load-balancing-v2';
import { InvalidSpec } from '../../../functions/core/errors';
import { plan } from '../../../functions/core/plan';
import { parseSpecShape } from '../../../functions/core/spec';
import { validateSpec } from '../../../functions/core/spec-validation';
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

const createGroup = async (GroupName: string) =>
  h.ec2.send(new E.CreateSecurityGroupCommand({ GroupName, Description: 'd', VpcId: await newVpc(h.ec2) }));
const createLoadBalancer = (Name: string) =>
  h.elbv2.send(new elb.CreateLoadBalancerCommand({ Name, Type: 'network', Scheme: 'internal', Subnets: ['subnet-0123456789abcdef0'] }));
const createTargetGroup = async (Name: string) =>
  h.elbv2.send(new elb.CreateTargetGroupCommand({ Name, Protocol: 'TCP', Port: 6443, VpcId: await newVpc(h.ec2), TargetType: 'instance' }));

describe('security group names', () => {
  it.each(['sg-lab-bastion-sg', 'sg-'])('refuses %p with InvalidParameterValue in AWS’s words', async (name) => {
    const err = await rejection(createGroup(name));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(['InvalidParameterValue', 400]);
    expect(err.message).toBe(`Value (${name}) for parameter GroupName is invalid. Group names may not be in the format sg-*.`);
  });

  it.each([
    ['a plain name', 'lab-sg'],
    ['sg- inside the name', 'my-sg-1'],
    ['255 characters', 'x'.repeat(255)],
  ])('accepts %s', async (_what, name) => {
    const { GroupId } = await createGroup(name);
    expect(GroupId).toMatch(/^sg-/);
  });
});

describe('load balancer and target group names', () => {
  it.each([
    ['beginning with internal-', 'internal-apps-nlb'],
    ['that is only internal- and a suffix', 'internal-nlb'],
    ['longer than 32 characters', 'a'.repeat(33)],
    ['beginning with a hyphen', '-nlb'],
    ['ending with a hyphen', 'nlb-'],
    ['with an underscore', 'my_nlb'],
  ])('refuses a load balancer name %s with ValidationError', async (_what, name) => {
    const err = await rejection(createLoadBalancer(name));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(['ValidationError', 400]);
  });

  it.each([
    ['longer than 32 characters', 'a'.repeat(33)],
    ['beginning with a hyphen', '-tg'],
    ['ending with a hyphen', 'tg-'],
  ])('refuses a target group name %s with ValidationError', async (_what, name) => {
    expect((await rejection(createTargetGroup(name))).name).toBe('ValidationError');
  });

  it.each(['a'.repeat(32), 'internal-tg'])('accepts the target group name %p (internal- binds load balancers only)', async (name) => {
    await expect(createTargetGroup(name)).resolves.toMatchObject({ TargetGroups: [{ TargetGroupName: name }] });
  });
});

describe('cluster names whose derived names AWS refuses', () => {
  const planFor = (name: string) => {
    const shaped = parseSpecShape(seoulSpecInput({ name }));
    if (!shaped.ok) throw new Error(JSON.stringify(shaped.errors));
    return plan(shaped.spec, `${name}-b1`);
  };

  it.each(['sg', 'sg-lab'])('%p: the cloud refuses the security groups, and the spec refuses the name first', async (name) => {
    await expect(ensureSecurityGroups(h, planFor(name), await newVpc(h.ec2))).rejects.toThrow(InvalidSpec);
    expect(validateSpec(seoulSpecInput({ name }))).toMatchObject({
      ok: false,
      errors: [expect.objectContaining({ field: 'name', code: 'NAME_RESERVED_PREFIX' })],
    });
  });

  it.each(['internal', 'internal-apps'])('%p: the cloud refuses the load balancer, and the spec refuses the name first', async (name) => {
    expect((await rejection(createLoadBalancer(planFor(name).loadBalancer.name))).name).toBe('ValidationError');
    expect(validateSpec(seoulSpecInput({ name }))).toMatchObject({
      ok: false,
      errors: [expect.objectContaining({ field: 'name', code: 'NAME_RESERVED_PREFIX' })],
    });
  });
});
