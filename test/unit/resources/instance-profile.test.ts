import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  DeleteInstanceProfileCommand,
  DeleteRoleCommand,
  DetachRolePolicyCommand,
  EntityAlreadyExistsException,
  GetInstanceProfileCommand,
  GetRoleCommand,
  LimitExceededException,
  NoSuchEntityException,
  RemoveRoleFromInstanceProfileCommand,
  type InstanceProfile,
  type Role,
} from '@aws-sdk/client-iam';
import { PermissionDenied, ResourceConflict } from '../../../functions/core/errors';
import { IAM_PATH, type InstanceProfilePlan } from '../../../functions/core/plan';
import { TAG, toTagList } from '../../../functions/core/tags';
import { deleteInstanceProfile, ensureInstanceProfile } from '../../../functions/resources/instance-profile';
import { awsError, mockAws } from '../../fixtures/aws';
import { BUILD_ID, closedNetworkPlan } from '../../fixtures/build';

const { iam, clients } = mockAws();
const profile = closedNetworkPlan({ bastion: { enabled: false } }).instanceProfile as InstanceProfilePlan;
const NAME = profile.name;
const ROLE_ARN = `arn:aws:iam::123456789012:role${IAM_PATH}${NAME}`;
const PROFILE_ARN = `arn:aws:iam::123456789012:instance-profile${IAM_PATH}${NAME}`;
const SSM_POLICY = 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore';
const ours = toTagList(profile.tags);
const strangers = [{ Key: 'team', Value: 'platform' }];

const role = (extra: Partial<Role> = {}): Role => ({
  RoleName: NAME,
  Path: IAM_PATH,
  Arn: ROLE_ARN,
  RoleId: 'AROAEXAMPLE',
  CreateDate: new Date(0),
  Tags: ours,
  ...extra,
});
const instanceProfile = (extra: Partial<InstanceProfile> = {}): InstanceProfile => ({
  InstanceProfileName: NAME,
  Path: IAM_PATH,
  Arn: PROFILE_ARN,
  InstanceProfileId: 'AIPAEXAMPLE',
  CreateDate: new Date(0),
  Roles: [],
  Tags: ours,
  ...extra,
});
/** IAM's answer as the SDK throws it (the modelled class), or as a bare code (how the embedded cloud's may read). */
const exists = () =>
  new EntityAlreadyExistsException({ message: `Role with name ${NAME} already exists.`, $metadata: { httpStatusCode: 409 } });
const noSuchEntity = () =>
  new NoSuchEntityException({ message: `The role with name ${NAME} cannot be found.`, $metadata: { httpStatusCode: 404 } });
const changes = () =>
  iam
    .calls()
    .map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''))
    .filter((name) => !name.startsWith('Get'));

beforeEach(() => {
  iam.on(CreateRoleCommand).resolves({ Role: role() });
  iam.on(AttachRolePolicyCommand).resolves({});
  iam.on(CreateInstanceProfileCommand).resolves({ InstanceProfile: instanceProfile() });
  iam.on(AddRoleToInstanceProfileCommand).resolves({});
  iam.on(GetRoleCommand).resolves({ Role: role() });
  iam.on(GetInstanceProfileCommand).resolves({ InstanceProfile: instanceProfile({ Roles: [role()] }) });
  iam.on(RemoveRoleFromInstanceProfileCommand).resolves({});
  iam.on(DeleteInstanceProfileCommand).resolves({});
  iam.on(DetachRolePolicyCommand).resolves({});
  iam.on(DeleteRoleCommand).resolves({});
});

describe('ensureInstanceProfile', () => {
  it('creates a role only EC2 may assume, under the tool’s path, tagged as the build’s', async () => {
    await ensureInstanceProfile(clients, BUILD_ID, profile);
    const [create] = iam.commandCalls(CreateRoleCommand).map((c) => c.args[0].input);
    expect(create).toMatchObject({ RoleName: NAME, Path: '/k8s-ec2-builder/', Description: profile.description });
    expect(JSON.parse(String(create.AssumeRolePolicyDocument))).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    expect(create.Tags).toEqual(
      expect.arrayContaining([
        { Key: TAG.name, Value: NAME },
        { Key: TAG.buildId, Value: BUILD_ID },
        { Key: TAG.role, Value: 'node-instance-profile' },
        { Key: TAG.managedBy, Value: 'k8s-ec2-builder' },
      ]),
    );
  });

  it('attaches AmazonSSMManagedInstanceCore, creates the tagged profile, puts the role in it and answers the profile’s ARN', async () => {
    await expect(ensureInstanceProfile(clients, BUILD_ID, profile)).resolves.toBe(PROFILE_ARN);
    expect(iam.commandCalls(AttachRolePolicyCommand).map((c) => c.args[0].input)).toEqual([{ RoleName: NAME, PolicyArn: SSM_POLICY }]);
    expect(iam.commandCalls(CreateInstanceProfileCommand).map((c) => c.args[0].input)).toEqual([
      { InstanceProfileName: NAME, Path: '/k8s-ec2-builder/', Tags: ours },
    ]);
    expect(iam.commandCalls(AddRoleToInstanceProfileCommand).map((c) => c.args[0].input)).toEqual([
      { InstanceProfileName: NAME, RoleName: NAME },
    ]);
    expect(changes()).toEqual(['CreateRole', 'AttachRolePolicy', 'CreateInstanceProfile', 'AddRoleToInstanceProfile']);
  });

  it('attaches the managed policy of the role’s own partition', async () => {
    iam.on(CreateRoleCommand).resolves({ Role: role({ Arn: `arn:aws-cn:iam::123456789012:role${IAM_PATH}${NAME}` }) });
    await ensureInstanceProfile(clients, BUILD_ID, profile);
    expect(iam.commandCalls(AttachRolePolicyCommand)[0].args[0].input.PolicyArn).toBe(
      'arn:aws-cn:iam::aws:policy/AmazonSSMManagedInstanceCore',
    );
  });

  it.each([
    ['the SDK’s modelled exception', exists],
    ['a bare EntityAlreadyExists code', () => awsError('EntityAlreadyExists', 409)],
  ])(
    'reuses the role and profile an earlier attempt made (EntityAlreadyExists as %s), adding the role only if missing',
    async (_shape, error) => {
      iam.on(CreateRoleCommand).rejects(error());
      iam.on(CreateInstanceProfileCommand).rejects(error());
      await expect(ensureInstanceProfile(clients, BUILD_ID, profile)).resolves.toBe(PROFILE_ARN);
      expect(iam.commandCalls(GetRoleCommand).map((c) => c.args[0].input)).toEqual([{ RoleName: NAME }]);
      expect(iam.commandCalls(AttachRolePolicyCommand)).toHaveLength(1);
      // The profile found already holds the role: nothing to add.
      expect(iam.commandCalls(AddRoleToInstanceProfileCommand)).toHaveLength(0);
    },
  );

  it('adds the role to a profile an earlier attempt made empty', async () => {
    iam.on(CreateInstanceProfileCommand).rejects(exists());
    iam.on(GetInstanceProfileCommand).resolves({ InstanceProfile: instanceProfile({ Roles: [] }) });
    await ensureInstanceProfile(clients, BUILD_ID, profile);
    expect(iam.commandCalls(AddRoleToInstanceProfileCommand)).toHaveLength(1);
  });

  it('refuses (ResourceConflict) a role of that name it did not make, attaching nothing to it', async () => {
    iam.on(CreateRoleCommand).rejects(exists());
    iam.on(GetRoleCommand).resolves({ Role: role({ Tags: strangers }) });
    const error = await ensureInstanceProfile(clients, BUILD_ID, profile).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceConflict);
    expect((error as Error).message).toBe(
      `IAM role ${NAME} exists and is not tagged as belonging to build ${BUILD_ID}; delete or rename it`,
    );
    expect(changes()).toEqual(['CreateRole']);
  });

  it('refuses (ResourceConflict) an instance profile of that name it did not make, putting no role in it', async () => {
    iam.on(CreateInstanceProfileCommand).rejects(exists());
    iam.on(GetInstanceProfileCommand).resolves({ InstanceProfile: instanceProfile({ Tags: undefined }) });
    await expect(ensureInstanceProfile(clients, BUILD_ID, profile)).rejects.toBeInstanceOf(ResourceConflict);
    expect(iam.commandCalls(AddRoleToInstanceProfileCommand)).toHaveLength(0);
  });

  it.each([
    [
      'the SDK’s modelled exception',
      () => new LimitExceededException({ message: 'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1', $metadata: {} }),
    ],
    ['a bare LimitExceeded code', () => awsError('LimitExceeded', 409)],
  ])(
    'takes LimitExceeded from AddRoleToInstanceProfile (%s) as done: a profile holds one role, added by an earlier attempt',
    async (_shape, error) => {
      iam.on(AddRoleToInstanceProfileCommand).rejects(error());
      await expect(ensureInstanceProfile(clients, BUILD_ID, profile)).resolves.toBe(PROFILE_ARN);
    },
  );

  it('classifies any other refusal', async () => {
    iam.on(AddRoleToInstanceProfileCommand).rejects(awsError('AccessDenied', 403));
    await expect(ensureInstanceProfile(clients, BUILD_ID, profile)).rejects.toBeInstanceOf(PermissionDenied);
  });
});

describe('deleteInstanceProfile', () => {
  it('removes the role from the profile, deletes the profile, detaches the policy, deletes the role, and names both', async () => {
    await expect(deleteInstanceProfile(clients, BUILD_ID, profile)).resolves.toEqual([PROFILE_ARN, ROLE_ARN]);
    expect(changes()).toEqual(['RemoveRoleFromInstanceProfile', 'DeleteInstanceProfile', 'DetachRolePolicy', 'DeleteRole']);
    expect(iam.commandCalls(RemoveRoleFromInstanceProfileCommand)[0].args[0].input).toEqual({ InstanceProfileName: NAME, RoleName: NAME });
    expect(iam.commandCalls(DetachRolePolicyCommand)[0].args[0].input).toEqual({ RoleName: NAME, PolicyArn: SSM_POLICY });
  });

  it('succeeds, deleting nothing, when both are already gone (NoSuchEntity)', async () => {
    iam.on(GetRoleCommand).rejects(noSuchEntity());
    iam.on(GetInstanceProfileCommand).rejects(noSuchEntity());
    await expect(deleteInstanceProfile(clients, BUILD_ID, profile)).resolves.toEqual([]);
    expect(changes()).toEqual([]);
  });

  it('finishes the job when an earlier attempt got halfway (each delete answering NoSuchEntity is done)', async () => {
    iam.on(RemoveRoleFromInstanceProfileCommand).rejects(noSuchEntity());
    iam.on(DeleteInstanceProfileCommand).rejects(noSuchEntity());
    iam.on(DetachRolePolicyCommand).rejects(noSuchEntity());
    await expect(deleteInstanceProfile(clients, BUILD_ID, profile)).resolves.toEqual([PROFILE_ARN, ROLE_ARN]);
    expect(iam.commandCalls(DeleteRoleCommand)).toHaveLength(1);
  });

  it('leaves a role and a profile of that name that are not the build’s untouched', async () => {
    iam.on(GetRoleCommand).resolves({ Role: role({ Tags: strangers }) });
    iam.on(GetInstanceProfileCommand).resolves({ InstanceProfile: instanceProfile({ Roles: [role()], Tags: undefined }) });
    await expect(deleteInstanceProfile(clients, BUILD_ID, profile)).resolves.toEqual([]);
    expect(changes()).toEqual([]);
  });

  it('throws a denied lookup as PermissionDenied rather than taking the role for gone', async () => {
    iam.on(GetRoleCommand).rejects(awsError('AccessDenied', 403));
    await expect(deleteInstanceProfile(clients, BUILD_ID, profile)).rejects.toBeInstanceOf(PermissionDenied);
    expect(changes()).toEqual([]);
  });
});
