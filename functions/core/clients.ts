import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';

/** The AWS clients a step uses. Always built by `createClients`; tests replace them with aws-sdk-client-mock. */
export interface AwsClients {
  ec2: EC2Client;
  elbv2: ElasticLoadBalancingV2Client;
  quotas: ServiceQuotasClient;
}

type Env = Record<string, string | undefined>;

/**
 * The endpoint for one service from the standard SDK variables (service-specific first, then the global
 * one). This is the only switch between real AWS, the embedded cloud, LocalStack or moto.
 */
export function endpointFor(serviceVariable: string, env: Env = process.env): string | undefined {
  return env[`AWS_ENDPOINT_URL_${serviceVariable}`] || env.AWS_ENDPOINT_URL || undefined;
}

/** One place that builds clients, from the region and the endpoint variables (read at call time). */
export function createClients(region: string, env: Env = process.env): AwsClients {
  return {
    ec2: new EC2Client({ region, endpoint: endpointFor('EC2', env) }),
    elbv2: new ElasticLoadBalancingV2Client({ region, endpoint: endpointFor('ELASTIC_LOAD_BALANCING_V2', env) }),
    quotas: new ServiceQuotasClient({ region, endpoint: endpointFor('SERVICE_QUOTAS', env) }),
  };
}

const cache = new Map<string, AwsClients>();

/** Clients reused across warm Lambda invocations, keyed by region and endpoints. */
export function clientsFor(region: string, env: Env = process.env): AwsClients {
  const key = [region, endpointFor('EC2', env), endpointFor('ELASTIC_LOAD_BALANCING_V2', env), endpointFor('SERVICE_QUOTAS', env)].join('|');
  let clients = cache.get(key);
  if (!clients) {
    clients = createClients(region, env);
    cache.set(key, clients);
  }
  return clients;
}
