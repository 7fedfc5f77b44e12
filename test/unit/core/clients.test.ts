import { createClients, clientsFor, endpointFor } from '../../../functions/core/clients';

describe('client factory', () => {
  it('prefers the service endpoint variable, then the global one', () => {
    expect(endpointFor('EC2', { AWS_ENDPOINT_URL_EC2: 'http://127.0.0.1:1', AWS_ENDPOINT_URL: 'http://127.0.0.1:2' })).toBe('http://127.0.0.1:1');
    expect(endpointFor('EC2', { AWS_ENDPOINT_URL: 'http://127.0.0.1:2' })).toBe('http://127.0.0.1:2');
    expect(endpointFor('EC2', {})).toBeUndefined();
  });

  it('builds clients for the region and endpoint', async () => {
    const clients = createClients('eu-west-1', { AWS_ENDPOINT_URL_EC2: 'http://127.0.0.1:4566' });
    expect(await clients.ec2.config.region()).toBe('eu-west-1');
    const endpoint = await clients.ec2.config.endpoint?.();
    expect(endpoint?.hostname).toBe('127.0.0.1');
    expect(endpoint?.port).toBe(4566);
  });

  it('reuses clients for the same region and endpoints', () => {
    expect(clientsFor('ap-northeast-2', {})).toBe(clientsFor('ap-northeast-2', {}));
    expect(clientsFor('ap-northeast-2', {})).not.toBe(clientsFor('us-east-1', {}));
  });
});
