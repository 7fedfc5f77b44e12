/**
 * ListRoles and ListInstanceProfiles of the embedded cloud's IAM, through the real @aws-sdk/client-iam: by path
 * prefix, paginated, without tags (as AWS lists them), and authorised on `*` (the operations function's orphan
 * listing, docs/design.md "12.4 Orphans and the sweep").
 */
import * as I from '@aws-sdk/client-iam';
import { ACCOUNT, EC2_TRUST, iamClient, nodeProfile, BUILD_TAGS } from './iam-api-fixtures';
import { Harness, rejection, startHarness, stopHarness } from './helpers';

let h: Harness;
let iam: I.IAMClient;
const callers: I.IAMClient[] = [];
beforeAll(async () => {
  h = await startHarness();
  iam = iamClient(h);
});
afterAll(async () => {
  [iam, ...callers].forEach((c) => c.destroy());
  await stopHarness(h);
});
afterEach(() => h.cloud.reset());

async function profileUnder(path: string, name: string) {
  await iam.send(new I.CreateRoleCommand({ RoleName: name, Path: path, AssumeRolePolicyDocument: EC2_TRUST }));
  await iam.send(new I.CreateInstanceProfileCommand({ InstanceProfileName: name, Path: path }));
  await iam.send(new I.AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: name }));
}

it('lists the roles and profiles under a path prefix only, with their creation dates and without tags', async () => {
  await iam.send(new I.CreateRoleCommand({ RoleName: 'ours', Path: '/k8s-ec2-builder/', AssumeRolePolicyDocument: EC2_TRUST }));
  await iam.send(new I.TagRoleCommand({ RoleName: 'ours', Tags: [{ Key: 'k8s-ec2:build-id', Value: 'b-1' }] }));
  await profileUnder('/k8s-ec2-builder/', 'ours-profile');
  await profileUnder('/', 'someone-else');

  const roles = (await iam.send(new I.ListRolesCommand({ PathPrefix: '/k8s-ec2-builder/' }))).Roles!;
  expect(roles.map((r) => r.Arn)).toEqual([
    `arn:aws:iam::${ACCOUNT}:role/k8s-ec2-builder/ours`,
    `arn:aws:iam::${ACCOUNT}:role/k8s-ec2-builder/ours-profile`,
  ]);
  expect(roles[0].CreateDate).toBeInstanceOf(Date);
  expect(roles[0].Tags).toBeUndefined();
  const profiles = (await iam.send(new I.ListInstanceProfilesCommand({ PathPrefix: '/k8s-ec2-builder/' }))).InstanceProfiles!;
  expect(profiles.map((p) => [p.InstanceProfileName, p.Roles?.map((r) => r.RoleName)])).toEqual([['ours-profile', ['ours-profile']]]);
  expect(profiles[0].CreateDate).toBeInstanceOf(Date);
  // Without a prefix: everything, from "/".
  expect((await iam.send(new I.ListInstanceProfilesCommand({}))).InstanceProfiles!.map((p) => p.InstanceProfileName)).toEqual([
    'ours-profile',
    'someone-else',
  ]);
});

it('leaves the tags out of a listed profile, which ListInstanceProfileTags then gives', async () => {
  await nodeProfile(iam, 'nodes-b-1', BUILD_TAGS);
  const [listed] = (await iam.send(new I.ListInstanceProfilesCommand({}))).InstanceProfiles!;
  expect(listed.Tags).toBeUndefined();
  const tags = await iam.send(new I.ListInstanceProfileTagsCommand({ InstanceProfileName: 'nodes-b-1' }));
  expect(tags.Tags).toEqual(Object.entries(BUILD_TAGS).map(([Key, Value]) => ({ Key, Value })));
});

it('pages with Marker and MaxItems', async () => {
  for (const name of ['a', 'b', 'c']) {
    await iam.send(new I.CreateRoleCommand({ RoleName: name, Path: '/k8s-ec2-builder/', AssumeRolePolicyDocument: EC2_TRUST }));
  }
  const names: string[] = [];
  for await (const page of I.paginateListRoles({ client: iam, pageSize: 2 }, { PathPrefix: '/k8s-ec2-builder/' }))
    names.push(...(page.Roles ?? []).map((r) => r.RoleName!));
  expect(names).toEqual(['a', 'b', 'c']);
});

it('refuses a path prefix IAM would refuse', async () => {
  const refused = await rejection(iam.send(new I.ListRolesCommand({ PathPrefix: 'no-slashes' })));
  expect([refused.name, refused.$metadata.httpStatusCode]).toEqual(['ValidationError', 400]);
});

it('authorises the listings on "*": a policy on role ARNs does not grant them', async () => {
  const session = (resource: string) => {
    const credentials = h.cloud.iam.account.assumeRole(`lister-${Math.random()}`, 'session', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow' as const, Action: ['iam:ListRoles', 'iam:ListInstanceProfiles'], Resource: [resource] }],
    });
    const client = iamClient(h, credentials);
    callers.push(client);
    return client;
  };
  const onRoles = session(`arn:aws:iam::${ACCOUNT}:role/*`);
  expect((await rejection(onRoles.send(new I.ListRolesCommand({})))).name).toBe('AccessDenied');
  const onAll = session('*');
  expect((await onAll.send(new I.ListRolesCommand({}))).Roles).toEqual([]);
  expect((await onAll.send(new I.ListInstanceProfilesCommand({}))).InstanceProfiles).toEqual([]);
});
