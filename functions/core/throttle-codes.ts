/**
 * The AWS codes that mean "throttled" (AwsThrottled): the request was refused before any work, and backing off
 * and sending it again succeeds once the account's bucket refills. Also what the SDK retry strategy resends by
 * time (core/retry-strategy.ts), which reads the code as `codeOf` does and not the SDK's own throttling list:
 * that list holds quota errors too (IAM's LimitExceeded, a QuotaExceeded here).
 */
export const AWS_THROTTLE_CODES: readonly string[] = [
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'PriorRequestNotComplete',
];
