import { Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { createApp, testAppProps } from '../../infra/application';
import cdkJson from '../../cdk.json';

/** Every acknowledgement in the tree: rule id (without CDK's namespace) → reasons. */
function acknowledgements(root: IConstruct): Map<string, string[]> {
  const acks = new Map<string, string[]>();
  for (const c of root.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        const rule = id.replace(/^annotation::/i, '');
        acks.set(rule, [...(acks.get(rule) ?? []), reason]);
      }
    }
  }
  return acks;
}

/** The findings the pack would report if nothing were acknowledged. */
function allFindings(nag: AwsSolutionsChecks, root: IConstruct): string[] {
  // cdk-nag asks its (private) isAcknowledged for each finding; a copy that answers "no" reports them all.
  const unacknowledged = Object.create(nag) as Pick<AwsSolutionsChecks, 'validateScope'> & { isAcknowledged: () => boolean };
  unacknowledged.isAcknowledged = () => false;
  return unacknowledged.validateScope(root).violations.map((v) => v.ruleName);
}

describe.each([
  ['without a Slack secret', {}],
  ['with a Slack secret', { slackWebhookSecretName: 'k8s-ec2/slack-webhook' }],
])('cdk-nag AwsSolutions %s', (_name, context) => {
  const { app, nag } = createApp(testAppProps(cdkJson.context, context));

  it('reports no unacknowledged finding, error or warning', () => {
    const report = nag.validateScope(app);
    expect(
      report.violations.map((v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`),
    ).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('acknowledges only findings that exist, each with a reason', () => {
    const findings = new Set(allFindings(nag, app));
    const acks = acknowledgements(app);
    expect(findings.size).toBeGreaterThan(0);
    expect([...acks.keys()].filter((id) => !findings.has(id))).toEqual([]);
    for (const [id, reasons] of acks)
      for (const reason of reasons) expect({ id, reason: reason.length > 40 }).toEqual({ id, reason: true });
  });

  it('fails the synth when a finding is not acknowledged', () => {
    const probe = createApp(testAppProps(cdkJson.context, context));
    // A role with a wildcard and no acknowledgement: exactly what the pack must stop.
    probe.stack.steps.steps.preflight.role.addToPolicy(
      new PolicyStatement({ actions: ['ec2:TerminateInstances'], resources: ['arn:aws:ec2:*:*:instance/unacknowledged-*'] }),
    );
    expect(() => probe.app.synth()).toThrow(/AwsSolutions-IAM5/);
  });
});
