import { clearLedger, forgetCreated, recallCreated, rememberCreated } from '../../../functions/core/ledger';

afterEach(() => clearLedger());

describe('ledger of created resources', () => {
  it('recalls what this process created for a build', () => {
    rememberCreated('build-1', 'vpc', 'vpc-1');
    expect(recallCreated('build-1', 'vpc')).toBe('vpc-1');
  });

  it.each([
    ['another build', 'build-2', 'vpc'],
    ['another resource key', 'build-1', 'internet-gateway'],
  ])('keeps entries apart: nothing is recalled for %s', (_what, buildId, key) => {
    rememberCreated('build-1', 'vpc', 'vpc-1');
    expect(recallCreated(buildId, key)).toBeUndefined();
  });

  it('keeps the id of the latest create under a key', () => {
    rememberCreated('build-1', 'bastion-eip', 'eipalloc-1');
    rememberCreated('build-1', 'bastion-eip', 'eipalloc-2');
    expect(recallCreated('build-1', 'bastion-eip')).toBe('eipalloc-2');
  });

  it('forgets one entry (after a delete) and leaves the others', () => {
    rememberCreated('build-1', 'bastion-eip', 'eipalloc-1');
    rememberCreated('build-1', 'vpc', 'vpc-1');
    forgetCreated('build-1', 'bastion-eip');
    expect(recallCreated('build-1', 'bastion-eip')).toBeUndefined();
    expect(recallCreated('build-1', 'vpc')).toBe('vpc-1');
  });

  it('forgetting what was never remembered is harmless', () => {
    expect(() => forgetCreated('build-1', 'nothing')).not.toThrow();
  });

  it('starts empty again after clearLedger', () => {
    rememberCreated('build-1', 'vpc', 'vpc-1');
    rememberCreated('build-2', 'vpc', 'vpc-2');
    clearLedger();
    expect(recallCreated('build-1', 'vpc')).toBeUndefined();
    expect(recallCreated('build-2', 'vpc')).toBeUndefined();
  });
});
