import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { endpointFor } from './clients';

/**
 * Clients for the services the api and notify functions use (not the build steps, whose clients live in
 * clients.ts). Same rule: built in one place from the region and the standard endpoint variables.
 */
type Env = Record<string, string | undefined>;

export function createSfnClient(region: string, env: Env = process.env): SFNClient {
  return new SFNClient({ region, endpoint: endpointFor('SFN', env) });
}

export function createSecretsManagerClient(region: string, env: Env = process.env): SecretsManagerClient {
  return new SecretsManagerClient({ region, endpoint: endpointFor('SECRETS_MANAGER', env) });
}
