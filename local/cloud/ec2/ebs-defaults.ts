/**
 * The account's EBS settings in the Region: encryption by default and its default KMS key. Seeded once
 * (`startCloud({ ebsEncryptionByDefault: true, ebsDefaultKmsKeyId: 'arn:aws:kms:…' })`); read with
 * GetEbsEncryptionByDefault and GetEbsDefaultKmsKeyId; applied to the volumes RunInstances creates.
 */
import { Actions } from './args';

export interface EbsDefaults {
  /**
   * Encryption by default. Off unless enabled: it is "a Region-specific setting" that an account turns on
   * (https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html).
   */
  ebsEncryptionByDefault?: boolean;
  /** The default KMS key (key ARN, key id, alias or alias ARN); the AWS managed key `alias/aws/ebs` when unset. */
  ebsDefaultKmsKeyId?: string;
}

/**
 * What these functions read of the EC2 store (store.ts's Ec2Store has it), declared here so that this module
 * stays below the store, which holds an EbsDefaults.
 */
export interface EbsAccount {
  readonly ebsDefaults: EbsDefaults;
  readonly region: string;
  readonly accountId: string;
}

/** What GetEbsDefaultKmsKeyId answers while no customer managed key is set (https://docs.aws.amazon.com/cli/latest/reference/ec2/get-ebs-default-kms-key-id.html). */
export const AWS_MANAGED_EBS_KEY = 'alias/aws/ebs';

/** The key id of the account's AWS managed `aws/ebs` key: fixed, as AWS creates it once per account and Region. */
const AWS_MANAGED_EBS_KEY_ID = '0e5d7a3c-ebs0-4aws-8man-aged00000001';

export function ebsDefaultActions(s: EbsAccount): Actions {
  return {
    // Wire names as in the SDK's output shapes: `ebsEncryptionByDefault`, `kmsKeyId`.
    // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetEbsEncryptionByDefault.html
    GetEbsEncryptionByDefault: () => ({ ebsEncryptionByDefault: s.ebsDefaults.ebsEncryptionByDefault ?? false }),
    // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetEbsDefaultKmsKeyId.html
    GetEbsDefaultKmsKeyId: () => ({ kmsKeyId: s.ebsDefaults.ebsDefaultKmsKeyId ?? AWS_MANAGED_EBS_KEY }),
  };
}

/**
 * A new volume's encryption. With encryption by default on, every new volume is encrypted, "either using the
 * default KMS key or the KMS key that you specified"
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EnableEbsEncryptionByDefault.html); with it
 * off, only when asked (`Encrypted`), with the default key unless `KmsKeyId` names one. DescribeVolumes
 * shows the key as an ARN ("The Amazon Resource Name (ARN) of the KMS key"): the AWS managed alias becomes
 * the account's aws/ebs key, a bare key id a key ARN; an alias we cannot resolve without KMS stays an alias ARN.
 */
export function volumeEncryption(
  s: EbsAccount,
  asked: { encrypted?: boolean; kmsKeyId?: string },
): { encrypted: boolean; kmsKeyId?: string } {
  const encrypted = asked.encrypted === true || s.ebsDefaults.ebsEncryptionByDefault === true;
  if (!encrypted) return { encrypted };
  const key = asked.kmsKeyId ?? s.ebsDefaults.ebsDefaultKmsKeyId ?? AWS_MANAGED_EBS_KEY;
  const arn = (resource: string) => `arn:aws:kms:${s.region}:${s.accountId}:${resource}`;
  if (key === AWS_MANAGED_EBS_KEY) return { encrypted, kmsKeyId: arn(`key/${AWS_MANAGED_EBS_KEY_ID}`) };
  if (key.startsWith('arn:')) return { encrypted, kmsKeyId: key };
  return { encrypted, kmsKeyId: arn(key.startsWith('alias/') ? key : `key/${key}`) };
}
