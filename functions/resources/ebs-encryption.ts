import { GetEbsDefaultKmsKeyIdCommand, GetEbsEncryptionByDefaultCommand } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../core/clients';
import { translateAwsError } from '../core/errors';
import { whyUnanswered } from './unanswered';

/**
 * The account's EBS encryption by default, read for preflight's report. With it on, every volume
 * RunInstances creates is encrypted with the default KMS key
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EnableEbsEncryptionByDefault.html). The AWS
 * managed key `alias/aws/ebs` needs nothing from us; a customer managed key needs the launching role to
 * hold the KMS permissions EBS lists (https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption-requirements.html),
 * which the key policy or the role must grant: preflight names the key so that an operator can.
 */
export const EBS_KMS_ACTIONS = ['kms:CreateGrant', 'kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlainText', 'kms:ReEncrypt*'];

/**
 * GetEbsDefaultKmsKeyId answers `alias/aws/ebs` while the AWS managed key is the default, and a key ARN once
 * a customer managed key is (https://docs.aws.amazon.com/cli/latest/reference/ec2/get-ebs-default-kms-key-id.html).
 */
const AWS_MANAGED_KEY = /(^|:)alias\/aws\/ebs$/;

/** Notes for the preflight report: the customer managed key and what it needs, or why this was not read. */
export async function checkEbsDefaultKey(clients: AwsClients): Promise<string[]> {
  try {
    const { EbsEncryptionByDefault } = await clients.ec2.send(new GetEbsEncryptionByDefaultCommand({}));
    if (!EbsEncryptionByDefault) return [];
    const { KmsKeyId } = await clients.ec2.send(new GetEbsDefaultKmsKeyIdCommand({}));
    if (!KmsKeyId || AWS_MANAGED_KEY.test(KmsKeyId)) return [];
    return [`EBS encryption by default with customer-managed key ${KmsKeyId}; the launch roles need ${EBS_KMS_ACTIONS.join(', ')} on it (key policy or IAM), or the instances fail to launch`];
  } catch (error) {
    const why = whyUnanswered(error);
    if (why) return [`EBS encryption by default not checked: ${why}; a customer-managed default key would need ${EBS_KMS_ACTIONS.join(', ')} for the launch roles`];
    throw translateAwsError(error, 'ec2:GetEbsEncryptionByDefault');
  }
}
