/**
 * The embedded cloud's IAM API, through the real @aws-sdk/client-iam: roles, the AWS managed policy a node role
 * gets, instance profiles and tags, with the errors AWS answers (codes, HTTP statuses, messages).
 */
import * as I from '@aws-sdk/client-iam';
import { ACCOUNT, EC2_TRUST, iamClient, nodeProfile, SSM_CORE, tagList, BUILD_TAGS } from './iam-api-fixtures';
import { Harness, rejection, startHarness, stopHarness } from './helpers';

const BUILD = BUILD_TAGS;

let h: Harness;
let iam: I.IAMClient;
beforeAll(async () => {
  h = await startHarness();
  iam = iamClient(h);
});
afterAll(async () => {
  iam.destroy();
  await stopHarness(h);
});
afterEach(() => h.cloud.reset());

const createRole = (name: string, extra: Partial<I.CreateRoleCommandInput> = {}) =>
  iam.send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: EC2_TRUST, ...extra }));
const createProfile = (name: string) => iam.send(new I.CreateInstanceProfileCommand({ InstanceProfileName: name }));

describe('roles and instance profiles', () => {
  it('creates a tagged role under a path, with its ARN, AROA id and URL-encoded trust policy', async () => {
    const { Role } = await createRole('nodes-b-1', { Path: '/k8s-ec2/', Tags: tagList(BUILD), Description: 'nodes' });
    expect(Role).toMatchObject({
      RoleName: 'nodes-b-1',
      Path: '/k8s-ec2/',
      Arn: `arn:aws:iam::${ACCOUNT}:role/k8s-ec2/nodes-b-1`,
      MaxSessionDuration: 3600,
    });
    expect(Role!.RoleId).toMatch(/^AROA[A-Z2-7]{17}$/);
    expect(JSON.parse(decodeURIComponent(Role!.AssumeRolePolicyDocument!))).toEqual(JSON.parse(EC2_TRUST));
    const got = (await iam.send(new I.GetRoleCommand({ RoleName: 'nodes-b-1' }))).Role!;
    expect([got.Arn, got.Description, got.Tags]).toEqual([Role!.Arn, 'nodes', tagList(BUILD)]);
    expect(got.CreateDate).toBeInstanceOf(Date);
  });

  it('attaches the SSM managed policy, puts the role in a profile, and lists both ways', async () => {
    const profile = await nodeProfile(iam, 'nodes-b-1', BUILD);
    expect(profile).toMatchObject({ InstanceProfileName: 'nodes-b-1', Arn: `arn:aws:iam::${ACCOUNT}:instance-profile/nodes-b-1` });
    expect(profile.InstanceProfileId).toMatch(/^AIPA[A-Z2-7]{17}$/);
    expect(profile.Roles!.map((r) => r.RoleName)).toEqual(['nodes-b-1']);
    expect(profile.Tags).toEqual(tagList(BUILD));
    const attached = await iam.send(new I.ListAttachedRolePoliciesCommand({ RoleName: 'nodes-b-1' }));
    expect([attached.AttachedPolicies, attached.IsTruncated]).toEqual([
      [{ PolicyName: 'AmazonSSMManagedInstanceCore', PolicyArn: SSM_CORE }],
      false,
    ]);
    const forRole = await iam.send(new I.ListInstanceProfilesForRoleCommand({ RoleName: 'nodes-b-1' }));
    expect(forRole.InstanceProfiles!.map((p) => p.Arn)).toEqual([profile.Arn]);
  });

  it('refuses deletes in the wrong order with DeleteConflict, naming what is left, and deletes in the right one', async () => {
    await nodeProfile(iam, 'nodes-b-1', BUILD);
    const deleteRole = () => iam.send(new I.DeleteRoleCommand({ RoleName: 'nodes-b-1' }));
    const inProfile = await rejection(deleteRole());
    expect([inProfile.name, inProfile.$metadata.httpStatusCode, inProfile.message]).toEqual([
      'DeleteConflictException',
      409,
      'Cannot delete entity, must remove roles from instance profile first.',
    ]);
    const profileWithRole = await rejection(iam.send(new I.DeleteInstanceProfileCommand({ InstanceProfileName: 'nodes-b-1' })));
    expect(profileWithRole.message).toBe('Cannot delete entity, must remove roles from instance profile first.');
    await iam.send(new I.RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'nodes-b-1', RoleName: 'nodes-b-1' }));
    expect((await rejection(deleteRole())).message).toBe('Cannot delete entity, must detach all policies first.');
    await iam.send(new I.DetachRolePolicyCommand({ RoleName: 'nodes-b-1', PolicyArn: SSM_CORE }));
    await iam.send(new I.DeleteInstanceProfileCommand({ InstanceProfileName: 'nodes-b-1' }));
    await deleteRole();
    const gone = await rejection(iam.send(new I.GetRoleCommand({ RoleName: 'nodes-b-1' })));
    expect([gone.name, gone.$metadata.httpStatusCode, gone.message]).toEqual([
      'NoSuchEntityException',
      404,
      'The role with name nodes-b-1 cannot be found.',
    ]);
    expect((await rejection(deleteRole())).name).toBe('NoSuchEntityException'); // what "already gone" looks like
  });

  it('lists the build’s roles and instance profiles among its resources, and forgets them on reset', async () => {
    const profile = await nodeProfile(iam, 'nodes-b-1', BUILD);
    await nodeProfile(iam, 'nodes-b-2', { ...BUILD, 'k8s-ec2:build-id': 'b-2' });
    expect(h.cloud.resources('b-1')).toEqual([
      { service: 'iam', type: 'role', id: `arn:aws:iam::${ACCOUNT}:role/nodes-b-1`, name: 'nodes-b-1' },
      { service: 'iam', type: 'instance-profile', id: profile.Arn, name: 'nodes-b-1' },
    ]);
    h.cloud.reset();
    expect(h.cloud.resources('b-2')).toEqual([]);
    expect((await rejection(iam.send(new I.GetInstanceProfileCommand({ InstanceProfileName: 'nodes-b-1' })))).name).toBe(
      'NoSuchEntityException',
    );
  });
});

describe('errors', () => {
  it.each([
    [
      'a role name taken, in any case',
      () => createRole('NODES'),
      'EntityAlreadyExistsException',
      409,
      'Role with name NODES already exists.',
    ],
    [
      'an instance profile name taken',
      () => createProfile('nodes'),
      'EntityAlreadyExistsException',
      409,
      'Instance Profile nodes already exists.',
    ],
    [
      'an unknown profile',
      () => iam.send(new I.GetInstanceProfileCommand({ InstanceProfileName: 'other' })),
      'NoSuchEntityException',
      404,
      'Instance Profile other cannot be found.',
    ],
    [
      'a policy that is not an AWS managed policy we know',
      () => iam.send(new I.AttachRolePolicyCommand({ RoleName: 'nodes', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' })),
      'NoSuchEntityException',
      404,
      'Policy arn:aws:iam::aws:policy/AdministratorAccess does not exist or is not attachable.',
    ],
    [
      'a detach of a policy that is not attached',
      () => iam.send(new I.DetachRolePolicyCommand({ RoleName: 'nodes', PolicyArn: SSM_CORE })),
      'NoSuchEntityException',
      404,
      `Policy ${SSM_CORE} was not found.`,
    ],
    [
      'a second role in one instance profile',
      async () => {
        await createRole('other');
        await iam.send(new I.AddRoleToInstanceProfileCommand({ InstanceProfileName: 'nodes', RoleName: 'nodes' }));
        return iam.send(new I.AddRoleToInstanceProfileCommand({ InstanceProfileName: 'nodes', RoleName: 'other' }));
      },
      'LimitExceededException',
      409,
      'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1',
    ],
    [
      'a role name with a space',
      () => createRole('my nodes'),
      'ValidationError',
      400,
      "1 validation error detected: Value 'my nodes' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
    ],
    [
      'a role name of 65 characters',
      () => createRole('n'.repeat(65)),
      'ValidationError',
      400,
      `1 validation error detected: Value '${'n'.repeat(65)}' at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64`,
    ],
    [
      'a path that does not end with /',
      () => createRole('x', { Path: '/k8s-ec2' }),
      'ValidationError',
      400,
      'The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.',
    ],
    [
      'duplicate tag keys that differ only in case',
      () =>
        createRole('x', {
          Tags: [
            { Key: 'Team', Value: 'a' },
            { Key: 'team', Value: 'b' },
          ],
        }),
      'InvalidInputException',
      400,
      'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
    ],
  ])('refuses %s', async (_case, call, name, status, message) => {
    await createRole('nodes');
    await createProfile('nodes');
    const error = await rejection(call());
    expect([error.name, error.$metadata.httpStatusCode, error.message]).toEqual([name, status, message]);
  });

  it.each([
    ['is not JSON', '{"Version":', 'This policy contains invalid Json'],
    [
      'names a Resource',
      { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole', Resource: '*' },
      'Has prohibited field Resource',
    ],
    [
      'allows a non-STS action',
      { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 's3:GetObject' },
      'AssumeRole policy may only specify STS AssumeRole actions.',
    ],
    ['has no Principal', { Effect: 'Allow', Action: 'sts:AssumeRole' }, 'Missing required field Principal'],
    [
      'names a malformed service',
      { Effect: 'Allow', Principal: { Service: 'ec2' }, Action: 'sts:AssumeRole' },
      'Invalid principal in policy: "SERVICE":"ec2"',
    ],
  ])('refuses a trust policy that %s with MalformedPolicyDocument, creating nothing', async (_case, statement, message) => {
    const document = typeof statement === 'string' ? statement : JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
    const error = await rejection(createRole('nodes', { AssumeRolePolicyDocument: document }));
    expect([error.name, error.$metadata.httpStatusCode, error.message]).toEqual(['MalformedPolicyDocumentException', 400, message]);
    expect((await rejection(iam.send(new I.GetRoleCommand({ RoleName: 'nodes' })))).name).toBe('NoSuchEntityException');
  });
});

describe('tags', () => {
  it('adds, overwrites (keys compare without case) and removes role tags', async () => {
    await createRole('nodes', { Tags: tagList({ Team: 'a', keep: '1' }) });
    await iam.send(new I.TagRoleCommand({ RoleName: 'nodes', Tags: tagList({ team: 'b', extra: 'x' }) }));
    await iam.send(new I.UntagRoleCommand({ RoleName: 'nodes', TagKeys: ['EXTRA'] }));
    const { Tags, IsTruncated } = await iam.send(new I.ListRoleTagsCommand({ RoleName: 'nodes' }));
    expect([Tags, IsTruncated]).toEqual([tagList({ keep: '1', team: 'b' }), false]);
  });

  it('tags an instance profile after creation too, as GetInstanceProfile then shows (with no role yet)', async () => {
    await createProfile('nodes');
    await iam.send(new I.TagInstanceProfileCommand({ InstanceProfileName: 'nodes', Tags: tagList(BUILD) }));
    const { InstanceProfile } = await iam.send(new I.GetInstanceProfileCommand({ InstanceProfileName: 'nodes' }));
    expect([InstanceProfile!.Tags, InstanceProfile!.Roles]).toEqual([tagList(BUILD), []]);
    expect(h.cloud.resources('b-1').map((r) => r.type)).toEqual(['instance-profile']);
  });
});
