/**
 * The KMS side of launching with encrypted volumes: EC2 uses the volume's key with the caller's permissions,
 * so a volume encrypted with a customer-managed key (asked for, or the account's default key with encryption
 * by default on) needs kms:CreateGrant, Decrypt, DescribeKey, GenerateDataKeyWithoutPlaintext and ReEncrypt
 * on that key, through EC2 (`kms:ViaService`), the grant being for an AWS resource
 * (https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption-requirements.html). The AWS managed key
 * `aws/ebs` needs none. KMS also evaluates the key's own policy: every key here has the default key policy,
 * which lets the account's IAM policies decide. A default key given as an alias ARN is not resolved to its
 * key (the cloud has no KMS), so it is not authorised: more permissive than AWS, noted in docs/design.md 10.10
 * (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam).
 */
import { EBS_CUSTOMER_KEY_ACTIONS } from '../../../infra/dependent-permissions';
import type { AuthorizationRequest } from '../contract';
import type { Args } from './args';
import { AWS_MANAGED_EBS_KEY, volumeEncryption } from './ebs-defaults';
import type { Ec2Store } from './store';

export function customerKeyAuthorizations(s: Ec2Store, a: Args): AuthorizationRequest[] {
  const awsManaged = volumeEncryption(s, { encrypted: true, kmsKeyId: AWS_MANAGED_EBS_KEY }).kmsKeyId;
  const volumes = a.list('BlockDeviceMapping').flatMap((mapping) => {
    const ebs = mapping.obj('Ebs');
    return ebs ? [{ encrypted: ebs.bool('Encrypted'), kmsKeyId: ebs.str('KmsKeyId') }] : [];
  });
  const keys = new Set(
    (volumes.length ? volumes : [{}])
      .map((asked) => volumeEncryption(s, asked))
      .filter((v) => v.encrypted && v.kmsKeyId && v.kmsKeyId !== awsManaged && /:key\//.test(v.kmsKeyId))
      .map((v) => v.kmsKeyId as string),
  );
  const context = { 'kms:ViaService': `ec2.${s.region}.amazonaws.com`, 'kms:CallerAccount': s.accountId };
  const resourcePolicy = defaultKeyPolicy(s.accountId);
  return [...keys].flatMap((key) =>
    EBS_CUSTOMER_KEY_ACTIONS.map((action) => ({
      action,
      resource: key,
      context: action === 'kms:CreateGrant' ? { ...context, 'kms:GrantIsForAWSResource': 'true' } : context,
      resourcePolicy,
    })),
  );
}

/** "Enable IAM policies": the statement of the default key policy that hands the decision to IAM. */
function defaultKeyPolicy(accountId: string): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  };
}
