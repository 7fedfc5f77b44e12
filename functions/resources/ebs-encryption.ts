import { GetEbsDefaultKmsKeyIdCommand, GetEbsEncryptionByDefaultCommand } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../core/clients';
import { translateAwsError } from '../core/errors';
import { EBS_CUSTOMER_KEY_ACTIONS } from '../core/ebs-kms';
import { whyUnanswered } from './unanswered';

/**
 * The account's EBS encryption by default, read for preflight's report. With it on, every volume
 * RunInstances creates is encrypted with the default KMS key
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EnableEbsEncryptionByDefault.html). The AWS
 * managed key `alias/aws/ebs` needs nothing from us; a customer managed key needs the launching role to
 * hold the KMS permissions EBS lists (core/ebs-kms.ts). The launch roles hold them on the account's keys,
 * through EC2 only (infra/iam.ts); the key's own policy must let IAM policies grant them (a key's default
 * policy does, a hand-written one may not): preflight names the key so that an operator can check.
 */

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
    return [
      `EBS encryption by default with customer-managed key ${KmsKeyId}; the launch roles need ${EBS_CUSTOMER_KEY_ACTIONS.join(', ')} on it: they hold them through EC2, and the key's policy must let IAM grant them, or the instances fail to launch`,
    ];
  } catch (error) {
    const why = whyUnanswered(error);
    if (why)
      return [
        `EBS encryption by default not checked: ${why}; a customer-managed default key would need ${EBS_CUSTOMER_KEY_ACTIONS.join(', ')} for the launch roles`,
      ];
    throw translateAwsError(error, 'ec2:GetEbsEncryptionByDefault');
  }
}
