import {
  ALL_ERROR_NAMES, AwsThrottled, AwsUnavailable, InsufficientCapacity, NotYetVisible, PermissionDenied, QuotaExceeded,
  ResourceConflict, ResourceNotReady, aws, awsErrorCode, isNotFound, translateAwsError,
} from '../../../functions/core/errors';

const sdkError = (name: string, status = 400) => Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });

describe('translateAwsError', () => {
  it.each([
    ['RequestLimitExceeded', AwsThrottled],
    ['Throttling', AwsThrottled],
    ['InternalError', AwsUnavailable],
    ['DependencyViolation', ResourceNotReady],
    ['ResourceInUse', ResourceNotReady],
    ['InvalidVpcID.NotFound', NotYetVisible],
    ['VpcLimitExceeded', QuotaExceeded],
    ['InsufficientInstanceCapacity', InsufficientCapacity],
    ['UnauthorizedOperation', PermissionDenied],
    ['AccessDenied', PermissionDenied],
    ['IdempotentParameterMismatch', ResourceConflict],
  ])('classifies %s', (code, expected) => {
    const translated = translateAwsError(sdkError(code), 'ec2:Op');
    expect(translated).toBeInstanceOf(expected);
    expect((translated as Error).name).toBe(expected.name);
    expect((translated as Error).message).toContain(`ec2:Op: ${code}`);
    expect((translated as Error).cause).toBeDefined();
  });

  it('treats a dropped connection as AwsUnavailable', () => {
    expect(translateAwsError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'ec2:CreateVpc')).toBeInstanceOf(AwsUnavailable);
  });

  it('treats an unknown 5xx as AwsUnavailable', () => {
    expect(translateAwsError(sdkError('SomethingOdd', 503), 'op')).toBeInstanceOf(AwsUnavailable);
  });

  it('returns an unknown error unchanged (never blanket-retried)', () => {
    const error = sdkError('BrandNewError');
    expect(translateAwsError(error, 'op')).toBe(error);
  });

  it('keeps our own errors as they are', () => {
    const error = new ResourceNotReady('waiting');
    expect(translateAwsError(error, 'op')).toBe(error);
  });

  it('aws() translates what the call throws and passes results through', async () => {
    await expect(aws('ec2:RunInstances', () => Promise.reject(sdkError('RequestLimitExceeded', 503)))).rejects.toBeInstanceOf(AwsThrottled);
    await expect(aws('op', async () => 7)).resolves.toBe(7);
  });
});

describe('error names', () => {
  it('lists every class the state machine matches', () => {
    expect(ALL_ERROR_NAMES).toEqual(expect.arrayContaining(['AwsThrottled', 'AwsUnavailable', 'ResourceNotReady', 'NotYetVisible', 'InvalidSpec', 'PreflightFailed', 'QuotaExceeded', 'InsufficientCapacity', 'PermissionDenied', 'ResourceConflict']));
    expect(new ResourceNotReady('x').retryable).toBe(true);
    expect(new QuotaExceeded('x').retryable).toBe(false);
  });

  it('reads codes from name or Code, and recognises not-found answers', () => {
    expect(awsErrorCode({ Code: 'InvalidGroup.NotFound' })).toBe('InvalidGroup.NotFound');
    expect(awsErrorCode(undefined)).toBeUndefined();
    expect(isNotFound(sdkError('InvalidAllocationID.NotFound'))).toBe(true);
    expect(isNotFound(sdkError('LoadBalancerNotFound'))).toBe(true);
    expect(isNotFound(sdkError('DependencyViolation'))).toBe(false);
  });
});
