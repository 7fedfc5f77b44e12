import {
  ALL_ERROR_NAMES,
  AwsThrottled,
  AwsUnavailable,
  InsufficientCapacity,
  InvalidSpec,
  NotYetVisible,
  PermissionDenied,
  QuotaExceeded,
  ResourceConflict,
  ResourceNotReady,
  aws,
  awsOnFreshIds,
  codeOf,
  isNotFound,
  translateAwsError,
} from '../../../functions/core/errors';

const sdkError = (name: string, status = 400) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });

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
    // ELBv2 not seeing a subnet or group EC2 just made for us: only ever "does not exist", so retried.
    ['SubnetNotFound', NotYetVisible],
    ['InvalidSecurityGroup', NotYetVisible],
    // Also "wrong VPC" or "unsupported type": terminal unless the caller rules those out (awsOnFreshIds).
    ['InvalidTarget', InvalidSpec],
  ])('classifies %s', (code, expected) => {
    const translated = translateAwsError(sdkError(code), 'ec2:Op');
    expect(translated).toBeInstanceOf(expected);
    expect((translated as Error).name).toBe(expected.name);
    expect((translated as Error).message).toContain(`ec2:Op: ${code}`);
    expect((translated as Error).cause).toBeDefined();
  });

  it('treats a dropped connection as AwsUnavailable', () => {
    expect(translateAwsError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'ec2:CreateVpc')).toBeInstanceOf(
      AwsUnavailable,
    );
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
    await expect(aws('op', () => Promise.resolve(7))).resolves.toBe(7);
  });
});

describe('awsOnFreshIds (a call whose IDs were just created and confirmed by the caller)', () => {
  it.each(['InvalidTarget', 'InvalidSubnet'])(
    'reads the lag code %s as NotYetVisible, keeping operation, code and message',
    async (code) => {
      const error = await awsOnFreshIds('RegisterTargets', ['InvalidTarget', 'InvalidSubnet'], () => Promise.reject(sdkError(code))).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(NotYetVisible);
      expect((error as NotYetVisible).name).toBe('NotYetVisible');
      expect((error as NotYetVisible).message).toBe(`RegisterTargets: ${code}: ${code} happened`);
      expect((error as NotYetVisible).details).toEqual({ operation: 'RegisterTargets' });
      expect((error as NotYetVisible).awsCode).toBe(code);
    },
  );

  it('classifies every other code through the table, and leaves unknown ones as they are', async () => {
    await expect(awsOnFreshIds('RegisterTargets', ['InvalidTarget'], () => Promise.reject(sdkError('Throttling')))).rejects.toBeInstanceOf(
      AwsThrottled,
    );
    await expect(
      awsOnFreshIds('RegisterTargets', ['InvalidTarget'], () => Promise.reject(sdkError('TooManyTargets'))),
    ).rejects.toBeInstanceOf(QuotaExceeded);
    const odd = sdkError('BrandNewError');
    await expect(awsOnFreshIds('RegisterTargets', ['InvalidTarget'], () => Promise.reject(odd))).rejects.toBe(odd);
  });

  it('does not change the global meaning of a lag code elsewhere', async () => {
    await expect(aws('DescribeTargetHealth', () => Promise.reject(sdkError('InvalidTarget')))).rejects.toBeInstanceOf(InvalidSpec);
    await expect(awsOnFreshIds('op', [], () => Promise.resolve('ok'))).resolves.toBe('ok');
  });
});

describe('error names', () => {
  it('lists every class the state machine matches', () => {
    expect(ALL_ERROR_NAMES).toEqual(
      expect.arrayContaining([
        'AwsThrottled',
        'AwsUnavailable',
        'ResourceNotReady',
        'NotYetVisible',
        'InvalidSpec',
        'PreflightFailed',
        'QuotaExceeded',
        'InsufficientCapacity',
        'PermissionDenied',
        'ResourceConflict',
      ]),
    );
    expect(new ResourceNotReady('x').retryable).toBe(true);
    expect(new QuotaExceeded('x').retryable).toBe(false);
  });

  it('reads codes from name or Code, and recognises not-found answers', () => {
    expect(codeOf({ Code: 'InvalidGroup.NotFound' })).toBe('InvalidGroup.NotFound');
    expect(codeOf(undefined)).toBeUndefined();
    expect(isNotFound(sdkError('InvalidAllocationID.NotFound'))).toBe(true);
    expect(isNotFound(sdkError('LoadBalancerNotFound'))).toBe(true);
    expect(isNotFound(sdkError('DependencyViolation'))).toBe(false);
  });

  it('reads the name the SDK keeps in the message when it re-wraps an error of another realm, and classes a hung-up socket as AwsUnavailable', () => {
    // What @smithy's retry middleware throws for a thrown value that is not an Error of its realm (under jest's vm).
    const wrapped = new Error('AWS SDK error wrapper for TimeoutError: socket hang up');
    expect(codeOf(wrapped)).toBe('TimeoutError');
    expect(translateAwsError(wrapped, 'DescribeNatGateways')).toBeInstanceOf(AwsUnavailable);
    expect(codeOf(new Error('something else'))).toBeUndefined();
  });
});

describe('codeOf (the AWS code of an error, before or after translation)', () => {
  it('reads the code of a translated error from its awsCode', () => {
    const translated = translateAwsError(sdkError('InvalidVpcID.NotFound'), 'DescribeVpcs');
    expect(translated).toBeInstanceOf(NotYetVisible);
    expect((translated as NotYetVisible).awsCode).toBe('InvalidVpcID.NotFound');
    expect(codeOf(translated)).toBe('InvalidVpcID.NotFound');
    expect(isNotFound(translated)).toBe(true);
  });

  it('follows cause when an error names no code of its own', () => {
    expect(codeOf(new Error('wrapped', { cause: sdkError('InsufficientInstanceCapacity') }))).toBe('InsufficientInstanceCapacity');
    expect(codeOf(new ResourceNotReady('ours', { cause: sdkError('DependencyViolation') }))).toBe('DependencyViolation');
  });

  it('is undefined for our own errors and for errors without a code', () => {
    expect(codeOf(new ResourceNotReady('ours'))).toBeUndefined();
    expect(codeOf(new Error('plain'))).toBeUndefined();
    expect(codeOf('a string')).toBeUndefined();
  });
});
