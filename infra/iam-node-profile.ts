import { IAM_PATH } from '../functions/core/plan';
import { ssmPolicyArn } from '../functions/resources/instance-profile';
import { OWNED_TAG_KEY, OWNED_TAG_VALUE, type Grant, type ResourcePattern } from './iam';

/**
 * The grants for the nodes' Session Manager instance profile (resources/instance-profile.ts): only roles and
 * profiles under our IAM path, only with (or already carrying) our ownership tag, only the one AWS managed
 * policy, and PassRole only to EC2. IAM is global: its ARNs have no region.
 * Service Authorization Reference, IAM: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html
 */
const ACCOUNT = '${AWS::AccountId}';
const PARTITION = '${AWS::Partition}';
const nodeRole: ResourcePattern = `arn:${PARTITION}:iam::${ACCOUNT}:role${IAM_PATH}*`;
const nodeProfile: ResourcePattern = `arn:${PARTITION}:iam::${ACCOUNT}:instance-profile${IAM_PATH}*`;
const requestTagged = { StringEquals: { [`aws:RequestTag/${OWNED_TAG_KEY}`]: OWNED_TAG_VALUE } };
const resourceTagged = { StringEquals: { [`aws:ResourceTag/${OWNED_TAG_KEY}`]: OWNED_TAG_VALUE } };
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
