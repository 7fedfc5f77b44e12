import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { createSecretsManagerClient, createSfnClient } from '../../../functions/core/service-clients';
import { secretsManagerWebhookResolver, webhookUrlFromSecret } from '../../../functions/notify/webhook';

const secrets = mockClient(SecretsManagerClient);
const URL_TEXT = 'https://hooks.slack.com/services/T0/B0/abc';
const logged: string[] = [];
const logger = {
  info: () => undefined,
  warn: () => undefined,
  error: (m: string, ...e: unknown[]) => void logged.push(JSON.stringify([m, e])),
};

afterEach(() => {
  secrets.reset();
  logged.length = 0;
});

describe('webhookUrlFromSecret', () => {
  it.each([
    { label: 'the URL itself', secret: URL_TEXT, url: URL_TEXT },
    { label: 'the URL with whitespace', secret: ` ${URL_TEXT}\n`, url: URL_TEXT },
    { label: 'JSON {url}', secret: JSON.stringify({ url: URL_TEXT }), url: URL_TEXT },
    { label: 'JSON without url', secret: '{"webhook": 1}', url: undefined },
    { label: 'broken JSON', secret: '{"url": ', url: undefined },
    { label: 'not a URL', secret: 'hooks.slack.com', url: undefined },
    { label: 'another scheme', secret: 'file:///etc/passwd', url: undefined },
    { label: 'empty', secret: '', url: undefined },
  ])('reads $label', ({ secret, url }) => {
    expect(webhookUrlFromSecret(secret)).toBe(url);
  });
});

describe('secretsManagerWebhookResolver', () => {
  const client = () => createSecretsManagerClient('ap-northeast-2');

  it('reads the secret once per container', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ url: URL_TEXT }) });
    const resolve = secretsManagerWebhookResolver('k8s-ec2/slack-webhook', client, logger);
    await expect(resolve()).resolves.toBe(URL_TEXT);
    await expect(resolve()).resolves.toBe(URL_TEXT);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(secrets.commandCalls(GetSecretValueCommand)[0].args[0].input).toEqual({ SecretId: 'k8s-ec2/slack-webhook' });
  });

  it('is off without a secret id, and calls nothing', async () => {
    await expect(secretsManagerWebhookResolver(undefined, client, logger)()).resolves.toBeUndefined();
    expect(secrets.calls()).toHaveLength(0);
  });

  it('logs a read failure by error code only and tries again on the next event', async () => {
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }))
      .resolves({ SecretString: URL_TEXT });
    const resolve = secretsManagerWebhookResolver('sid', client, logger);
    await expect(resolve()).resolves.toBeUndefined();
    expect(logged.join()).toContain('AccessDeniedException');
    await expect(resolve()).resolves.toBe(URL_TEXT);
  });

  it('logs a secret that holds no URL without quoting it', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'not-a-url-but-secret' });
    await expect(secretsManagerWebhookResolver('sid', client, logger)()).resolves.toBeUndefined();
    expect(logged.join()).toContain('holds no http(s) URL');
    expect(logged.join()).not.toContain('not-a-url-but-secret');
  });
});

describe('service clients', () => {
  it('use the service endpoint variables, then the global one', async () => {
    const sfn = createSfnClient('eu-west-1', { AWS_ENDPOINT_URL_SFN: 'http://127.0.0.1:4566', AWS_ENDPOINT_URL: 'http://127.0.0.1:9999' });
    const sm = createSecretsManagerClient('eu-west-1', { AWS_ENDPOINT_URL: 'http://127.0.0.1:9999' });
    expect((await sfn.config.endpoint?.())?.port).toBe(4566);
    expect((await sm.config.endpoint?.())?.port).toBe(9999);
    expect(await sfn.config.region()).toBe('eu-west-1');
  });
});
