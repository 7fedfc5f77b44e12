/**
 * Resources this process created, by build id and a key naming the resource: the second line of defence.
 *
 * Why: CreateVpc, CreateSubnet, CreateInternetGateway, CreateSecurityGroup and AllocateAddress take no
 * ClientToken, and EC2 is eventually consistent: right after a create, a Describe by tag can come back
 * empty. An ensure that trusted that empty answer would create a second VPC.
 *
 * The first line is the state machine: a step performs at most one such create per run and returns its id
 * at once (`complete: false`, see ensureNetwork and ensureBastion); Step Functions records it in the state
 * and runs the step again with it as a known id. That holds across Lambda containers. Subnets and security
 * groups need no such stop: their CIDR and name are unique in the VPC, so a duplicate create is read as
 * "exists".
 *
 * This ledger still covers what the state cannot: a repeat inside one container (or the local runtime)
 * whose create answered but whose result never reached the state, and teardown of what was created moments
 * ago and is not visible by tag yet. So every ensure looks by tag, then for the carried id or here, and
 * only then creates.
 */
const created = new Map<string, string>();

const keyOf = (buildId: string, key: string) => `${buildId}/${key}`;

export function rememberCreated(buildId: string, key: string, id: string): void {
  created.set(keyOf(buildId, key), id);
}

export function recallCreated(buildId: string, key: string): string | undefined {
  return created.get(keyOf(buildId, key));
}

export function forgetCreated(buildId: string, key: string): void {
  created.delete(keyOf(buildId, key));
}

/** For tests: start from an empty ledger. */
export function clearLedger(): void {
  created.clear();
}
