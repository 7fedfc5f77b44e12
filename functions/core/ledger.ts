/**
 * Resources this process created, by build id and a key naming the resource.
 *
 * Why: CreateVpc, CreateSubnet, CreateInternetGateway, CreateSecurityGroup and AllocateAddress take no
 * ClientToken, and EC2 is eventually consistent: right after a create, a Describe by tag can come back
 * empty. An ensure that trusted that empty answer would create a second VPC. So every ensure first looks
 * by tag, then here, and only then creates. This covers retries inside one Lambda container and the local
 * runtime; across containers the Step Functions retry backoff (seconds) outlasts the consistency window,
 * and ensures that take a uniqueness key (subnet CIDR, security-group name) treat "duplicate" as found.
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
