/**
 * The KMS actions a caller of RunInstances needs on the customer-managed key its EBS volumes are encrypted
 * with ("kms:CreateGrant, kms:Decrypt, kms:DescribeKey, kms:GenerateDataKeyWithoutPlainText, kms:ReEncrypt",
 * https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption-requirements.html; ReEncrypt as its two IAM
 * actions). One list: the launch roles are granted it (infra/iam.ts), the embedded cloud demands it
 * (local/cloud/ec2/authorization-kms.ts), and preflight names it beside the key it finds.
 */
export const EBS_CUSTOMER_KEY_ACTIONS = [
  'kms:CreateGrant',
  'kms:Decrypt',
  'kms:DescribeKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
] as const;
