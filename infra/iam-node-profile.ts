import { IAM_PATH } from '../functions/core/plan';
import { ssmPolicyArn } from '../functions/resources/instance-profile';
import { iam, requestTagged, resourceTagged, type Grant } from './iam';

/**
 * The grants for the nodes' Session Manager instance profile (resources/instance-profile.ts): only roles and
 * profiles under our IAM path, only with (or already carrying) our ownership tag, only the one AWS managed
 * policy, and PassRole only to EC2. IAM is global: its ARNs have no region.
 * Service Authorization Reference, IAM: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html
 */
const nodeRole = iam(`role${IAM_PATH}*`);
const nodeProfile = iam(`instance-profile${IAM_PATH}*`);
// Conditions are not Fn::Sub'd (only resources are): any partition, the one policy.
const onlySsmPolicy = { ArnLike: { 'iam:PolicyARN': ssmPolicyArn('*') } };

const reason = (what: string) => `${what}; the role and profile names are made per build, so only our IAM path ${IAM_PATH} can be named`;

/** LaunchNodes: makes the role and profile (tagged on create), attaches the SSM policy, passes the role to EC2. */
export function nodeProfileCreate(): Grant[] {
  return [
    {
      // Tagging during the create is authorised as TagRole/TagInstanceProfile too (observed, not documented): granted with the same tag condition.
      actions: ['iam:CreateRole', 'iam:TagRole', 'iam:CreateInstanceProfile', 'iam:TagInstanceProfile'],
      resources: [nodeRole, nodeProfile],
      conditions: requestTagged,
      reason: reason('creates only with our ownership tag (aws:RequestTag)'),
    },
    {
      actions: ['iam:GetRole', 'iam:GetInstanceProfile', 'iam:AddRoleToInstanceProfile'],
      resources: [nodeRole, nodeProfile],
      conditions: resourceTagged,
      reason: reason('only on roles and profiles tagged as ours (aws:ResourceTag)'),
    },
    {
      actions: ['iam:AttachRolePolicy'],
      resources: [nodeRole],
      conditions: { ...resourceTagged, ...onlySsmPolicy },
      reason: reason('only the AWS managed AmazonSSMManagedInstanceCore policy (iam:PolicyARN), only on our roles'),
    },
    {
      actions: ['iam:PassRole'],
      resources: [nodeRole],
      conditions: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      reason: reason('RunInstances and AddRoleToInstanceProfile pass the node role, only to EC2 (iam:PassedToService)'),
    },
  ];
}

/** TeardownNetwork: takes the profile apart and deletes both, only ours. */
export function nodeProfileDelete(): Grant[] {
  return [
    {
      actions: [
        'iam:GetRole',
        'iam:GetInstanceProfile',
        'iam:RemoveRoleFromInstanceProfile',
        'iam:DeleteInstanceProfile',
        'iam:DeleteRole',
      ],
      resources: [nodeRole, nodeProfile],
      conditions: resourceTagged,
      reason: reason('only on roles and profiles tagged as ours (aws:ResourceTag)'),
    },
    {
      actions: ['iam:DetachRolePolicy'],
      resources: [nodeRole],
      conditions: { ...resourceTagged, ...onlySsmPolicy },
      reason: reason('only the policy we attached'),
    },
  ];
}
