import * as I from '@aws-sdk/client-iam';
import type { Harness } from './helpers';

/** The trust policy of a node role: EC2 may assume it (what an instance profile's role needs). */
export const EC2_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

export const SSM_CORE = 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore';
export const ACCOUNT = '123456789012';

/** The tags of a build's resources: ours, build `b-1`. */
export const BUILD_TAGS = { 'k8s-ec2:managed-by': 'k8s-ec2-builder', 'k8s-ec2:build-id': 'b-1' };

export const tagList = (tags: Record<string, string>): I.Tag[] => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/** An IAM client on the harness's endpoint: the administrator's unless credentials are given; never retries. */
export function iamClient(h: Harness, credentials = { accessKeyId: 'test', secretAccessKey: 'test' }): I.IAMClient {
  return new I.IAMClient({ region: 'ap-northeast-2', endpoint: h.cloud.url, credentials, maxAttempts: 1 });
}

/** A node role with the SSM policy in an instance profile of the same name, both tagged with `tags` (made by whoever `iam` signs as). */
export async function nodeProfile(iam: I.IAMClient, name: string, tags: Record<string, string>): Promise<I.InstanceProfile> {
  await iam.send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: EC2_TRUST, Tags: tagList(tags) }));
  await iam.send(new I.AttachRolePolicyCommand({ RoleName: name, PolicyArn: SSM_CORE }));
  await iam.send(new I.CreateInstanceProfileCommand({ InstanceProfileName: name, Tags: tagList(tags) }));
  await iam.send(new I.AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: name }));
  return (await iam.send(new I.GetInstanceProfileCommand({ InstanceProfileName: name }))).InstanceProfile!;
}
