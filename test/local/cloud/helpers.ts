import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient } from '@aws-sdk/client-iam';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { CloudOptions, EmbeddedCloud, startCloud } from '../../../local/cloud';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export interface Harness {
  cloud: EmbeddedCloud;
  ec2: EC2Client;
  elbv2: ElasticLoadBalancingV2Client;
  quotas: ServiceQuotasClient;
  iam: IAMClient;
  /** A client that never retries, for asserting throttling and injected faults. */
  ec2Once: EC2Client;
}

/**
 * A cloud on a manual clock and real SDK clients pointed at it. Simulated time moves only on
 * `h.cloud.clock.advance(seconds)`, so no state can change while a request is in flight on a slow machine.
 */
export async function startHarness(opts: CloudOptions = {}): Promise<Harness> {
  const cloud = await startCloud({ port: 0, clock: 'manual', ...opts });
  const config = { region: 'ap-northeast-2', endpoint: cloud.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  return {
    cloud,
    ec2: new EC2Client(config),
    elbv2: new ElasticLoadBalancingV2Client(config),
    quotas: new ServiceQuotasClient(config),
    iam: new IAMClient(config),
    ec2Once: new EC2Client({ ...config, maxAttempts: 1 }),
  };
}

export async function stopHarness(h: Harness | undefined): Promise<void> {
  if (!h) return;
  h.ec2.destroy();
  h.ec2Once.destroy();
  h.elbv2.destroy();
  h.quotas.destroy();
  h.iam.destroy();
  await h.cloud.close();
}

/** The rejection of `promise` (fails the test if it resolves). */
export async function rejection(
  promise: Promise<unknown>,
): Promise<{ name: string; message: string; $metadata: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as { name: string; message: string; $metadata: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail, but it succeeded');
}
