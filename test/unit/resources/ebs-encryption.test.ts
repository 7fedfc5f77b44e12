import { GetEbsDefaultKmsKeyIdCommand, GetEbsEncryptionByDefaultCommand } from '@aws-sdk/client-ec2';
import { AwsThrottled } from '../../../functions/core/errors';
import { checkEbsDefaultKey } from '../../../functions/resources/ebs-encryption';
import { awsError, mockAws } from '../../fixtures/aws';

const { ec2, clients } = mockAws();
const CMK = 'arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function arrange(encryptionByDefault: boolean, kmsKeyId = 'alias/aws/ebs') {
  ec2.on(GetEbsEncryptionByDefaultCommand).resolves({ EbsEncryptionByDefault: encryptionByDefault });
  ec2.on(GetEbsDefaultKmsKeyIdCommand).resolves({ KmsKeyId: kmsKeyId });
}

describe('checkEbsDefaultKey', () => {
  it('has nothing to say while encryption by default is off, and does not read the key', async () => {
    arrange(false, CMK);
    await expect(checkEbsDefaultKey(clients)).resolves.toEqual([]);
    expect(ec2.commandCalls(GetEbsDefaultKmsKeyIdCommand)).toHaveLength(0);
  });

  it.each(['alias/aws/ebs', 'arn:aws:kms:ap-northeast-2:123456789012:alias/aws/ebs'])(
    'has nothing to say for the AWS managed key %s',
    async (key) => {
      arrange(true, key);
      await expect(checkEbsDefaultKey(clients)).resolves.toEqual([]);
    },
  );

  it('names a customer managed default key and the KMS permissions the launch roles need on it', async () => {
    arrange(true, CMK);
    const [note] = await checkEbsDefaultKey(clients);
    expect(note).toMatch(
      new RegExp(`^EBS encryption by default with customer-managed key ${CMK}; the launch roles need kms:CreateGrant, `),
    );
    expect(note).toContain('kms:GenerateDataKeyWithoutPlaintext'); // the IAM action's spelling
  });

  it.each([
    ['UnauthorizedOperation', 400],
    ['InvalidAction', 400],
    ['NotImplemented', 501],
  ])('notes the setting as not checked when EC2 answers %s', async (code, status) => {
    ec2.on(GetEbsEncryptionByDefaultCommand).rejects(awsError(code, status));
    await expect(checkEbsDefaultKey(clients)).resolves.toEqual([
      expect.stringMatching(new RegExp(`^EBS encryption by default not checked: the endpoint answered .*${code}`)),
    ]);
  });

  it('leaves throttling to the step retry', async () => {
    ec2.on(GetEbsEncryptionByDefaultCommand).rejects(awsError('RequestLimitExceeded', 503));
    await expect(checkEbsDefaultKey(clients)).rejects.toBeInstanceOf(AwsThrottled);
  });
});
