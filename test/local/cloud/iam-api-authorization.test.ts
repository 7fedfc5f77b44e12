/**
 * Every IAM API call is authorised against the caller's identity policy with the resources and condition keys
 * the Service Authorization Reference lists for IAM, and denied the way IAM denies (AccessDenied, HTTP 403).
 */
import * as I from '@aws-sdk/client-iam';
import { ACCOUNT, EC2_TRUST, iamClient, nodeProfile, SSM_CORE, tagList } from './iam-api-fixtures';
import { Harness, rejection, startHarness, stopHarness } from './helpers';

const OWNED = { 'k8s-ec2:managed-by': 'k8s-ec2-builder' };
const ROLES = `arn:aws:iam::${ACCOUNT}:role/*`;
const PROFILES = `arn:aws:iam::${ACCOUNT}:instance-profile/*`;

let h: Harness;
let admin: I.IAMClient;
const callers: I.IAMClient[] = [];
beforeAll(async () => {
  h = await startHarness();
  admin = iamClient(h);
});
afterAll(async () => {
  [admin, ...callers].forEach((c) => c.destroy());
  await stopHarness(h);
});
afterEach(() => h.cloud.reset());

type Statement = { Action: string[]; Resource: string[]; Condition?: Record<string, Record<string, string | string[]>> };

/** A role session whose only policy is `statements` (all Allow), and an IAM client signed with it. */
function caller(...statements: Statement[]) {
  const credentials = h.cloud.iam.account.assumeRole(`caller-${Math.random()}`, 'session', {
    Version: '2012-10-17',
    Statement: statements.map((s) => ({ Effect: 'Allow' as const, ...s })),
  });
  const client = iamClient(h, credentials);
  callers.push(client);
  return { iam: client, principal: credentials.principalArn };
}

const owned = { StringEquals: { 'aws:ResourceTag/k8s-ec2:managed-by': 'k8s-ec2-builder' } };
const createRole = (iam: I.IAMClient, name: string, tags: Record<string, string> = {}) =>
  iam.send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: EC2_TRUST, Tags: tagList(tags) }));

describe('IAM authorisation', () => {
  it('allows CreateRole only with our tag in the request, and answers AccessDenied 403 in IAM’s words otherwise', async () => {
    const { iam, principal } = caller({
      Action: ['iam:CreateRole'],
      Resource: [ROLES],
      Condition: { StringEquals: { 'aws:RequestTag/k8s-ec2:managed-by': 'k8s-ec2-builder' } },
    });
    const denied = await rejection(createRole(iam, 'nodes'));
    expect([denied.name, denied.$metadata.httpStatusCode, denied.message]).toEqual([
      'AccessDenied',
      403,
      `User: ${principal} is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::${ACCOUNT}:role/nodes because no identity-based policy allows the iam:CreateRole action`,
    ]);
    expect((await createRole(iam, 'nodes', OWNED)).Role!.RoleName).toBe('nodes');
  });

  it('allows changes only to roles and profiles tagged as ours; a role that is gone answers NoSuchEntity', async () => {
    const { iam } = caller(
      {
        Action: ['iam:DeleteRole', 'iam:TagRole'],
        Resource: [ROLES],
        Condition: { StringEquals: { 'iam:ResourceTag/k8s-ec2:managed-by': 'k8s-ec2-builder' } },
      },
      { Action: ['iam:DeleteInstanceProfile'], Resource: [PROFILES], Condition: owned },
    );
    await createRole(admin, 'foreign', { team: 'other' });
    await createRole(admin, 'ours', OWNED);
    await admin.send(new I.CreateInstanceProfileCommand({ InstanceProfileName: 'foreign' }));
    await admin.send(new I.CreateInstanceProfileCommand({ InstanceProfileName: 'ours', Tags: tagList(OWNED) }));
    const tagInto = await rejection(iam.send(new I.TagRoleCommand({ RoleName: 'foreign', Tags: tagList(OWNED) })));
    expect(tagInto.message).toContain(`iam:TagRole on resource: arn:aws:iam::${ACCOUNT}:role/foreign`);
    expect((await rejection(iam.send(new I.DeleteRoleCommand({ RoleName: 'foreign' })))).name).toBe('AccessDenied');
    expect((await rejection(iam.send(new I.DeleteInstanceProfileCommand({ InstanceProfileName: 'foreign' })))).name).toBe('AccessDenied');
    await iam.send(new I.DeleteRoleCommand({ RoleName: 'ours' }));
    await iam.send(new I.DeleteInstanceProfileCommand({ InstanceProfileName: 'ours' }));
    expect((await rejection(iam.send(new I.DeleteRoleCommand({ RoleName: 'ours' })))).name).toBe('NoSuchEntityException');
  });

  it('evaluates iam:PolicyARN on AttachRolePolicy: a policy other than the one granted is denied before it is looked up', async () => {
    const { iam } = caller({
      Action: ['iam:AttachRolePolicy'],
      Resource: [ROLES],
      Condition: { ArnEquals: { 'iam:PolicyARN': SSM_CORE } },
    });
    await createRole(admin, 'nodes');
    const other = await rejection(
      iam.send(new I.AttachRolePolicyCommand({ RoleName: 'nodes', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' })),
    );
    expect(other.name).toBe('AccessDenied');
    await iam.send(new I.AttachRolePolicyCommand({ RoleName: 'nodes', PolicyArn: SSM_CORE }));
  });

  it('needs iam:PassRole to ec2.amazonaws.com on the role to put it in an instance profile', async () => {
    await createRole(admin, 'nodes', OWNED);
    await admin.send(new I.CreateInstanceProfileCommand({ InstanceProfileName: 'nodes', Tags: tagList(OWNED) }));
    const add = { Action: ['iam:AddRoleToInstanceProfile'], Resource: [PROFILES], Condition: owned };
    const withoutPass = caller(add);
    const input = { InstanceProfileName: 'nodes', RoleName: 'nodes' };
    const denied = await rejection(withoutPass.iam.send(new I.AddRoleToInstanceProfileCommand(input)));
    expect(denied.message).toBe(
      `User: ${withoutPass.principal} is not authorized to perform: iam:PassRole on resource: arn:aws:iam::${ACCOUNT}:role/nodes because no identity-based policy allows the iam:PassRole action`,
    );
    const withPass = caller(add, {
      Action: ['iam:PassRole'],
      Resource: [ROLES],
      Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com', 'iam:ResourceTag/k8s-ec2:managed-by': 'k8s-ec2-builder' } },
    });
    await withPass.iam.send(new I.AddRoleToInstanceProfileCommand(input));
  });

  it('evaluates IAM calls in us-east-1 (aws:RequestedRegion), whatever region the client is configured with', async () => {
    const inRegion = (region: string) =>
      caller({ Action: ['iam:GetRole'], Resource: [ROLES], Condition: { StringEquals: { 'aws:RequestedRegion': region } } }).iam;
    await nodeProfile(admin, 'nodes', OWNED);
    expect((await rejection(inRegion('ap-northeast-2').send(new I.GetRoleCommand({ RoleName: 'nodes' })))).name).toBe('AccessDenied');
    expect((await inRegion('us-east-1').send(new I.GetRoleCommand({ RoleName: 'nodes' }))).Role!.RoleName).toBe('nodes');
  });
});

describe('fault injection and stats', () => {
  it('fails an IAM action named by a rule without a service, and counts the calls per action', async () => {
    h.cloud.faults.add({ action: '*', code: 'InternalError' }); // `*` without a service: EC2 and ELBv2 only
    h.cloud.faults.add({ action: 'CreateInstanceProfile', code: 'ServiceFailure', httpStatus: 500, count: 1 });
    await createRole(admin, 'nodes');
    const failed = await rejection(admin.send(new I.CreateInstanceProfileCommand({ InstanceProfileName: 'nodes' })));
    expect([failed.name, failed.$metadata.httpStatusCode]).toEqual(['ServiceFailureException', 500]);
    await admin.send(new I.CreateInstanceProfileCommand({ InstanceProfileName: 'nodes' }));
    expect(h.cloud.stats().calls).toMatchObject({ 'iam:CreateRole': 1, 'iam:CreateInstanceProfile': 2 });
  });
});
