/**
 * The AWS managed policies this IAM knows. AWS managed policies live in the `aws` account of the partition
 * (`arn:aws:iam::aws:policy/<path><name>`); only those a build attaches are listed, and AttachRolePolicy of any
 * other ARN answers as AWS does for a policy that does not exist.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html#aws-managed-policies
 */
import { CloudError } from '../contract';
import { noSuchEntity } from './store';

export interface ManagedPolicy {
  name: string;
  path: string;
}

/**
 * AmazonSSMManagedInstanceCore: what an instance needs to be managed by Systems Manager (Session Manager),
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonSSMManagedInstanceCore.html
 */
const KNOWN: ManagedPolicy[] = [{ name: 'AmazonSSMManagedInstanceCore', path: '/' }];

const arnOf = (partition: string, p: ManagedPolicy) => `arn:${partition}:iam::aws:policy${p.path}${p.name}`;

/** A policy ARN must at least look like one ("ARN … is not valid.", InvalidInput). */
const POLICY_ARN = /^arn:[\w-]+:iam::(aws|\d{12}):policy\/.+$/;

/** The managed policy with this ARN; throws InvalidInput for a malformed ARN and NoSuchEntity for one we do not know. */
export function managedPolicy(partition: string, arn: string): ManagedPolicy & { arn: string } {
  if (!POLICY_ARN.test(arn)) throw new CloudError('InvalidInput', `ARN ${arn} is not valid.`, 400);
  const policy = KNOWN.find((p) => arnOf(partition, p) === arn);
  if (!policy) throw noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
  return { ...policy, arn };
}
