import { paginateDescribeInstanceStatus } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../core/clients';
import { aws } from '../core/errors';

/** Both EC2 status checks of one instance: `ok`, `initializing`, `impaired`, `insufficient-data`… */
export interface StatusChecks {
  instanceId: string;
  state: string;
  system: string;
  instance: string;
}

/**
 * Status checks for the given instances. IncludeAllInstances so that pending instances are listed too
 * (without it EC2 only returns running ones and a missing entry would be ambiguous).
 */
export async function describeStatusChecks(clients: AwsClients, instanceIds: string[]): Promise<Map<string, StatusChecks>> {
  const checks = new Map<string, StatusChecks>();
  if (instanceIds.length === 0) return checks;
  await aws('ec2:DescribeInstanceStatus', async () => {
    for await (const page of paginateDescribeInstanceStatus({ client: clients.ec2 }, { InstanceIds: instanceIds, IncludeAllInstances: true })) {
      for (const s of page.InstanceStatuses ?? []) {
        if (!s.InstanceId) continue;
        checks.set(s.InstanceId, {
          instanceId: s.InstanceId,
          state: s.InstanceState?.Name ?? 'unknown',
          system: s.SystemStatus?.Status ?? 'unknown',
          instance: s.InstanceStatus?.Status ?? 'unknown',
        });
      }
    }
  });
  return checks;
}

export function statusChecksPassed(checks: StatusChecks | undefined): boolean {
  return checks?.state === 'running' && checks.system === 'ok' && checks.instance === 'ok';
}
