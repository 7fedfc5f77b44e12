import { App } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CONTEXT_KEYS, readConfig } from '../../infra/config';
import cdkJson from '../../cdk.json';

const configOf = (context: Record<string, unknown>) => readConfig(new App({ context }).node);

describe('readConfig', () => {
  it('reads the cdk.json defaults: no Slack secret, 30-day logs, 5 rps / burst 10, no execution data in logs', () => {
    expect(configOf(cdkJson.context)).toEqual({
      slackWebhookSecretName: undefined,
      logRetentionDays: RetentionDays.ONE_MONTH,
      apiThrottleRateLimit: 5,
      apiThrottleBurstLimit: 10,
      includeExecutionData: false,
    });
  });

  it('accepts -c values, which arrive as strings', () => {
    const config = configOf({
      [CONTEXT_KEYS.slackWebhookSecretName]: 'k8s-ec2/slack-webhook',
      [CONTEXT_KEYS.logRetentionDays]: '90',
      [CONTEXT_KEYS.apiThrottleRateLimit]: '2',
      [CONTEXT_KEYS.includeExecutionData]: 'true',
    });
    expect(config).toMatchObject({
      slackWebhookSecretName: 'k8s-ec2/slack-webhook',
      logRetentionDays: 90,
      apiThrottleRateLimit: 2,
      includeExecutionData: true,
    });
  });

  it.each([
    [CONTEXT_KEYS.logRetentionDays, '31', /not a CloudWatch Logs retention/],
    [CONTEXT_KEYS.apiThrottleRateLimit, '-1', /must be a positive number/],
    [CONTEXT_KEYS.apiThrottleBurstLimit, 'lots', /must be a positive number/],
    [CONTEXT_KEYS.includeExecutionData, 'yes', /must be true or false/],
    [CONTEXT_KEYS.slackWebhookSecretName, 42, /must be a secret name/],
  ])('rejects %s=%p and says what to fix', (key, value, message) => {
    expect(() => configOf({ [key]: value })).toThrow(message);
  });
});
