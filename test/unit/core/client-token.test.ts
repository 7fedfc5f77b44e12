import { CLIENT_TOKEN_MAX_LENGTH, clientToken } from '../../../functions/core/client-token';

describe('clientToken', () => {
  it('is the same for the same inputs and differs when any input differs', () => {
    const token = clientToken('public-route-table', 'b-1', 'public-route-table', 'vpc-1');
    expect(clientToken('public-route-table', 'b-1', 'public-route-table', 'vpc-1')).toBe(token);
    expect(clientToken('public-route-table', 'b-2', 'public-route-table', 'vpc-1')).not.toBe(token);
    expect(clientToken('public-route-table', 'b-1', 'public-route-table', 'vpc-2')).not.toBe(token);
  });

  it("starts with its label and stays within AWS's 64 ASCII characters, however long the build id or label", () => {
    expect(clientToken('worker-1-g0', 'b-1', 3)).toMatch(/^worker-1-g0-[0-9a-f]{40}$/);
    const long = clientToken('l'.repeat(80), 'b'.repeat(80), 'k'.repeat(80));
    expect(long.length).toBeLessThanOrEqual(CLIENT_TOKEN_MAX_LENGTH);
    expect(long).toMatch(/^[\x20-\x7e]+$/);
  });
});
