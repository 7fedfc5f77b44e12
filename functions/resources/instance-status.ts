import { paginateDescribeInstanceStatus } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../core/clients';
import { chunks } from '../core/pool';
import { describeAll } from './owned';

/** Both EC2 status checks of one instance: `ok`, `initializing`, `impaired`, `insufficient-data`… */
export interface StatusChecks {
  instanceId: string;
  state: string;
  system: string;
  instance: string;
}

/**
 * DescribeInstanceStatus takes at most 100 explicit instance IDs ("Constraints: Maximum 100 explicitly
 * specified instance IDs"; more is InvalidRequest), and a build can have 108 instances (7 control planes,
 * 100 workers, the bastion). https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstanceStatus.html
 */
export const DESCRIBE_STATUS_MAX_IDS = 100;

/**
 * Status checks for the given instances, in batches of at most 100 IDs. IncludeAllInstances so that
 * pending instances are listed too (without it EC2 only returns running ones and a missing entry would be
 * ambiguous).
 */
export async function describeStatusChecks(clients: AwsClients, instanceIds: string[]): Promise<Map<string, StatusChecks>> {
  const checks = new Map<string, StatusChecks>();
  if (instanceIds.length === 0) return checks;
  for (const batch of chunks(instanceIds, DESCRIBE_STATUS_MAX_IDS)) {
    const statuses = await describeAll(
      'ec2:DescribeInstanceStatus',
      () => paginateDescribeInstanceStatus({ client: clients.ec2 }, { InstanceIds: batch, IncludeAllInstances: true }),
      (page) => page.InstanceStatuses,
    );
    for (const s of statuses) {
      if (!s.InstanceId) continue;
      checks.set(s.InstanceId, {
        instanceId: s.InstanceId,
        state: s.InstanceState?.Name ?? 'unknown',
        system: s.SystemStatus?.Status ?? 'unknown',
        instance: s.InstanceStatus?.Status ?? 'unknown',
      });
    }
  }
  return checks;
}

export function statusChecksPassed(checks: StatusChecks | undefined): boolean {
  return checks?.state === 'running' && checks.system === 'ok' && checks.instance === 'ok';
}
